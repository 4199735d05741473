"""What copier's update did in the clone, what stackpick takes back, and the file-by-file report.

copier deletes a file the new render no longer has, edited or not, and replaces a binary
file the team changed with the template's; stackpick keeps the team's version of both.
Every other change is told apart by comparing the team's file with the old render: changed
cleanly (the team never touched it), merged, or conflicting.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator import git
from generator.answers import ANSWERS_FILE
from generator.framework_switch import DRF_NOTE
from generator.update_copier import render_old
from generator.update_report import KeptFile, UpdateReport

#: The lines copier's inline merge writes around a conflict.
CONFLICT_MARKERS = (b"<<<<<<< before updating", b">>>>>>> after updating")


class OldRender:
    """The project's recorded template version with its recorded answers, rendered on demand.

    Only needed when the update deletes or changes a file, so an update with nothing to do
    does not pay for a fourth render.
    """

    def __init__(self, answers: Mapping[str, Any], src_path: str, dest: Path) -> None:
        self.answers, self.src_path, self.dest = answers, src_path, dest
        self.rendered = False

    def content(self, path: str) -> bytes | None:
        """The old render's bytes of `path` (a symlink's target), or None if it had no such file."""
        if not self.rendered:
            render_old(self.answers, self.src_path, self.dest)
            self.rendered = True
        target = self.dest / path
        if target.is_symlink():
            return os.readlink(target).encode()
        return target.read_bytes() if target.is_file() else None


@dataclass(frozen=True)
class Change:
    """One file the update changed in the clone."""

    status: str  # git's letter: A, M, D or T
    path: str  # relative to the project
    binary: bool  # git cannot diff it as text, so copier cannot merge it


def changes(clone: Path) -> list[Change]:
    """Every change in the clone's project against HEAD."""
    git.output("add", "--all", "--", ".", cwd=clone)
    diff = ("diff", "--cached", "--no-renames", "--relative", "-z", "HEAD")
    items = git.zsplit(git.output(*diff, "--name-status", cwd=clone))
    binary = {
        line.split("\t", 2)[2]
        for line in git.zsplit(git.output(*diff, "--numstat", cwd=clone))
        if line.startswith("-\t-\t")
    }
    return [
        Change(items[i][0], items[i + 1], items[i + 1] in binary) for i in range(0, len(items), 2)
    ]


def _theirs(clone: Path, path: str) -> bytes:
    return git.output("show", f"HEAD:./{path}", cwd=clone)


def take_back(clone: Path, old: OldRender, found: list[Change]) -> list[KeptFile]:
    """Restore the team's version of files copier deleted or replaced though they edited them."""
    kept: list[KeptFile] = []
    for change in found:
        if not (change.status == "D" or (change.status == "M" and change.binary)):
            continue
        before = old.content(change.path)
        if _theirs(clone, change.path) == before:
            continue  # untouched by the team: the template may change or remove it
        if change.status == "D":
            reason = (
                "you edited it and the new template no longer has it"
                if before is not None
                else "you created it and the new template would delete it"
            )
        else:
            template_changed = before is not None and (clone / change.path).read_bytes() != before
            reason = "a binary file you changed (copier cannot merge binary files)" + (
                "; the new template changed it too: compare by hand" if template_changed else ""
            )
        git.output("checkout", "HEAD", "--", change.path, cwd=clone)
        kept.append(KeptFile(change.path, reason))
    return kept


def _has_markers(path: Path) -> bool:
    if path.is_symlink() or not path.is_file():
        return False
    with path.open("rb") as handle:
        return any(line.rstrip() in CONFLICT_MARKERS for line in handle)


def unmerged(clone: Path) -> dict[str, list[str]]:
    """Copier's unmerged index entries ("mode sha stage") by path relative to the project."""
    entries: dict[str, list[str]] = {}
    for item in git.zsplit(git.output("ls-files", "--unmerged", "-z", cwd=clone)):
        info, path = item.split("\t", 1)
        entries.setdefault(path, []).append(info)
    return entries


def report(
    project: Path,
    clone: Path,
    answers: Mapping[str, Any],
    old: OldRender,
    kept: list[KeptFile],
    conflicted: Mapping[str, list[str]],
    *,
    pretend: bool,
) -> UpdateReport:
    """Describe the update as it stands in the clone, file by file."""
    found = changes(clone)
    new_answers = yaml.safe_load((clone / ANSWERS_FILE).read_text(encoding="utf-8"))
    old_framework = str(answers.get("framework", ""))
    result = UpdateReport(
        project=project,
        pretend=pretend,
        old_version=str(answers["_commit"]),
        new_version=str(new_answers.get("_commit", "?")),
        old_framework=old_framework,
        new_framework=str(new_answers.get("framework", old_framework)),
        added=sorted(c.path for c in found if c.status == "A"),
        removed=sorted(c.path for c in found if c.status == "D"),
        kept=kept,
    )
    modified = sorted(c.path for c in found if c.status not in "AD")
    result.conflicts = sorted(
        {p for p in conflicted if (clone / p).exists()}
        | {p for p in modified + result.added if _has_markers(clone / p)}
        | {p.removesuffix(".rej") for p in result.added if p.endswith(".rej")}
    )
    for path in modified:
        if path in result.conflicts:
            continue
        team_edited = path != ANSWERS_FILE and _theirs(clone, path) != old.content(path)
        (result.merged if team_edited else result.updated).append(path)
    if kept and (old_framework, result.new_framework) == ("django", "hybrid"):
        result.notes.append(DRF_NOTE.format(slug=answers.get("project_slug", "<package>")))
    return result
