"""What an update does to a project, file by file: for the terminal, for CI and for tools."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class KeptFile:
    """A file stackpick kept although the update would have deleted or replaced it."""

    path: str
    reason: str


@dataclass
class UpdateReport:
    """What an update changed in a project (or, with `pretend`, would change).

    Paths are relative to the project, each in one list: `added`; `updated`, changed by the
    template where the team had not edited it; `merged`, template changes merged with the
    team's edits; `conflicts`, left with inline conflict markers; `kept`, the team's version
    kept where the update would have lost it; `removed`, template files the team never touched.
    """

    project: Path
    pretend: bool
    old_version: str
    new_version: str
    old_framework: str
    new_framework: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    kept: list[KeptFile] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def modified(self) -> list[str]:
        """Every existing file the update writes: changed cleanly, merged or conflicting."""
        return sorted({*self.updated, *self.merged, *self.conflicts} - set(self.added))

    @property
    def changed(self) -> bool:
        """Whether the update changes any file."""
        return bool(self.added or self.modified or self.removed)

    @property
    def available(self) -> bool:
        """Whether there is anything to update (for `--check`)."""
        return self.changed or bool(self.kept) or self.old_version != self.new_version

    @property
    def exit_code(self) -> int:
        """The exit status for the command: 1 when conflicts are left to resolve, else 0."""
        return 1 if self.conflicts else 0

    def _versions(self) -> str:
        switch = (
            f", {self.old_framework} -> {self.new_framework}"
            if self.old_framework != self.new_framework
            else ""
        )
        return f"template {self.old_version} -> {self.new_version}{switch}"

    def files(self) -> list[tuple[str, str]]:
        """(what happens, path) for every file the update touches or keeps, in report order."""
        rows = [("added", path) for path in self.added]
        rows += [("changed cleanly", path) for path in self.updated]
        rows += [("merged", path) for path in self.merged]
        rows += [("conflicting", path) for path in self.conflicts]
        rows += [("kept", kept.path) for kept in self.kept]
        rows += [("removed", path) for path in self.removed]
        return rows

    def as_json(self) -> dict[str, Any]:
        """The report for tools (`stackpick update --check --json`)."""
        return {
            "project": str(self.project),
            "update_available": self.available,
            "current": self.old_version,
            "latest": self.new_version,
            "framework": {"from": self.old_framework, "to": self.new_framework},
            "files": {
                "added": self.added,
                "changed": self.updated,
                "merged": self.merged,
                "conflicting": self.conflicts,
                "kept": [{"path": kept.path, "reason": kept.reason} for kept in self.kept],
                "removed": self.removed,
            },
            "notes": self.notes,
        }

    def __str__(self) -> str:
        """Describe the update as the user reads it at the end of `stackpick update`."""
        if not self.changed and not self.kept:
            return f"{self.project} is up to date ({self._versions()})."
        verb = "Would update" if self.pretend else "Updated"
        lines = [f"{verb} {self.project} ({self._versions()}):"]
        reasons = {kept.path: kept.reason for kept in self.kept}
        for what, path in self.files():
            reason = f" ({reasons[path]})" if what == "kept" else ""
            lines.append(f"  {what:<16} {path}{reason}")
        lines += self.notes
        if self.conflicts:
            would = "would be left" if self.pretend else "are left"
            lines.append(
                f"Conflicts {would} as inline markers (<<<<<<< before updating ... "
                ">>>>>>> after updating) in the files marked conflicting."
            )
            if not self.pretend:
                lines.append("Resolve them, `git add` each file, run the tests, then commit.")
        elif not self.pretend:
            lines.append("Review with `git diff`, run the tests, then commit.")
        return "\n".join(lines)
