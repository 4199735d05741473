"""Every framework renders through pytest-copie into a clean project: no Jinja left, lint-clean."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from markdown_it import MarkdownIt

RUFF = [sys.executable, "-m", "ruff"]

COMBINATIONS: list[tuple[str, dict[str, Any]]] = [
    ("django-defaults", {"framework": "django"}),
    (
        "django-everything",
        {
            "framework": "django",
            "realtime": True,
            "auth": "both",
            "frontend": "spa",
            "background_tasks": "celery",
            "database": "postgresql",
        },
    ),
    (
        "django-bare",
        {
            "framework": "django",
            "admin": False,
            "auth": "none",
            "frontend": "none",
            "docker": False,
            "ci": "none",
            "python_version": "3.11",
        },
    ),
    ("fastapi-defaults", {"framework": "fastapi"}),
    (
        "fastapi-everything",
        {
            "framework": "fastapi",
            "realtime": True,
            "auth": "both",
            "frontend": "server",
            "background_tasks": "celery",
            "database": "postgresql",
        },
    ),
    (
        "fastapi-bare",
        {
            "framework": "fastapi",
            "admin": False,
            "auth": "none",
            "frontend": "none",
            "docker": False,
            "ci": "none",
            "python_version": "3.13",
        },
    ),
    ("hybrid-defaults", {"framework": "hybrid"}),
    (
        "hybrid-everything",
        {
            "framework": "hybrid",
            "realtime": True,
            "auth": "both",
            "frontend": "spa",
            "background_tasks": "celery",
            "database": "postgresql",
        },
    ),
    (
        "hybrid-bare",
        {
            "framework": "hybrid",
            "auth": "tokens",
            "frontend": "none",
            "docker": False,
            "ci": "none",
        },
    ),
    (
        "django-longest-slug",
        {
            "framework": "django",
            "project_slug": "a" * 64,
            "realtime": True,
            "auth": "both",
            "background_tasks": "celery",
        },
    ),
]

#: Files whose own syntax uses braces: Django and Jinja2 HTML templates, GitHub expressions.
BRACES_ALLOWED = (".html",)


def text_files(project: Path) -> list[Path]:
    files = []
    for path in project.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            try:
                path.read_text()
            except UnicodeDecodeError:
                continue
            files.append(path)
    return files


@pytest.mark.parametrize("answers", [c[1] for c in COMBINATIONS], ids=[c[0] for c in COMBINATIONS])
def test_render_is_clean(copie: Any, answers: dict[str, Any]) -> None:
    result = copie.copy(extra_answers={"project_name": "Acme Orders", **answers})
    assert result.exit_code == 0, result.exception
    project: Path = result.project_dir
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert recorded["framework"] == answers["framework"]
    assert (project / answers.get("project_slug", "acme_orders")).is_dir()
    for path in text_files(project):
        relative = path.relative_to(project)
        assert not path.name.endswith(".jinja"), relative
        assert "{{" not in str(relative), relative
        assert "{%" not in str(relative), relative
        text = path.read_text()
        assert "_copier" not in text or path.name == ".copier-answers.yml", relative
        if path.suffix not in BRACES_ALLOWED and ".github" not in relative.parts:
            for marker in ("{{ ", "{% ", "{#"):
                assert marker not in text, f"{relative} keeps Jinja {marker!r}"
        assert text == "" or text.endswith("\n"), f"{relative} lacks a final newline"
        too_many = "\n\n\n\n" if path.suffix == ".py" else "\n\n\n"  # PEP 8 allows two
        assert too_many not in text, f"{relative} has stray blank lines"
    readme = (project / "README.md").read_text()
    assert readme.startswith("# Acme Orders\n")
    assert "## Decision record" in readme
    assert ".env" in (project / ".gitignore").read_text().split()
    for command in (["check", "--no-cache", "."], ["format", "--no-cache", "--check", "."]):
        proc = subprocess.run([*RUFF, *command], cwd=project, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    empty = [p for p in project.rglob("*.py") if p.stat().st_size == 0 and p.name != "__init__.py"]
    assert not empty, f"empty modules: {empty}"


#: Free text as people write it: quotes, a backslash, accents, CJK (two columns wide each),
#: an emoji (beyond the Basic Multilingual Plane), padding, and lines past 100 columns.
FREE_TEXT = {
    "project_name": ('Zoë\'s "Café" \\ *Best* <b> & co_op #1 `x` [a](b) ' + "漢字 " * 40)[:100],
    "description": "  An emoji 😀, a backslash \\ and " + "漢字 " * 40,
    "author_name": 'Zoë 🎉 O\'Brien "Jr"',
    "author_email": "zoe+dev@mail.example.co.uk",
}


@pytest.mark.parametrize("framework", ["django", "fastapi", "hybrid"])
def test_free_text_answers_render_clean(copie: Any, framework: str) -> None:
    """Names and descriptions land in valid TOML and lint-clean Python, whatever they hold.

    The package sorts after `tests` (FastAPI's tests import from both).
    """
    everything = {"admin": True, "realtime": True, "auth": "both", "frontend": "server"}
    answers = {**FREE_TEXT, **everything, "framework": framework, "project_slug": "todo"}
    result = copie.copy(extra_answers=answers)
    assert result.exit_code == 0, result.exception
    project: Path = result.project_dir
    metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert metadata["description"] == FREE_TEXT["description"]
    assert metadata["authors"][0]["name"] == FREE_TEXT["author_name"]
    # The README's title shows the name as written: nothing in it read as Markdown.
    title = MarkdownIt("commonmark").parse((project / "README.md").read_text().splitlines()[0])
    assert [token.type for token in title] == ["heading_open", "inline", "heading_close"]
    assert title[0].tag == "h1"
    children = title[1].children or []
    assert [(child.type, child.content) for child in children] == [
        ("text", FREE_TEXT["project_name"].strip())
    ]
    for command in (["check", "--no-cache", "."], ["format", "--no-cache", "--check", "."]):
        proc = subprocess.run([*RUFF, *command], cwd=project, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
