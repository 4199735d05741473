"""The one way stackpick runs git: a fixed identity, no inherited repository, one-line errors."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from generator.errors import StackpickError

#: Who stackpick's own commits (template snapshots, scratch commits in clones) are made by.
IDENTITY = {
    "GIT_AUTHOR_NAME": "stackpick",
    "GIT_AUTHOR_EMAIL": "stackpick@localhost",
    "GIT_COMMITTER_NAME": "stackpick",
    "GIT_COMMITTER_EMAIL": "stackpick@localhost",
}

#: Variables that would point git at another repository than the one in `cwd`.
_REPOSITORY_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")


class GitFailed(StackpickError):
    """A git command failed; the message names it, its folder and git's last line."""


def environment() -> dict[str, str]:
    """The environment git runs in: this process's, with stackpick's identity, never prompting."""
    env = {**os.environ, **IDENTITY, "GIT_TERMINAL_PROMPT": "0"}
    for name in _REPOSITORY_VARIABLES:
        env.pop(name, None)
    return env


def run(
    *args: str, cwd: Path, stdin: bytes | None = None, timeout: float | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run `git ARGS` in `cwd` and return the finished process, whatever its exit status."""
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=environment(),
            input=stdin,
            capture_output=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as error:
        raise GitFailed(f"git {args[0]} timed out after {timeout:.0f} s in {cwd}") from error


def output(*args: str, cwd: Path, stdin: bytes | None = None) -> bytes:
    """The standard output of `git ARGS` in `cwd`; `GitFailed` when git fails."""
    proc = run(*args, cwd=cwd, stdin=stdin)
    if proc.returncode != 0:
        detail = proc.stderr.decode(errors="replace").strip().splitlines()
        raise GitFailed(f"git {args[0]} failed in {cwd}: {detail[-1] if detail else ''}")
    return proc.stdout


def text(*args: str, cwd: Path) -> str:
    """The standard output of `git ARGS` in `cwd` as stripped text; `GitFailed` when git fails."""
    return output(*args, cwd=cwd).decode().strip()


def succeeds(*args: str, cwd: Path, timeout: float | None = None) -> bool:
    """Whether `git ARGS` in `cwd` exits 0 (for questions git answers with its exit status)."""
    return run(*args, cwd=cwd, timeout=timeout).returncode == 0


def zsplit(raw: bytes) -> list[str]:
    """The items of git's NUL-separated (`-z`) output."""
    return [item.decode() for item in raw.split(b"\0") if item]
