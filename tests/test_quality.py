"""stackpick's own code is as clean as what it generates: ruff, ruff format and mypy strict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "generator", "tests", "bench"],
        ["ruff", "format", "--check", "generator", "tests", "bench"],
        ["mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_generator_is_clean(command: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_help_and_recommend_do_not_import_copier_or_questionary() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from generator.cli import app\n"
        "runner = CliRunner()\n"
        "assert runner.invoke(app, ['--help']).exit_code == 0\n"
        "assert runner.invoke(app, ['recommend', '--json']).exit_code == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'copier', 'questionary'}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize("module", sorted(ROOT.glob("generator/*.py")), ids=lambda path: path.name)
def test_every_generator_module_is_under_300_lines(module: Path) -> None:
    lines = len(module.read_text(encoding="utf-8").splitlines())
    assert lines < 300, f"{module.name} has {lines} lines: split it along its jobs"
