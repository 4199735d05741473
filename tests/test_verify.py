"""`stackpick verify`: it passes on this repository, and catches and names a broken fork."""

from __future__ import annotations

import math
import shutil
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from generator import combos, questions, verify_checks
from generator.cli import app
from generator.verify import prepare_template, suite_level

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent


def _values() -> dict[str, tuple[object, ...]]:
    return combos.answer_values(questions.load(ROOT))


def _valid() -> combos.Valid:
    return combos.constraints(ROOT, _values())


def test_render_set_is_exhaustive_over_code_answers_and_pairwise_over_all() -> None:
    values, valid = _values(), _valid()
    rendered = combos.render_set(values, valid)
    expected = math.prod(len(values[key]) for key in combos.CODE_KEYS)
    assert expected >= 576
    assert len(rendered) == expected
    assert len({c.name for c in rendered}) == expected, "names are unique"
    assert combos.uncovered(values, rendered, valid) == set()
    assert all(valid(c.data) for c in rendered)


def test_suite_set_is_a_small_pairwise_covering_set() -> None:
    values, valid = _values(), _valid()
    suite = combos.pairwise(values, valid)
    assert combos.uncovered(values, suite, valid) == set()
    assert all(valid(c.data) for c in suite)
    assert len(suite) <= 30


def test_answers_the_validators_refuse_are_never_combined() -> None:
    valid = _valid()
    assert valid({"framework": "fastapi", "admin": True})
    if "deploy" in _values():
        assert not valid({"deploy": "kubernetes", "docker": False})
        assert valid({"deploy": "kubernetes"}), "a validator missing an answer cannot refuse"


def test_reproduce_command_names_every_answer() -> None:
    combination = combos.Combination((("framework", "fastapi"), ("admin", False)))
    assert combination.name == "fastapi[admin=false]"
    command = combination.reproduce("/forks/ours")
    assert command == (
        "stackpick new DEST --defaults --template /forks/ours -d framework=fastapi -d admin=false"
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", None),
        (b"x\n", None),
        (b"x\r\n", None),
        (b"x", "no newline"),
        (b"x\n\n", "blank line"),
        (b"\n", "only line breaks"),
    ],
)
def test_end_of_file_as_end_of_file_fixer(content: bytes, problem: str | None) -> None:
    found = verify_checks.end_of_file_problem(content)
    assert found == problem if problem is None else problem in (found or "")


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("ok.yaml", "a: 1\nb: [1, 2]\n", None),
        ("dup.yaml", "a: 1\na: 2\n", "invalid YAML"),
        ("merge.yaml", "x: &x {a: 1, b: 2}\ny:\n  <<: *x\n  b: 3\n", None),
        ("bad.yml", "a: [1\n", "invalid YAML"),
        ("bad.toml", "[x\n", "invalid TOML"),
        ("bad.json", "{,}\n", "invalid JSON"),
        ("space.py", "x = 1 \n", "trailing whitespace"),
        ("merge.md", "<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> b\n", "merge conflict"),
        ("left.py", "name = '{{ project_name }}'\n", "Jinja left"),
        ("page.html", "{% block body %}{{ item }}{% endblock %}\n", None),
        ("ci.yml", "run: echo ${{ github.sha }}\n", None),
    ],
)
def test_file_checks(tmp_path: Path, name: str, content: str, problem: str | None) -> None:
    path = tmp_path / name
    path.write_text(content)
    problems = verify_checks.file_problems(path, name)
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p and p.startswith(name) for p in problems), problems


def _fork(tmp_path: Path) -> Path:
    fork = tmp_path / "fork"
    shutil.copytree(ROOT, fork, ignore=shutil.ignore_patterns(".git", ".venv", "__pycache__"))
    return fork


def test_a_broken_file_in_a_fork_is_caught_and_named(tmp_path: Path) -> None:
    fork = _fork(tmp_path)
    broken = next(
        p
        for p in (fork / "template_fastapi").rglob("*")
        if p.name.startswith("{% if realtime %}realtime.py") and p.parent.name != "tests"
    )
    broken.write_text(broken.read_text() + "x=1  \n\n")
    junit = tmp_path / "out" / "verify.xml"
    fixed = ["framework=fastapi", "auth=tokens", "frontend=none", "database=sqlite"]
    args = ["verify", "--template", str(fork), "--render-only", "--jobs", "2"]
    args += ["--junit", str(junit), *(f"--only={pair}" for pair in fixed)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert f"reproduce: stackpick new DEST --defaults --template {fork}" in result.stdout
    assert result.stdout.index("FAIL") < result.stdout.index("\nok ")
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    cases = {case.get("name", ""): case.find("failure") for case in suite.findall("testcase")}
    assert len(cases) == 8  # admin x realtime x background_tasks
    # (Only what the broken file causes is asserted: other template edits in progress in the
    # same working tree may break a combination too.)
    for name, failure in cases.items():
        if "realtime=true" in name:
            assert failure is not None, name
            text = failure.text or ""
            assert "realtime.py:" in text, text
            for hook in ("trailing-whitespace", "end-of-file-fixer", "ruff format", "ruff W291"):
                assert hook in text, text
            assert "reproduce: stackpick new DEST" in text
        else:
            assert failure is None or "realtime.py" not in (failure.text or ""), name


@pytest.mark.parametrize(
    ("args", "naming"),
    [
        (["--template", "/nonexistent/template"], "no such directory"),
        (["--template", "file:///nonexistent/repo"], "does not appear to be a git repository"),
        (["--jobs", "0"], "--jobs"),
        (["--only", "colour=blue"], "--only colour: no such question"),
        (["--only", "framework=flask"], "framework"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], naming: str) -> None:
    result = runner.invoke(app, ["verify", "--render-only", *args])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("stackpick: error: ")
    assert naming in lines[0]


def test_verify_is_listed_and_has_help() -> None:
    assert "verify" in runner.invoke(app, ["--help"]).stdout
    result = runner.invoke(app, ["verify", "--help"])
    assert result.exit_code == 0
    for option in ("--template", "--render-only", "--jobs", "--junit", "--only"):
        assert option in result.stdout


def test_a_template_without_copier_yml_is_refused(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("not a template\n")
    result = runner.invoke(app, ["verify", "--template", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"stackpick: error: --template {tmp_path}: no copier.yml there"


@pytest.mark.slow
def test_suite_level_runs_a_project_on_real_postgresql_and_redis(tmp_path: Path) -> None:
    values = {key: value[:1] for key, value in _values().items()}
    values.update(framework=("fastapi",), database=("postgresql",), background_tasks=("celery",))
    values.update(admin=(False,), auth=("tokens",), frontend=("none",), realtime=(False,))
    todo = combos.pairwise(values)
    assert len(todo) == 1
    src = prepare_template(None, tmp_path)
    results, _ = suite_level(src, todo, tmp_path / "suite", jobs=1)
    assert results[0].ok, "\n".join(results[0].problems)


@pytest.mark.slow
def test_render_only_passes_on_this_repository(tmp_path: Path) -> None:
    junit = tmp_path / "verify.xml"
    started = time.monotonic()
    result = runner.invoke(app, ["verify", "--render-only", "--jobs", "2", "--junit", str(junit)])
    wall = time.monotonic() - started
    print(f"\nverify --render-only: {wall:.0f} s wall time")
    assert result.exit_code == 0, result.stdout[:20000]
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    expected = math.prod(len(_values()[key]) for key in combos.CODE_KEYS)
    assert (suite.get("tests"), suite.get("failures")) == (str(expected), "0")
