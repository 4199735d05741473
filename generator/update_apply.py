"""Copy an update that worked in the clone into the project, conflicts left unmerged in git."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from generator import git
from generator.render import signals_deferred
from generator.update_report import UpdateReport


def _copy_in(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink() or target.is_file():
        target.unlink()
    if source.is_symlink():
        target.symlink_to(os.readlink(source))
    else:
        shutil.copy2(source, target)


def _remove(project: Path, path: str) -> None:
    target = project / path
    if target.is_symlink() or target.is_file():
        target.unlink()
    parent = target.parent
    while parent != project:
        with contextlib.suppress(OSError):
            parent.rmdir()  # only when empty
        parent = parent.parent


def _mark_unmerged(clone: Path, project: Path, top: Path, entries: dict[str, list[str]]) -> None:
    """Give the project's index the clone's conflict stages, so git shows them unmerged."""
    lines: list[str] = []
    for path, infos in entries.items():
        from_top = (project / path).relative_to(top).as_posix()
        lines.append(f"0 {'0' * 40}\t{from_top}")
        for info in infos:
            _mode, sha, _stage = info.split()
            blob = git.output("cat-file", "blob", sha, cwd=clone)
            git.output("hash-object", "-w", "--stdin", cwd=top, stdin=blob)
            lines.append(f"{info}\t{from_top}")
    if lines:
        git.output("update-index", "--index-info", cwd=top, stdin="\n".join(lines).encode())


def apply(
    clone: Path, project: Path, top: Path, report: UpdateReport, unmerged: dict[str, list[str]]
) -> None:
    """Write the clone's result into the project; Ctrl-C waits until every file is in place."""
    with signals_deferred():
        for path in report.added + report.modified:
            _copy_in(clone / path, project / path)
        for path in report.removed:
            _remove(project, path)
        conflicted = {p: e for p, e in unmerged.items() if p in report.conflicts}
        _mark_unmerged(clone, project, top, conflicted)
