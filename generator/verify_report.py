"""What `stackpick verify` shows: a progress bar, a table of results, JUnit XML for CI."""

from __future__ import annotations

import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from generator.combos import Combination


@dataclass
class Result:
    """One combination at one level (render or suite): how long it took, what failed."""

    level: str
    combination: Combination
    seconds: float
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.problems


class Progress:
    """A progress bar on a terminal; elsewhere (CI logs) a line every tenth of the way."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label, self.total, self.done, self.failed = label, total, 0, 0
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.tty = self.stream.isatty()
        self._last_tenth = -1

    def advance(self, ok: bool) -> None:
        """Count one finished combination and redraw."""
        self.done += 1
        self.failed += not ok
        elapsed = time.monotonic() - self.started
        width = 30
        filled = width * self.done // max(self.total, 1)
        line = (
            f"{self.label:<6} [{'#' * filled}{'.' * (width - filled)}] "
            f"{self.done}/{self.total}  {self.failed} failed  {elapsed:.0f} s"
        )
        if self.tty:
            end = "\n" if self.done == self.total else ""
            self.stream.write(f"\r{line}{end}")
        else:
            tenth = 10 * self.done // max(self.total, 1)
            if tenth == self._last_tenth:
                return
            self._last_tenth = tenth
            self.stream.write(line + "\n")
        self.stream.flush()


def table(results: Sequence[Result], template: str | None) -> str:
    """Results as a table, failures first, each with its problems and how to reproduce it."""
    ordered = sorted(results, key=lambda r: (r.ok, r.level != "suite", r.combination.name))
    lines = [f"{'result':<6}  {'level':<6}  {'time':>7}  combination"]
    for result in ordered:
        mark = "ok" if result.ok else "FAIL"
        lines.append(
            f"{mark:<6}  {result.level:<6}  {result.seconds:>6.1f}s  {result.combination.name}"
        )
        if not result.ok:
            lines += [f"            {problem}" for problem in result.problems[:20]]
            if len(result.problems) > 20:
                lines.append(f"            ... and {len(result.problems) - 20} more")
            lines.append(f"            reproduce: {result.combination.reproduce(template)}")
    return "\n".join(lines)


def summary(results: Sequence[Result], walls: dict[str, float]) -> str:
    """One line per level: how many combinations, how many failed, the wall time."""
    lines = []
    for level, wall in walls.items():
        mine = [r for r in results if r.level == level]
        failed = sum(not r.ok for r in mine)
        lines.append(f"{level}: {len(mine)} combinations, {failed} failed, {wall:.1f} s wall time")
    return "\n".join(lines)


def write_junit(
    path: Path, results: Sequence[Result], walls: dict[str, float], template: str | None
) -> None:
    """JUnit XML: one test suite per level, one test case per combination."""
    root = ET.Element("testsuites", name="stackpick verify")
    for level, wall in walls.items():
        mine = [r for r in results if r.level == level]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"verify.{level}",
            tests=str(len(mine)),
            failures=str(sum(not r.ok for r in mine)),
            errors="0",
            time=f"{wall:.3f}",
        )
        for result in mine:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"verify.{level}",
                name=result.combination.name,
                time=f"{result.seconds:.3f}",
            )
            if not result.ok:
                failure = ET.SubElement(case, "failure", message=result.problems[0][:500])
                failure.text = "\n".join(
                    [*result.problems, f"reproduce: {result.combination.reproduce(template)}"]
                )
    ET.indent(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


Echo = Callable[[str], None]
