"""`stackpick new` on a real pseudo-terminal: every question asked and answered like a person."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect
import pytest
import yaml

UP, DOWN, ENTER, CTRL_C, CLEAR_LINE = "\x1b[A", "\x1b[B", "\r", "\x03", "\x15"
STACKPICK = [sys.executable, "-m", "generator"]


def spawn(*args: str) -> pexpect.spawn:
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "200", "LINES": "60"}
    env.pop("CI", None)
    return pexpect.spawn(
        STACKPICK[0],
        [*STACKPICK[1:], *args],
        encoding="utf-8",
        timeout=60,
        dimensions=(60, 200),
        env=env,
        cwd=str(Path(__file__).resolve().parents[1]),
    )


def answer_text(child: pexpect.spawn, prompt: str, value: str) -> None:
    child.expect(prompt)
    child.send(CLEAR_LINE + value + ENTER)


def test_new_asks_every_question_and_renders_the_answers(tmp_path: Path) -> None:
    dest = tmp_path / "inventory"
    child = spawn("new", str(dest))
    # The decision questions, asked by stackpick.
    child.expect("admin UI")
    child.send("y")
    child.expect("concurrent I/O waits")
    child.send("y")
    child.expect("live updates over websockets")
    child.send("n")
    child.expect("user accounts")
    child.send(DOWN * 2 + ENTER)  # sessions (the default) -> tokens -> both
    child.expect("user interface")
    child.send(DOWN + ENTER)  # server -> spa
    child.expect("already know well")
    child.send(UP + ENTER)  # neither -> fastapi
    # The recommendation and why, then the framework with it preselected.
    child.expect("stackpick recommends: hybrid")
    child.expect("Why hybrid")
    child.expect(r"Which framework\? \(stackpick recommends: hybrid\)")
    child.expect("Hybrid")
    child.send(UP + UP + ENTER)  # take Django instead
    answer_text(child, "human-readable name", "Inventory Hub")
    answer_text(child, "Python package name", "inventory_hub")
    answer_text(child, "one-line description", "Stock for three warehouses")
    answer_text(child, "Your name", "Ada Lovelace")
    answer_text(child, "e-mail address", "ada@example.org")
    child.expect("Python version")
    child.send(UP + ENTER)  # 3.12 -> 3.11
    child.expect("DATABASE_URL")
    child.send(DOWN + ENTER)  # postgresql
    child.expect("Background tasks")
    child.send(DOWN + ENTER)  # celery
    child.expect("Dockerfile")
    child.send("n")
    child.expect("Continuous integration")
    child.send(DOWN + ENTER)  # none
    child.expect(f"Created {dest}")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before

    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert {k: v for k, v in answers.items() if not k.startswith("_")} == {
        "admin": True,
        "async_io": True,
        "realtime": False,
        "auth": "both",
        "frontend": "spa",
        "team": "fastapi",
        "framework": "django",
        "project_name": "Inventory Hub",
        "project_slug": "inventory_hub",
        "description": "Stock for three warehouses",
        "author_name": "Ada Lovelace",
        "author_email": "ada@example.org",
        "python_version": "3.11",
        "database": "postgresql",
        "background_tasks": "celery",
        "docker": False,
        "ci": "none",
    }
    assert "postgresql://" in (dest / ".env").read_text()
    assert not (dest / "Dockerfile").exists()


def test_flags_are_not_asked_again(tmp_path: Path) -> None:
    dest = tmp_path / "svc"
    child = spawn(
        "new",
        str(dest),
        "--no-admin",
        "--async-io",
        "--realtime",
        "--auth",
        "tokens",
        "--frontend",
        "none",
    )
    child.expect("already know well")  # the only decision question left
    assert "admin UI" not in child.before
    child.send(ENTER)
    child.expect("stackpick recommends: fastapi")
    child.expect("Which framework")
    child.send(CTRL_C)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("at", ["admin UI", "user accounts"])
def test_ctrl_c_at_a_decision_prompt_writes_nothing(tmp_path: Path, at: str) -> None:
    dest = tmp_path / "p"
    child = spawn("new", str(dest))
    child.expect("admin UI")
    if at != "admin UI":
        child.send("y")
        child.expect("concurrent I/O waits")
        child.send("n")
        child.expect("websockets")
        child.send("n")
        child.expect(at)
    child.send(CTRL_C)
    child.expect("interrupted")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert list(tmp_path.iterdir()) == []


def test_recommend_on_a_terminal_asks_what_flags_leave_open() -> None:
    child = spawn(
        "recommend",
        "--admin",
        "--no-async-io",
        "--no-realtime",
        "--auth",
        "sessions",
        "--frontend",
        "server",
    )
    child.expect("already know well")
    child.send(UP + UP + ENTER)  # neither -> django
    child.expect("stackpick recommends: django")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
