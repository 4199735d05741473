"""What `stackpick new` keeps between runs: compiled Jinja code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pytest
from typer.testing import CliRunner

from generator import jinja_compiled
from generator.cli import app
from generator.jinja_compiled import compiled_once
from generator.source import cache_home


@pytest.fixture
def generated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources Jinja generates code for (rather than reading it from a cache)."""
    sources: list[str] = []
    original = jinja2.Environment._generate

    def generate(self: jinja2.Environment, source: Any, *args: Any, **kwargs: Any) -> str:
        sources.append(source)
        return original(self, source, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "_generate", generate)
    return sources


def _render(source: str, **filters: Any) -> str:
    env = jinja2.Environment()
    env.filters.update(filters)
    return env.from_string(source).render(name="World")


def test_compiled_code_is_read_back_in_a_later_run(tmp_path: Path, generated: list[Any]) -> None:
    with compiled_once(tmp_path):
        assert _render("Hello {{ name | upper }}!") == "Hello WORLD!"
    assert len(generated) == 1
    assert len(list(tmp_path.iterdir())) == 1
    with compiled_once(tmp_path):
        assert _render("Hello {{ name | upper }}!") == "Hello WORLD!"
        assert _render("Bye {{ name }}") == "Bye World"
    assert len(generated) == 2, "the first source came from the cache, the second is new"


def test_code_with_a_folded_filter_is_not_kept(tmp_path: Path, generated: list[Any]) -> None:
    """Jinja writes `999 | token` into the code: kept, every run would get the same token."""
    tokens = iter(range(100))

    def token(_limit: int) -> int:
        return next(tokens)

    source = "{{ 999 | token }}"
    with compiled_once(tmp_path):
        first = _render(source, token=token)
        assert _render(source, token=token) == first, "within one render, as before"
    with compiled_once(tmp_path):
        second = _render(source, token=token)
    assert first != second
    assert list(tmp_path.iterdir()) == []
    assert len(generated) == 2


def test_the_environment_is_part_of_the_key(tmp_path: Path) -> None:
    source = "{{ name | shout }} [[ name ]]"
    with compiled_once(tmp_path):
        assert _render(source, shout=lambda v: f"{v}!") == "World! [[ name ]]"
    with compiled_once(tmp_path):
        # The same source, the filter now asks for the environment: other code.
        @jinja2.pass_environment
        def shout(env: jinja2.Environment, value: str) -> str:
            return f"{value}! ({type(env).__name__})"

        assert _render(source, shout=shout) == "World! (Environment) [[ name ]]"
        env = jinja2.Environment(variable_start_string="[[", variable_end_string="]]")
        assert env.from_string(source).render(name="x") == "{{ name | shout }} x"


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"j2",
        b"not a cache file at all",
        "header",  # Jinja's header, then garbage where the checksum is pickled
        "checksum",  # header and checksum, then garbage where the code is marshalled
        "other source",  # a whole valid file for another source under this name
    ],
)
def test_a_damaged_cache_file_is_ignored_and_written_anew(
    tmp_path: Path, generated: list[Any], damage: bytes | str
) -> None:
    with compiled_once(tmp_path):
        _render("Hello {{ name }}")
    (kept,) = tmp_path.iterdir()
    good = kept.read_bytes()
    if damage == "header":
        damage = good[: len(jinja2.bccache.bc_magic)] + b"\x80\x05garbage"
    elif damage == "checksum":
        damage = good[: len(good) // 2] + b"\x00garbage"
    elif damage == "other source":
        with compiled_once(tmp_path / "other"):
            _render("Bye {{ name }}")
        (damage_file,) = (tmp_path / "other").iterdir()
        damage = damage_file.read_bytes()
    kept.write_bytes(damage)  # type: ignore[arg-type]
    with compiled_once(tmp_path):
        assert _render("Hello {{ name }}") == "Hello World"
    assert sum("Hello" in repr(source) for source in generated) == 2, "compiled again"
    assert kept.read_bytes() == good


def test_an_unwritable_cache_only_costs_time(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with compiled_once(blocked / "jinja"):
        assert _render("Hello {{ name }}") == "Hello World"


def test_each_project_gets_its_own_secret_from_a_warm_cache(tmp_path: Path) -> None:
    runner = CliRunner()
    secrets = []
    for name in ("one", "two", "three"):
        result = runner.invoke(app, ["new", str(tmp_path / name), "--defaults"])
        assert result.exit_code == 0, result.stderr
        assert any((cache_home() / "jinja").iterdir()), "the next render reads compiled code"
        env = (tmp_path / name / ".env").read_text()
        secrets.append(next(line for line in env.splitlines() if line.startswith("SECRET_KEY=")))
    assert len(set(secrets)) == 3


def test_template_files_are_kept_only_from_a_stable_folder(
    tmp_path: Path, generated: list[Any]
) -> None:
    for folder in ("kept", "elsewhere"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "hello.txt").write_text("Hello {{ name }}")
    cache = tmp_path / "cache"
    for _ in range(2):
        with compiled_once(cache, files_under=tmp_path / "kept"):
            for folder in ("kept", "elsewhere"):
                env = jinja2.Environment(loader=jinja2.FileSystemLoader(tmp_path / folder))
                assert env.get_template("hello.txt").render(name="World") == "Hello World"
    assert len(list(cache.iterdir())) == 1
    assert len(generated) == 3, "the file elsewhere is compiled in each run"


def test_a_full_cache_drops_its_oldest_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jinja_compiled, "MAX_FILES", 4)
    for number in range(5):
        with compiled_once(tmp_path):
            _render(f"Hello {number} {{{{ name }}}}")
    assert len(list(tmp_path.iterdir())) == 2
    with compiled_once(tmp_path):
        assert _render("Hello 0 {{ name }}") == "Hello 0 World"
