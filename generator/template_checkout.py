"""A checkout of each local template version, kept, instead of copier's clone per render.

To render a git template copier (9.19) clones it into a temporary folder, checks the
version out, runs `git submodule update` (a shell script that starts 17 more processes),
renders, and deletes the clone: about 20 processes and 600 files written and deleted, 0.09 s
of a Django render's CPU time. What it renders from is a checkout of one commit, the same
every time, so stackpick keeps that checkout in its cache folder and hands it to copier
(`kept_checkouts`), which then records the project's `_src_path` and `_commit` as before:
`_src_path` is the template's location as given, and `_commit` comes from `git describe`
in the checkout, which holds the source's tags.

A kept checkout is used only while it is exactly what a fresh clone would be:

- It is named after the commit and the umask (copier gives each rendered file its source
  file's mode, and a clone's modes come from the umask).
- It is made by copier's own clone, and only for a local repository or worktree: a URL
  (copier keeps its own mirror of those), a bundle, a shallow repository, a dirty `HEAD`
  (copier renders the uncommitted changes) or a ref other than `HEAD` or a tag (copier
  resolves the others in its clone, where a branch name means the source's branch) get
  copier's clone.
- The source's tags are recorded with it; when they change (`_commit` and the version depend
  on them), the checkout is made anew.
- Before each use `git status` must find it unchanged, with no untracked or ignored file
  (copier would render those); otherwise it is made anew.

Only the few most recently used checkouts are kept.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from generator import git

Clone = Callable[..., str]

#: How many checkouts stay besides the one in use, and how long an unused one stays at least.
KEEP = 3
KEEP_SECONDS = 3600

_TAGS_FILE = "stackpick-tags"
#: The name under which copier's template module calls its `clone`.
_CLONE = "clone"


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _refs(source: Path) -> tuple[str, str] | None:
    """The source's HEAD commit and its tags (names and ids, annotated ones peeled)."""
    shown = git.run("show-ref", "--head", "--tags", "--dereference", cwd=source)
    if shown.returncode != 0:
        return None
    lines = shown.stdout.decode().splitlines()
    head = next((line.split()[0] for line in lines if line.endswith(" HEAD")), None)
    if head is None:
        return None
    return head, "\n".join(sorted(line for line in lines if " refs/tags/" in line))


def _commit(ref: str, head: str, tags: str) -> str | None:
    """The commit `ref` names in the source, if it is `HEAD` or a tag; else None."""
    if ref == "HEAD":
        return head
    ids = {}
    for line in tags.splitlines():
        commit, name = line.split(" ", 1)
        ids[name] = commit
    return ids.get(f"refs/tags/{ref}^{{}}") or ids.get(f"refs/tags/{ref}")


def _whole_repository(source: Path) -> bool:
    """Whether `source` is a local git repository (or a worktree of one) that is not shallow."""
    dot_git = source / ".git"
    if dot_git.is_dir():
        return not (dot_git / "shallow").exists()
    if not dot_git.is_file():
        return False
    shallow = git.run("rev-parse", "--is-shallow-repository", cwd=source)  # a worktree
    return shallow.returncode == 0 and shallow.stdout.strip() == b"false"


def _pristine(checkout: Path, tags: str) -> bool:
    """Whether `checkout` is still what copier's clone made, with the source's tags of now."""
    try:
        recorded = (checkout / ".git" / _TAGS_FILE).read_text(encoding="utf-8")
    except OSError:
        return False
    if recorded != tags:
        return False
    status = git.run("status", "--porcelain", "--untracked-files=all", "--ignored", cwd=checkout)
    return status.returncode == 0 and not status.stdout.strip()


def _prune(directory: Path, current: Path) -> None:
    """Delete all but the `KEEP` most recently used checkouts, and none used in the last hour."""
    entries = []
    for entry in os.scandir(directory):
        with contextlib.suppress(OSError):
            entries.append((entry.stat().st_mtime, Path(entry.path)))
    entries.sort(reverse=True)
    now = time.time()
    for mtime, path in entries[KEEP:]:
        if path != current and now - mtime > KEEP_SECONDS:
            shutil.rmtree(path, ignore_errors=True)


def _made(original: Clone, url: str, commit: str, tags: str, checkout: Path) -> Path:
    """Make `checkout` with copier's clone, in a temporary folder moved into place."""
    directory = checkout.parent
    work = Path(tempfile.mkdtemp(prefix=".making-", dir=directory))
    try:
        made = Path(original(url, commit, location=str(work / "checkout")))
        (made / ".git" / _TAGS_FILE).write_text(tags, encoding="utf-8")
        if _pristine(checkout, tags):
            return checkout  # another render made it meanwhile
        if checkout.exists():  # stale: out of the way first, deleted below
            checkout.rename(work / "stale")
        try:
            made.rename(checkout)
        except OSError:
            if not _pristine(checkout, tags):  # another render's, made meanwhile, will do
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _prune(directory, checkout)
    return checkout


def _keeping(original: Clone, directory: Path) -> Clone:
    """A `clone` for copier that hands out a kept checkout where that is the same as a clone."""

    def clone(url: str, ref: str = "HEAD", location: str | None = None) -> str:
        source = Path(url)
        if not _whole_repository(source):
            return original(url, ref, location)  # a URL, a bundle, a shallow clone
        refs = _refs(source)
        commit = None if refs is None else _commit(ref, *refs)
        if refs is None or commit is None:
            return original(url, ref, location)
        if ref == "HEAD" and git.text("status", "--porcelain", cwd=source):
            return original(url, ref, location)  # copier commits the changes in its clone
        tags = refs[1]
        checkout = directory / f"{commit}-{_umask():03o}"
        if _pristine(checkout, tags):
            with contextlib.suppress(OSError):
                os.utime(checkout)  # recently used: not pruned
            return str(checkout)
        try:
            return str(_made(original, url, commit, tags, checkout))
        except OSError:
            return original(url, ref, location)  # the cache is full or read-only

    return clone


@contextlib.contextmanager
def kept_checkouts(directory: Path) -> Iterator[None]:
    """Within the block, copier renders local git templates from checkouts in `directory`."""
    from copier import _template

    original = getattr(_template, _CLONE, None)
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        original = None  # nowhere to keep them: copier clones as before
    if original is None:  # or a later copier that clones another way
        yield
        return
    setattr(_template, _CLONE, _keeping(original, directory))
    try:
        yield
    finally:
        setattr(_template, _CLONE, original)
