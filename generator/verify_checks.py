"""The render-level checks of `stackpick verify`: what a generated project must be as rendered.

Each file is checked as the project's own pre-commit file hooks would (pre-commit-hooks'
end-of-file-fixer, trailing-whitespace, check-merge-conflict, check-yaml, check-toml,
check-added-large-files, reimplemented here without their fixers), must parse if it is
YAML, TOML or JSON, and must keep no Jinja. ruff then runs once over many projects, and
each finding is attributed to the project it is in.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml

from generator.answers import ANSWERS_FILE

#: Files whose own syntax uses Jinja-like braces (Django and Jinja2 HTML templates).
BRACES_ALLOWED = (".html",)
#: check-added-large-files' default limit.
LARGE_FILE = 500 * 1024
_JINJA = re.compile(r"(?<!\$)\{\{ |\{% |\{#")
_MERGE_MARKERS = (b"<<<<<<< ", b">>>>>>> ")


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe YAML loader that refuses duplicate keys, as check-yaml (ruamel) does.

    It parses with libyaml where PyYAML has it (a fifth of a render's checks otherwise).
    """


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # `<<: *anchor`: its keys may be overridden, they are not duplicates
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    loader.flatten_mapping(node)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def end_of_file_problem(content: bytes) -> str | None:
    """What end-of-file-fixer would change: a missing final newline, or blank lines at the end."""
    stripped = content.rstrip(b"\r\n")
    if not content:
        return None
    if not stripped:
        return "holds only line breaks (end-of-file-fixer empties it)"
    if content[len(stripped) :] not in (b"\n", b"\r\n", b"\r"):
        if content == stripped:
            return "no newline at end of file (end-of-file-fixer)"
        return "blank line(s) at end of file (end-of-file-fixer)"
    return None


def file_problems(path: Path, relative: str) -> list[str]:
    """Every problem of one rendered file, each as one line naming the file."""
    problems: list[str] = []
    if path.name.endswith(".jinja") or "{{" in relative or "{%" in relative:
        problems.append(f"{relative}: Jinja left in the file name")
    content = path.read_bytes()
    if len(content) > LARGE_FILE:
        problems.append(f"{relative}: {len(content) // 1024} KiB (check-added-large-files)")
    try:
        text = content.decode()
    except UnicodeDecodeError:
        return problems  # binary: the text hooks skip it, as pre-commit does
    if path.suffix not in BRACES_ALLOWED and (match := _JINJA.search(text)):
        line = text.count("\n", 0, match.start()) + 1
        problems.append(f"{relative}:{line}: Jinja left: {match.group().strip()!r}")
    if "_copier" in text and path.name != ANSWERS_FILE:
        problems.append(f"{relative}: copier variable left")
    if problem := end_of_file_problem(content):
        problems.append(f"{relative}: {problem}")
    for number, line_bytes in enumerate(content.splitlines(), 1):
        if line_bytes != line_bytes.rstrip():
            problems.append(f"{relative}:{number}: trailing whitespace (trailing-whitespace)")
            break
    for number, line_bytes in enumerate(content.splitlines(), 1):
        if line_bytes.startswith(_MERGE_MARKERS):
            problems.append(f"{relative}:{number}: merge conflict marker (check-merge-conflict)")
            break
    problems += _parse_problems(path, relative, text)
    return problems


def _parse_problems(path: Path, relative: str, text: str) -> list[str]:
    try:
        if path.suffix in (".yaml", ".yml"):
            list(yaml.load_all(text, Loader=_UniqueKeyLoader))
        elif path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix == ".json":
            json.loads(text)
    except (yaml.YAMLError, tomllib.TOMLDecodeError, ValueError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        kind = {".yml": "YAML"}.get(path.suffix, path.suffix[1:].upper())
        return [f"{relative}: invalid {kind}: {first}"]
    return []


def project_problems(project: Path) -> list[str]:
    """Every file problem of one rendered project, in path order."""
    problems: list[str] = []
    for root, dirs, files in os.walk(project):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for name in sorted(files):
            path = Path(root) / name
            problems += file_problems(path, path.relative_to(project).as_posix())
    return problems


def _ruff(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache", "."],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )


def ruff_problems(parent: Path) -> dict[str, list[str]]:
    """`ruff check` and `ruff format --check` once over every project in `parent`.

    Each project sits in its own folder of `parent`, with its own `pyproject.toml` (ruff
    uses the closest one); findings come back keyed by that folder's name.
    """
    found: dict[str, list[str]] = {}
    for command in (["check", "--exit-zero"], ["format", "--check"]):
        proc = _ruff(*command, "--output-format", "json", cwd=parent)
        try:
            findings = json.loads(proc.stdout or "[]")
        except ValueError:
            findings = None
        if proc.returncode not in (0, 1, 2) or not isinstance(findings, list):
            raise RuntimeError(f"ruff {command[0]} failed to run: {proc.stderr.strip()}")
        for finding in findings:
            if command[0] == "format" and finding["code"] == "invalid-syntax":
                continue  # `ruff check` reported it already
            path = Path(finding["filename"]).resolve().relative_to(parent.resolve())
            folder, _, relative = path.as_posix().partition("/")
            row = (finding.get("location") or {}).get("row", "?")
            tool = "ruff format" if command[0] == "format" else "ruff"
            message = f"{relative}:{row}: {tool} {finding['code']}: {finding['message']}"
            found.setdefault(folder, []).append(message)
    return found
