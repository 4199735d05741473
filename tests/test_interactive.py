"""`stackpick new` on a real pseudo-terminal: every question asked and answered like a person."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect
import pytest
import yaml

from generator import matrix

UP, DOWN, ENTER, CTRL_C, CLEAR_LINE = "\x1b[A", "\x1b[B", "\r", "\x03", "\x15"
CTRL_D = "\x04"  # end of input, on an empty line
STACKPICK = [sys.executable, "-m", "generator"]


#: copier's mark before each question; stackpick's own prompts use it too.
QMARK = "🎤"


def spawn(*args: str, columns: int = 200) -> pexpect.spawn:
    env = {**os.environ, "TERM": "xterm-256color", "LINES": "60"}
    for name in ("CI", "COLUMNS"):
        env.pop(name, None)  # the terminal's own size decides the width
    return pexpect.spawn(
        STACKPICK[0],
        [*STACKPICK[1:], *args],
        encoding="utf-8",
        timeout=90,
        dimensions=(60, columns),
        env=env,
        cwd=str(Path(__file__).resolve().parents[1]),
    )


def ask(child: pexpect.spawn, prompt: str) -> None:
    """Wait for a question, and check it has copier's look: the mark, then the question."""
    child.expect(f"{QMARK}[^\r\n]*{prompt}")  # colour codes between them


def take_the_defaults(child: pexpect.spawn) -> None:
    """Answer every remaining question with its default until the project is created."""
    while child.expect([QMARK, r"Created (\S+)"]) == 0:
        child.expect(r"\n")  # the rest of the question, then its choices or default
        child.send(ENTER)


def answer_text(child: pexpect.spawn, prompt: str, value: str) -> None:
    child.expect(prompt)
    child.send(CLEAR_LINE + value + ENTER)


def ended_by_interruption(child: pexpect.spawn) -> None:
    """Wait for the command to end, and check it ended as an interruption does (exit 130)."""
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130


#: Every decision and the framework, so that copier asks the first question left.
ALL_DECIDED = (
    "--admin", "--no-async-io", "--no-realtime", "--auth", "both", "--frontend", "server",
    "--team", "django", "--framework", "django",
)  # fmt: skip


@pytest.mark.parametrize("at", ["admin UI", "project's human-readable name"])
def test_ctrl_d_at_a_prompt_is_an_interruption(tmp_path: Path, at: str) -> None:
    dest = tmp_path / "p"
    if at == "admin UI":  # stackpick's own question
        child = spawn("new", str(dest))
        ask(child, "Start from a preset")
        child.send(ENTER)
        ask(child, at)
    else:  # one of copier's
        child = spawn("new", str(dest), *ALL_DECIDED)
        ask(child, at)
        child.send(CLEAR_LINE)
    child.send(CTRL_D)
    child.expect("stackpick: error: interrupted: nothing was written")
    ended_by_interruption(child)
    assert list(tmp_path.iterdir()) == []


def test_a_name_whose_package_name_would_be_refused_is_offered_a_valid_one(
    tmp_path: Path,
) -> None:
    child = spawn("new", str(tmp_path / "p"), *ALL_DECIDED)
    ask(child, "human-readable name")
    child.send(CLEAR_LINE + "Class" + ENTER)  # "class" is a keyword: copier would stop
    ask(child, "Python package name")
    child.expect("class_project")
    child.send(CTRL_C)
    ended_by_interruption(child)


def test_new_asks_every_question_and_renders_the_answers(tmp_path: Path) -> None:
    dest = tmp_path / "inventory"
    child = spawn("new", str(dest))
    # A preset, or the questions one by one: no preset, the first choice.
    ask(child, "Start from a preset, or answer the questions")
    child.expect("No preset: answer the questions one by one")
    child.expect(r"Webhook receiver \(webhook-receiver\)")
    child.send(ENTER)
    # The decision questions, asked by stackpick in copier's look.
    ask(child, "admin UI")
    child.send("y")
    ask(child, "concurrent I/O waits")
    child.send("y")
    ask(child, "live updates over websockets")
    child.send("n")
    ask(child, "user accounts")
    child.send(DOWN * 2 + ENTER)  # sessions (the default) -> tokens -> both
    ask(child, "user interface")
    child.send(DOWN + ENTER)  # server -> spa
    ask(child, "already know well")
    child.send(UP + ENTER)  # neither -> fastapi
    # The recommendation and why, then the framework with it preselected, asked by copier.
    child.expect("stackpick recommends: hybrid")
    child.expect("Why hybrid")
    ask(child, r"Which framework\? \(stackpick recommends: hybrid\)")
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
        "preset": "none",
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
    ended_by_interruption(child)
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("at", ["preset", "admin UI", "user accounts"])
def test_ctrl_c_at_a_decision_prompt_writes_nothing(tmp_path: Path, at: str) -> None:
    dest = tmp_path / "p"
    child = spawn("new", str(dest))
    ask(child, "Start from a preset")
    if at != "preset":
        child.send(ENTER)
        ask(child, "admin UI")
    if at not in {"preset", "admin UI"}:
        child.send("y")
        child.expect("concurrent I/O waits")
        child.send("n")
        child.expect("websockets")
        child.send("n")
        child.expect(at)
    child.send(CTRL_C)
    child.expect("interrupted")
    ended_by_interruption(child)
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


def test_new_starts_from_a_preset_chosen_on_the_terminal(tmp_path: Path) -> None:
    dest = tmp_path / "hooks"
    child = spawn("new", str(dest))
    ask(child, "Start from a preset, or answer the questions")
    ids = list(matrix.presets())
    child.send(DOWN * (1 + ids.index("webhook-receiver")) + ENTER)
    # The preset answers five questions; what the team knows is still asked.
    ask(child, "already know well")
    for asked in ("admin UI", "concurrent I/O waits", "websockets", "user accounts"):
        assert asked not in child.before
    child.send(ENTER)  # neither
    child.expect("stackpick recommends: fastapi")
    child.expect("starting from the preset webhook-receiver: Webhook receiver")
    ask(child, r"Which framework\? \(stackpick recommends: fastapi\)")
    child.send(ENTER)
    take_the_defaults(child)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    preset = matrix.preset("webhook-receiver")
    assert answers["preset"] == "webhook-receiver"
    assert {key: answers[key] for key in preset.answers} == dict(preset.answers)
    assert answers["framework"] == "fastapi"
    readme = " ".join((dest / "README.md").read_text().split())
    assert (
        "The answers started from the preset **Webhook receiver** (`webhook-receiver`);"
        " changed from it: nothing." in readme
    )


def test_preset_flag_on_a_terminal_asks_only_what_it_leaves_open(tmp_path: Path) -> None:
    dest = tmp_path / "site"
    child = spawn("new", str(dest), "--preset", "content-site", "--team", "django")
    child.expect("stackpick recommends: django")
    assert QMARK not in child.before, "a preset and --team answer every decision question"
    child.expect("starting from the preset content-site")
    ask(child, r"Which framework\? \(stackpick recommends: django\)")
    child.send(CTRL_C)
    ended_by_interruption(child)
    assert list(tmp_path.iterdir()) == []


def test_presets_and_reasons_fit_a_narrow_terminal() -> None:
    columns = 64
    for args in (["presets"], ["recommend", "--preset", "saas-public-api", "--team", "neither"]):
        child = spawn(*args, columns=columns)
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0, child.before
        lines = child.before.replace("\r\n", "\n").rstrip("\n").split("\n")
        assert max(len(line) for line in lines) <= columns, args
        flat = " ".join(child.before.split())
        if args == ["presets"]:
            for preset in matrix.presets().values():
                assert f"{preset.id}: {preset.title}" in flat
                assert preset.why in flat, "a reason cut or lost"
        else:
            assert flat.startswith("stackpick recommends: hybrid")
            for row in matrix.recommend({"team": "neither", **matrix.preset(args[2]).answers}).rows:
                assert row.why in flat, "a reason cut or lost"
                # Continuation lines hang under the reason's first line.
            reasons = lines[next(i for i, x in enumerate(lines) if x.startswith("Why")) + 1 :]
            assert all(line.startswith(("  + ", "  - ", "    ")) for line in reasons)
            assert any(line.startswith("      ") for line in reasons)
