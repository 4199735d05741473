"""Bad input gets one clear line naming the problem, exit code 2, and nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from generator.cli import app

runner = CliRunner()

BAD_ANSWERS: list[tuple[str, list[str], str]] = [
    ("auth-choice", ["--auth", "oauth"], "auth"),
    ("frontend-choice", ["--frontend", "react"], "frontend"),
    ("team-choice", ["--team", "flask"], "team"),
    ("framework-choice", ["--framework", "flask"], "framework"),
    ("admin-not-bool", ["-d", "admin=perhaps"], "admin"),
    ("docker-not-bool", ["-d", "docker=maybe"], "docker"),
    ("python-too-old", ["-d", "python_version=3.10"], "python_version"),
    ("python-nonsense", ["-d", "python_version=latest"], "python_version"),
    ("database-choice", ["-d", "database=mysql"], "database"),
    ("tasks-choice", ["-d", "background_tasks=rq"], "background_tasks"),
    ("ci-choice", ["-d", "ci=gitlab"], "ci"),
    ("unknown-question", ["-d", "colour=blue"], "colour"),
    ("hidden-question", ["-d", "secret_key=hunter2"], "secret_key"),
    ("computed-question", ["-d", "recommendation=django"], "recommendation"),
    ("data-without-equals", ["-d", "project_name"], "KEY=VALUE"),
    ("slug-uppercase", ["-d", "project_slug=MyApp"], "project_slug"),
    ("slug-dash", ["-d", "project_slug=my-app"], "project_slug"),
    ("slug-digit-first", ["-d", "project_slug=1app"], "project_slug"),
    ("slug-keyword", ["-d", "project_slug=class"], "project_slug"),
    ("slug-stdlib", ["-d", "project_slug=json"], "project_slug"),
    ("slug-stdlib-test", ["-d", "project_slug=test"], "project_slug"),
    ("slug-dependency", ["-d", "project_slug=django"], "project_slug"),
    ("slug-dependency-fastapi", ["-d", "project_slug=fastapi"], "project_slug"),
    ("slug-too-long", ["-d", "project_slug=" + "a" * 65], "project_slug"),
    ("slug-path-escape", ["-d", "project_slug=../../evil"], "project_slug"),
    ("slug-absolute-path", ["-d", "project_slug=/etc/evil"], "project_slug"),
    ("name-derives-bad-slug", ["-d", "project_name=Test"], "project_slug"),
    ("name-empty", ["-d", "project_name=   "], "project_name"),
    ("name-jinja", ["-d", "project_name={{ 7 * 7 }}"], "project_name"),
    ("name-jinja-statement", ["-d", "project_name={% include '/etc/passwd' %}"], "project_name"),
    ("description-jinja", ["-d", "description={{ cycler.__init__ }}"], "description"),
    ("author-jinja", ["-d", "author_name={# x #}"], "author_name"),
    ("email-no-at", ["-d", "author_email=jane.example.com"], "author_email"),
    ("email-no-tld", ["-d", "author_email=jane@localhost"], "author_email"),
    ("email-spaces", ["-d", "author_email=jane doe@example.com"], "author_email"),
    ("template-missing", ["--template", "/nonexistent/template"], "--template"),
]


def assert_refused(result_code: int, stderr: str, naming: str) -> None:
    assert result_code == 2, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("stackpick: error: ")
    assert naming in lines[0]
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("args", "naming"), [(c[1], c[2]) for c in BAD_ANSWERS], ids=[c[0] for c in BAD_ANSWERS]
)
def test_bad_answer_is_refused_and_nothing_written(
    tmp_path: Path, args: list[str], naming: str
) -> None:
    dest = tmp_path / "project"
    result = runner.invoke(app, ["new", str(dest), "--defaults", *args])
    assert_refused(result.exit_code, result.stderr, naming)
    assert list(tmp_path.iterdir()) == [], "nothing is written beside or into DEST"


def test_recommend_refuses_a_bad_choice() -> None:
    result = runner.invoke(app, ["recommend", "--auth", "kerberos", "--json"])
    assert_refused(result.exit_code, result.stderr, "auth")
    assert result.stdout == ""


def test_destination_is_a_file(tmp_path: Path) -> None:
    dest = tmp_path / "file.txt"
    dest.write_text("keep me\n")
    result = runner.invoke(app, ["new", str(dest), "--defaults"])
    assert_refused(result.exit_code, result.stderr, "not a directory")
    assert dest.read_text() == "keep me\n"


def test_non_empty_destination_is_left_alone(tmp_path: Path) -> None:
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "main.py").write_text("print('mine')\n")
    result = runner.invoke(app, ["new", str(dest), "--defaults"])
    assert_refused(result.exit_code, result.stderr, "--force")
    assert [p.name for p in dest.iterdir()] == ["main.py"]
    assert (dest / "main.py").read_text() == "print('mine')\n"


def test_a_failure_after_files_were_written_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import copier

    def half_then_fail(src: str, dst: Path, **_: object) -> None:
        Path(dst, "half.txt").write_text("half-written\n")
        raise ValueError("Validation error for question 'project_slug': boom")

    monkeypatch.setattr(copier, "run_copy", half_then_fail)
    result = runner.invoke(app, ["new", str(tmp_path / "deep" / "er" / "p"), "--defaults"])
    assert_refused(result.exit_code, result.stderr, "project_slug: boom")
    assert list(tmp_path.iterdir()) == [], "no staging folder and no created parents remain"


def test_ctrl_c_while_rendering_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import copier

    def interrupted(src: str, dst: Path, **_: object) -> None:
        Path(dst, "pyproject.toml").write_text("[project]\n")
        raise KeyboardInterrupt

    monkeypatch.setattr(copier, "run_copy", interrupted)
    dest = tmp_path / "p"
    dest.mkdir()
    result = runner.invoke(app, ["new", str(dest), "--defaults"])
    assert result.exit_code == 130
    assert "interrupted" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["p"]
    assert list(dest.iterdir()) == []


#: The test below, run in a process of its own (`python -c HOLD_CTRL_C TMP_PATH`).
HOLD_CTRL_C = r"""
import os
import signal
import sys
from pathlib import Path

from generator import render

tmp_path = Path(sys.argv[1])
staging = tmp_path / "staging"
(staging / "pkg").mkdir(parents=True)
for index in range(50):
    (staging / "pkg" / f"m{index}.py").write_text(f"X = {index}\n")
dest = tmp_path / "dest"
dest.mkdir()
(dest / "keep.txt").write_text("mine\n")
received: list[int] = []
previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
try:
    with render.signals_deferred():
        os.kill(os.getpid(), signal.SIGINT)
        render._merge_into(staging, dest)
        assert received == [], "the signal waits until every file has moved"
finally:
    signal.signal(signal.SIGINT, previous)
assert received == [signal.SIGINT]
assert len(list((dest / "pkg").iterdir())) == 50
assert (dest / "keep.txt").read_text() == "mine\n"
"""


def test_ctrl_c_while_files_move_into_place_is_held_until_done(tmp_path: Path) -> None:
    # In a single-threaded process, as the CLI is: a pytest-xdist worker has threads of its
    # own, and the kernel hands a process's SIGINT to a thread that does not hold it.
    proc = subprocess.run(
        [sys.executable, "-c", HOLD_CTRL_C, str(tmp_path)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
