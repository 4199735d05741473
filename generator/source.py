"""Where a project's template comes from, recorded so that `copier update` works for years.

copier can only update a project whose `.copier-answers.yml` names an absolute path or URL
(`_src_path`) and a git revision (`_commit`). The template that ships inside an installed
stackpick is a plain folder, so it is first snapshotted into a small local git repository
(one commit and one `v<version>` tag per stackpick release); a checkout of stackpick's own
repository is used as it is.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from generator import __version__
from generator.errors import UsageError
from generator.questions import template_root

#: What a template snapshot contains, relative to the template root.
TEMPLATE_PARTS = (
    "copier.yml",
    "common",
    "generator/matrix.yml",
    "generator/reserved_names.yml",
    "template_django",
    "template_fastapi",
    "template_hybrid",
)

_GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "stackpick",
    "GIT_AUTHOR_EMAIL": "stackpick@localhost",
    "GIT_COMMITTER_NAME": "stackpick",
    "GIT_COMMITTER_EMAIL": "stackpick@localhost",
}


@dataclass(frozen=True)
class TemplateSource:
    """A template location copier can render and later update from."""

    src_path: str
    vcs_ref: str | None


def _git(*args: str, cwd: Path) -> str:
    env = {**os.environ, **_GIT_IDENTITY}
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise UsageError(f"git {args[0]} failed in {cwd}: {proc.stderr.strip().splitlines()[-1:]}")
    return proc.stdout.strip()


def _is_git_root(path: Path) -> bool:
    return (path / ".git").exists()


def data_home() -> Path:
    """Stackpick's data folder (`$XDG_DATA_HOME/stackpick`, or `$STACKPICK_HOME`)."""
    if home := os.environ.get("STACKPICK_HOME"):
        return Path(home)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
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
        _git("init", "--quiet", "--initial-branch=main", cwd=repo)
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
    has_commits = bool(_git("rev-list", "--all", "--max-count=1", cwd=repo))
    if has_commits and _same_tree(work, repo):
        shutil.rmtree(work)
        tag = _git("describe", "--tags", "--abbrev=0", cwd=repo)
        return TemplateSource(src_path=str(repo), vcs_ref=tag)
    for child in repo.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    for child in work.iterdir():
        shutil.move(str(child), repo / child.name)
    work.rmdir()
    _git("add", "--all", cwd=repo)
    _git("commit", "--quiet", "--message", f"stackpick {version} template", cwd=repo)
    tags = set(_git("tag", "--list", cwd=repo).split())
    tag, post = f"v{version}", 0
    while tag in tags:
        post += 1
        tag = f"v{version}.post{post}"
    _git("tag", tag, cwd=repo)
    return TemplateSource(src_path=str(repo), vcs_ref=tag)


def resolve(template: str | None) -> TemplateSource:
    """The source to render from: `--template` (a path or git URL), or the one shipped."""
    if template is None:
        root = template_root()
        if _is_git_root(root) and not _git("status", "--porcelain", cwd=root):
            # A clean checkout of stackpick itself: render it at HEAD, which git keeps.
            return TemplateSource(src_path=str(root), vcs_ref="HEAD")
        # An installed copy, or a checkout with uncommitted changes: copier would record a
        # commit that exists only in its temporary clone, and the project could never update.
        return snapshot(root)
    if "://" in template or template.startswith(("git@", "gh:", "gl:")):
        return TemplateSource(src_path=template, vcs_ref=None)
    path = Path(template).expanduser().resolve()
    if not (path / "copier.yml").is_file() and not (path / "copier.yaml").is_file():
        raise UsageError(f"--template {template}: no copier.yml there")
    # A git template renders its latest version tag (copier's rule), or HEAD without tags.
    return TemplateSource(src_path=str(path), vcs_ref=None)
