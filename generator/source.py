"""Where a project's template comes from, recorded so that `copier update` works for years.

copier can only update a project whose answers file names an absolute path or URL
(`_src_path`) and a git revision (`_commit`). The template that ships inside an installed
stackpick is a plain folder, so it is first snapshotted into a small local git repository
(one commit and one `v<version>` tag per stackpick release); a checkout of stackpick's own
repository is used as it is.

What a project records must work on every machine, so a render records the template's
*published* git URL whenever the rendered version is published there (`portable`): the
`origin` of a checkout whose remote branches hold the commit, or, for an installed release,
`STACKPICK_TEMPLATE_URL` or the package's `Repository` URL. Any machine then fetches the
versions an update needs, old and new, as tags from that URL. A local path stays the
offline fallback: `locate` finds the recorded version on this machine when the recorded
source is gone or unreachable.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from generator import __version__, git
from generator.errors import UpdateRefused, UsageError
from generator.questions import template_root

#: What a template snapshot contains, relative to the template root.
TEMPLATE_PARTS = (
    "copier.yml",
    "common",
    "generator/matrix.yml",
    "generator/presets.yml",
    "generator/reserved_names.yml",
    "generator/sources.yml",
    "template_django",
    "template_fastapi",
    "template_hybrid",
)

#: How long to wait for a published template repository to answer before using a local copy.
REACH_TIMEOUT = 30.0


@dataclass(frozen=True)
class TemplateSource:
    """A template location copier can render and later update from."""

    src_path: str
    vcs_ref: str | None
    #: The published URL of this template when it is an installed release, recorded instead.
    published: str | None = None


def _is_git_root(path: Path) -> bool:
    return (path / ".git").exists()


def data_home() -> Path:
    """Stackpick's data folder (`$XDG_DATA_HOME/stackpick`, or `$STACKPICK_HOME`)."""
    if home := os.environ.get("STACKPICK_HOME"):
        return Path(home)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "stackpick"


def cache_home() -> Path:
    """Stackpick's cache folder, whose contents can be deleted at any time.

    `$XDG_CACHE_HOME/stackpick`, or `cache` in `$STACKPICK_HOME` when that is set (a test's
    temporary home keeps its caches too).
    """
    if home := os.environ.get("STACKPICK_HOME"):
        return Path(home) / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stackpick"


def _same_tree(left: Path, right: Path) -> bool:
    comparison = filecmp.dircmp(left, right, ignore=[".git", "__pycache__"])
    if comparison.left_only or comparison.right_only or comparison.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(left, right, comparison.common_files, shallow=False)
    if mismatch or errors:
        return False
    return all(_same_tree(left / sub, right / sub) for sub in comparison.common_dirs)


def snapshot(root: Path, version: str = __version__) -> TemplateSource:
    """Commit the template folder `root` into the local snapshot repository, tagged `v<version>`.

    A snapshot whose files did not change is reused; changed files under an unchanged
    version get a `.postN` tag so copier still sees a newer version.
    """
    repo = data_home() / "template"
    repo.mkdir(parents=True, exist_ok=True)
    if not _is_git_root(repo):
        git.text("init", "--quiet", "--initial-branch=main", cwd=repo)
    work = repo.parent / "template.staging"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    for part in TEMPLATE_PARTS:
        source = root / part
        target = work / part
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.is_file():
            shutil.copy2(source, target)
    has_commits = bool(git.text("rev-list", "--all", "--max-count=1", cwd=repo))
    if has_commits and _same_tree(work, repo):
        shutil.rmtree(work)
        tag = git.text("describe", "--tags", "--abbrev=0", cwd=repo)
        return TemplateSource(src_path=str(repo), vcs_ref=tag)
    for child in repo.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    for child in work.iterdir():
        shutil.move(str(child), repo / child.name)
    work.rmdir()
    git.text("add", "--all", cwd=repo)
    git.text("commit", "--quiet", "--message", f"stackpick {version} template", cwd=repo)
    tags = set(git.text("tag", "--list", cwd=repo).split())
    tag, post = f"v{version}", 0
    while tag in tags:
        post += 1
        tag = f"v{version}.post{post}"
    git.text("tag", tag, cwd=repo)
    # Packed, the snapshot is a few files: copier clones it for every render, and a local
    # clone hardlinks (and then deletes) each loose object (430 for the first version).
    git.text("repack", "-a", "-d", "-q", cwd=repo)
    return TemplateSource(src_path=str(repo), vcs_ref=tag)


def is_url(src_path: str) -> bool:
    """Whether `src_path` is a git URL (copier's forms) rather than a local path."""
    return "://" in src_path or src_path.startswith(("git@", "gh:", "gl:"))


def resolve(template: str | None) -> TemplateSource:
    """The source to render from: `--template` (a path or git URL), or the one shipped."""
    if template is None:
        root = template_root()
        if _is_git_root(root) and not git.text("status", "--porcelain", cwd=root):
            # A clean checkout of stackpick itself: render it at HEAD, which git keeps.
            return TemplateSource(src_path=str(root), vcs_ref="HEAD")
        # An installed copy, or a checkout with uncommitted changes: copier would record a
        # commit that exists only in its temporary clone, and the project could never update.
        snapshotted = snapshot(root)
        if _is_git_root(root) or snapshotted.vcs_ref != f"v{__version__}":
            return snapshotted  # uncommitted work is published nowhere
        return TemplateSource(snapshotted.src_path, snapshotted.vcs_ref, published_url())
    if is_url(template):
        return TemplateSource(src_path=template, vcs_ref=None)
    path = Path(template).expanduser().resolve()
    if not (path / "copier.yml").is_file() and not (path / "copier.yaml").is_file():
        raise UsageError(f"--template {template}: no copier.yml there")
    # A git template renders its latest version tag (copier's rule), or HEAD without tags.
    return TemplateSource(src_path=str(path), vcs_ref=None)


def published_url() -> str | None:
    """Where this stackpick's releases are published, if anywhere known.

    `STACKPICK_TEMPLATE_URL` (a mirror, or a test), else the package's `Repository` (or
    `Source`) project URL.
    """
    if url := os.environ.get("STACKPICK_TEMPLATE_URL"):
        return url
    from importlib import metadata

    try:
        entries = metadata.metadata("stackpick").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    for entry in entries:
        label, _, url = str(entry).partition(",")
        if label.strip().lower() in {"repository", "source"} and url.strip():
            return url.strip()
    return None


def portable(source: TemplateSource, commit: str) -> str:
    """What a project rendered from `source` at `commit` records as `_src_path`.

    The published URL when the rendered version is published there, so every machine can
    reach it; otherwise the location rendered from.
    """
    if source.published:
        return source.published
    path = Path(source.src_path)
    if is_url(source.src_path) or not _is_git_root(path):
        return source.src_path
    origin = git.run("remote", "get-url", "origin", cwd=path)
    url = origin.stdout.decode().strip()
    if origin.returncode != 0 or not is_url(url):
        return source.src_path  # no remote, or another folder on this machine
    pushed = git.run("branch", "--remotes", "--contains", commit, cwd=path)
    if pushed.returncode != 0 or not pushed.stdout.strip():
        return source.src_path  # not pushed (as of the last fetch): not published
    return url


def _has_revision(src_path: str, commit: str) -> bool:
    """Whether this machine can read template version `commit` from `src_path`."""
    if is_url(src_path):
        with tempfile.TemporaryDirectory(prefix="stackpick-reach-") as scratch:
            probe = git.run(
                "ls-remote", "--quiet", src_path, cwd=Path(scratch), timeout=REACH_TIMEOUT
            )
        return probe.returncode == 0
    path = Path(src_path).expanduser()  # copier expands `~/...` too
    return (
        path.is_absolute()
        and _is_git_root(path)
        and git.succeeds("rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}", cwd=path)
    )


def lost_revision(src_path: str, commit: str) -> bool:
    """Whether `commit`, just recorded from `src_path`, is missing from that local template.

    copier renders a local template's uncommitted changes from a commit it makes in its own
    temporary clone: a project recording it could never be updated.
    """
    return not is_url(src_path) and not _has_revision(src_path, commit)


def _candidates(recorded: str) -> Iterator[str]:
    yield recorded
    if published := published_url():
        yield published
    yield resolve(None).src_path  # computed last: it may snapshot the shipped template


def locate(recorded: str, commit: str, template: str | None = None) -> str:
    """Where this machine finds the project's template version `commit`, to update from.

    In order: `template` (the user said where), the recorded `_src_path`, the published
    URL, then the template shipped with this stackpick (a checkout, or its snapshot store).
    """
    if template is not None:
        moved = resolve(template).src_path
        if not _has_revision(moved, commit):
            raise UpdateRefused(
                f"--template {template} has no revision {commit}, the one the project was "
                "rendered from; the update needs it to tell your edits from the template's"
            )
        return moved
    if recorded == str(data_home() / "template"):
        resolve(None)  # snapshot this stackpick's template: an upgrade brings a new version
    tried: list[str] = []
    for where in _candidates(recorded):
        if where in tried:
            continue
        tried.append(where)
        if _has_revision(where, commit):
            return where
    raise UpdateRefused(
        f"no template with version {commit} is reachable from this machine (tried "
        f"{', '.join(tried)}): the update needs it to tell your edits from the template's; "
        "pass --template PATH_OR_URL of a stackpick repository that has it"
    )
