"""Every command and flag of `stackpick`, through Typer's CliRunner."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from generator import __version__, matrix
from generator.cli import app

runner = CliRunner()

#: How the articles' text files are named where they are kept (../shared/seeds): no user has
#: them, so no output or generated file may name one.
SEED_FILE = re.compile(r"\d{3}_[0-9a-f]{16}(\.txt)?|shared/seeds|\bseeds/")


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = invoke("--version")
    assert code == 0
    assert out.strip() == f"stackpick {__version__}"


def test_help_lists_every_command() -> None:
    code, out, _ = invoke("--help")
    assert code == 0
    for command in ("recommend", "new", "matrix", "presets", "update"):
        assert command in out
    assert "--install-completion" in out  # Typer's shell completion


@pytest.mark.parametrize("command", ["recommend", "new", "matrix", "presets", "update"])
def test_each_command_has_help(command: str) -> None:
    code, out, _ = invoke(command, "--help")
    assert code == 0
    assert "Usage:" in out


def test_recommend_json_shape_and_flags() -> None:
    code, out, _ = invoke(
        "recommend",
        "--admin",
        "--async-io",
        "--no-realtime",
        "--auth",
        "both",
        "--frontend",
        "spa",
        "--team",
        "neither",
        "--json",
    )
    assert code == 0
    data = json.loads(out)
    assert data["framework"] == "hybrid"
    assert set(data["scores"]) == {"django", "fastapi", "hybrid"}
    assert data["scores"]["hybrid"] == max(data["scores"].values())
    assert data["reasons"], "a recommendation always says why"
    for reason in data["reasons"]:
        assert set(reason) == {"signal", "favours", "why", "source"}
        assert reason["favours"] in matrix.FRAMEWORKS
        source = matrix.sources()[reason["source"]["id"]]
        assert reason["source"] == {
            "id": source.id,
            "title": source.title,
            "publisher": source.publisher,
        }
    assert data["preset"] == "none"


def test_recommend_without_terminal_takes_the_template_defaults() -> None:
    code, out, _ = invoke("recommend", "--json")
    defaults = {
        "admin": True,
        "async_io": False,
        "realtime": False,
        "auth": "sessions",
        "frontend": "server",
        "team": "neither",
    }
    assert code == 0
    assert json.loads(out)["framework"] == matrix.recommend(defaults).framework


def test_recommend_table_has_a_bar_per_framework_and_the_reasons() -> None:
    code, out, _ = invoke(
        "recommend",
        "--no-admin",
        "--async-io",
        "--realtime",
        "--auth",
        "tokens",
        "--frontend",
        "spa",
        "--team",
        "fastapi",
    )
    assert code == 0
    assert out.startswith("stackpick recommends: fastapi")
    bars = [line for line in out.splitlines() if "█" in line or "·" * 5 in line]
    assert [line.split()[0] for line in bars] == ["django", "fastapi", "hybrid"]
    assert "<- recommended" in bars[1]
    result = matrix.recommend(
        {
            "admin": False,
            "async_io": True,
            "realtime": True,
            "auth": "tokens",
            "frontend": "spa",
            "team": "fastapi",
        }
    )
    flat = " ".join(out.split())
    for row in result.rows:
        assert f"{row.why} Source: {row.source.citation}" in flat, row.id
    assert not SEED_FILE.search(out)


@pytest.mark.parametrize("width", [60, 100, 160])
def test_reasons_wrap_to_the_terminal_with_a_hanging_indent(width: int) -> None:
    result = runner.invoke(
        app,
        ["recommend", "--admin", "--async-io", "--auth", "both", "--frontend", "spa"],
        env={"COLUMNS": str(width)},
    )
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    reasons = lines[next(i for i, line in enumerate(lines) if line.startswith("Why ")) + 1 :]
    assert max(len(line) for line in reasons) <= width
    assert max(len(line) for line in reasons) > width - 20, "the width is used"
    for line in reasons:
        if line.startswith(("  + ", "  - ", "    ")) and not line.startswith("      "):
            continue  # a reason's first line
        assert line.startswith("      "), f"not a hanging indent: {line!r}"
    flat = " ".join(result.stdout.split())
    recommended = matrix.recommend(
        {
            "admin": True,
            "async_io": True,
            "realtime": False,
            "auth": "both",
            "frontend": "spa",
            "team": "neither",
        }
    )
    for row in recommended.rows:
        assert f"{row.signal} (" in flat
        assert row.why in flat, f"{row.id}: words were cut or lost"


def test_matrix_prints_every_row_with_its_article() -> None:
    code, out, _ = invoke("matrix")
    assert code == 0
    flat = " ".join(out.split())
    for row in matrix.load():
        assert f"{row.signal} [{row.id}]" in flat
        assert f"{row.why} Source: {row.source.citation}" in flat
    assert not SEED_FILE.search(out)


def test_presets_lists_every_preset_with_its_answers_and_article() -> None:
    code, out, _ = invoke("presets")
    assert code == 0
    flat = " ".join(out.split())
    for preset in matrix.presets().values():
        framework = matrix.recommend({"team": "neither", **preset.answers}).framework
        assert f"{preset.id}: {preset.title} (recommends {framework})" in flat
        given = ", ".join(f"{k}={str(v).lower()}" for k, v in preset.answers.items())
        assert given in flat
        assert f"{preset.why} Source: {preset.source.citation}" in flat
    assert not SEED_FILE.search(out)


def test_recommend_preset_and_flags_over_it() -> None:
    code, out, _ = invoke("recommend", "--preset", "saas-public-api", "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["preset"], data["framework"]) == ("saas-public-api", "hybrid")
    # Any decision flag overrides the preset: no busy API, so Django + DRF.
    code, out, _ = invoke("recommend", "--preset", "saas-public-api", "--no-async-io", "--json")
    assert code == 0
    assert json.loads(out)["framework"] == "django"
    code, out, _ = invoke("recommend", "--preset", "ml-inference")
    assert code == 0
    assert out.startswith("stackpick recommends: fastapi\nstarting from the preset ml-inference")


@pytest.mark.parametrize("command", ["recommend", "new"])
def test_an_unknown_preset_is_a_one_line_error(command: str, tmp_path: Path) -> None:
    args = [command, "--preset", "blog"] + (
        [str(tmp_path / "p"), "--defaults"] if command == "new" else []
    )
    code, _, err = invoke(*args)
    assert code == 2
    assert err.strip() == (
        "stackpick: error: --preset: no preset 'blog' (known: " + ", ".join(matrix.presets()) + ")"
    )
    assert not (tmp_path / "p").exists()


def test_new_with_a_preset_records_it_and_names_no_seed_file(tmp_path: Path) -> None:
    dest = tmp_path / "portal"
    code, out, err = invoke(
        "new", str(dest), "--defaults", "--preset", "saas-public-api", "--auth", "tokens"
    )
    assert code == 0, err
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert answers["preset"] == "saas-public-api"
    assert (answers["admin"], answers["async_io"], answers["frontend"]) == (True, True, "spa")
    assert answers["auth"] == "tokens"  # the flag over the preset's "both"
    assert answers["framework"] == "hybrid"
    readme = " ".join((dest / "README.md").read_text().split())
    assert (
        "The answers started from the preset **SaaS with a staff admin and a busy public API** "
        "(`saas-public-api`); changed from it: auth." in readme
    )
    for row in matrix.recommend(answers).rows:
        assert row.source.title in readme
    assert not SEED_FILE.search(out + err)
    for path in dest.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            assert not SEED_FILE.search(path.read_text(errors="replace")), path


def test_new_defaults_renders_and_records_the_decision(tmp_path: Path) -> None:
    dest = tmp_path / "shop"
    code, out, err = invoke(
        "new",
        str(dest),
        "--defaults",
        "--admin",
        "--async-io",
        "--auth",
        "both",
        "--frontend",
        "spa",
        "-d",
        "project_name=Shop Floor",
        "--data",
        "docker=false",
    )
    assert code == 0, err
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert answers["framework"] == "hybrid"
    assert answers["project_slug"] == "shop_floor"
    assert answers["docker"] is False
    assert Path(answers["_src_path"]).is_absolute()
    assert answers["_commit"]
    assert "stackpick recommends: hybrid" in out
    assert "as asked" not in out
    assert f"Created {dest}" in out
    readme = (dest / "README.md").read_text()
    # What a developer needs first; the decision record, whole, at the end.
    assert readme.startswith("# Shop Floor\n\nA Django + FastAPI project generated by stackpick\n")
    assert readme.index("## From clone to running server") < readme.index("## Decision record")
    record = readme[readme.index("## Decision record") :]
    assert "\n## " not in record[3:], "the decision record is the last section"
    assert "| Non-developers manage data through an admin UI | yes |" in record
    assert "The answers started from the preset" not in record
    assert answers["preset"] == "none"
    assert "SECRET_KEY=" in (dest / ".env").read_text()
    assert not list(tmp_path.glob(".*stackpick-*")), "the staging folder is gone"


def test_new_framework_flag_overrides_the_recommendation(tmp_path: Path) -> None:
    dest = tmp_path / "svc"
    code, out, err = invoke(
        "new", str(dest), "--defaults", "--no-admin", "--frontend", "none", "--framework", "django"
    )
    assert code == 0, err
    assert "Rendering django, as asked (not the recommended fastapi)." in out
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert answers["framework"] == "django"
    assert "recommended **FastAPI**" in (dest / "README.md").read_text().replace("\n", " ")


def test_new_flags_win_over_data(tmp_path: Path) -> None:
    dest = tmp_path / "p"
    code, _, err = invoke("new", str(dest), "--defaults", "-d", "auth=none", "--auth", "tokens")
    assert code == 0, err
    assert yaml.safe_load((dest / ".copier-answers.yml").read_text())["auth"] == "tokens"


def test_each_project_gets_its_own_secret(tmp_path: Path) -> None:
    secrets = []
    for name in ("one", "two"):
        assert invoke("new", str(tmp_path / name), "--defaults")[0] == 0
        env = (tmp_path / name / ".env").read_text()
        secrets.append(next(line for line in env.splitlines() if line.startswith("SECRET_KEY=")))
        assert ".env" in (tmp_path / name / ".gitignore").read_text().split()
        assert "SECRET_KEY" in (tmp_path / name / ".env.example").read_text()
        assert "secret_key" not in (tmp_path / name / ".copier-answers.yml").read_text()
    assert secrets[0] != secrets[1]
    assert len(secrets[0]) > len("SECRET_KEY=") + 40


def test_new_into_an_empty_existing_folder(tmp_path: Path) -> None:
    dest = tmp_path / "empty"
    dest.mkdir()
    assert invoke("new", str(dest), "--defaults")[0] == 0
    assert (dest / ".copier-answers.yml").is_file()


def test_force_keeps_the_users_files(tmp_path: Path) -> None:
    dest = tmp_path / "existing"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine\n")
    (dest / "README.md").write_text("my readme\n")
    code, _, err = invoke("new", str(dest), "--defaults", "--force")
    assert code == 0, err
    assert (dest / "notes.txt").read_text() == "mine\n"
    assert (dest / "README.md.orig").read_text() == "my readme\n"
    assert "Decision record" in (dest / "README.md").read_text()
    assert "README.md.orig" in err


def test_new_without_terminal_or_defaults_stops_at_once(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "new", str(tmp_path / "x")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "--defaults" in proc.stderr
    assert not (tmp_path / "x").exists()


def test_update_refuses_a_folder_that_is_not_a_project(tmp_path: Path) -> None:
    code, _, err = invoke("update", str(tmp_path))
    assert code != 0
    assert err.startswith("stackpick: error: ")
    assert err.strip().count("\n") == 0
