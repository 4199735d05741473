"""The templates read plainly.

Few conditionals: every template has at least 40 lines per conditional in its `.jinja` files'
contents (names that make a file appear are free), and the hybrid says in the README what it
adds to Django.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DJANGO = ROOT / "template_django"
HYBRID = ROOT / "template_hybrid"
SECTION = "### What the hybrid adds to Django"
TEMPLATES = ("template_django", "template_fastapi", "template_hybrid", "common")
LINES_PER_CONDITIONAL = 40
# A Jinja tag or expression; a conditional is an `if`/`elif` tag or an inline `x if y` in one.
TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.DOTALL)
CONDITIONAL = re.compile(r"\b(?:el)?if\b")


def _rendered_name(relative: Path) -> str:
    """A template path as the project has it: no `.jinja`, no tags, `<package>` for the slug."""
    name = relative.as_posix().replace("{{project_slug}}", "<package>")
    name = re.sub(r"\{%.*?%\}", "", name)
    return name.removesuffix(".jinja")


def _entries(base: Path) -> dict[str, Path]:
    """Every file and linked folder under `base` (links not followed), by rendered name."""
    entries: dict[str, Path] = {}
    for folder, subfolders, files in os.walk(base):
        here = Path(folder)
        for name in list(subfolders):
            if (here / name).is_symlink():
                subfolders.remove(name)
                files.append(name)
        for name in files:
            entries[_rendered_name((here / name).relative_to(base))] = here / name
    return entries


def _shared(name: str, path: Path, django: dict[str, Path]) -> bool:
    """A link into Django's template, or to the very file or folder Django's own name holds."""
    if not path.is_symlink():
        return False
    target = Path(os.path.normpath(path.parent / os.readlink(path)))
    same = name in django and django[name].resolve() == path.resolve()
    return target.is_relative_to(DJANGO) or same


def _hybrid_own() -> set[str]:
    django = _entries(DJANGO)
    return {name for name, path in _entries(HYBRID).items() if not _shared(name, path, django)}


def _django_left_out() -> set[str]:
    hybrid = _entries(HYBRID)
    return {
        name
        for name in _entries(DJANGO)
        if name not in hybrid and not any(name.startswith(other + "/") for other in hybrid)
    }


def _listed(intro: str) -> set[str]:
    """The paths the README's section lists after `intro`, folders ending in `/` expanded."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split(SECTION, 1)[1]
    section = section.split("\n#", 1)[0]
    bullets = section.split(intro, 1)[1].split("\n\n", 2)[1]
    listed: set[str] = set()
    for bullet in bullets.splitlines():
        head, _, rest = bullet.removeprefix("- ").partition(": ")
        names = re.findall(r"`([^`]+)`", head)
        files = re.findall(r"`([^`]+)`", rest) if names[-1].endswith("/") else []
        listed |= {names[-1] + name for name in files} if files else set(names)
    return listed


def _unlisted(names: set[str], listed: set[str]) -> set[str]:
    """The names no listed path stands for (a listed folder stands for all below it)."""
    return {
        name
        for name in names
        if not any(
            name == entry or (entry.endswith("/") and name.startswith(entry)) for entry in listed
        )
    }


def test_the_readme_lists_the_hybrids_own_files() -> None:
    own, listed = _hybrid_own(), _listed("The hybrid's own files:")

    assert _unlisted(own, listed) == set()  # own files the README does not list
    assert [entry for entry in listed if _unlisted(own, {entry}) == own] == []  # not its own


def test_the_readme_lists_the_django_files_the_hybrid_leaves_out() -> None:
    assert _listed("The Django files it leaves out") == _django_left_out()


def _own_templated_files(base: Path) -> list[Path]:
    """The `.jinja` files a template holds itself: not behind a link, not in node_modules."""
    return [
        path
        for path in base.rglob("*.jinja")
        if "node_modules" not in path.parts
        and not any(part.is_symlink() for part in (path, *path.parents))
    ]


def _density(base: Path) -> tuple[int, int, list[tuple[int, str]]]:
    """Lines and conditionals in a template's own `.jinja` files, and the conditionals per file."""
    lines = conditionals = 0
    per_file: list[tuple[int, str]] = []
    for path in _own_templated_files(base):
        text = path.read_text(encoding="utf-8")
        count = sum(1 for tag in TAG.findall(text) if CONDITIONAL.search(tag))
        lines += len(text.splitlines())
        conditionals += count
        per_file.append((count, path.relative_to(ROOT).as_posix()))
    return lines, conditionals, sorted(per_file, reverse=True)


@pytest.mark.parametrize("template", TEMPLATES)
def test_each_template_has_few_conditionals(template: str) -> None:
    lines, conditionals, per_file = _density(ROOT / template)

    assert lines >= LINES_PER_CONDITIONAL * conditionals, (
        f"{template}: {lines} lines, {conditionals} conditionals"
        f" ({lines / max(conditionals, 1):.1f} lines each); the most: {per_file[:5]}"
    )
