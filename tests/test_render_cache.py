"""What `stackpick new` keeps between runs (compiled Jinja code, template checkouts), and the
git probe `stackpick update` asks once a render."""

from __future__ import annotations

import os
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml
from typer.testing import CliRunner

from generator import git, git_index, jinja_compiled, template_checkout
from generator.answers_path import answers_path_once
from generator.cli import app
from generator.jinja_compiled import compiled_once
from generator.plain_strings import plain_strings_as_they_are
from generator.source import cache_home
from generator.template_checkout import kept_checkouts
from generator.template_config import config_read_by_libyaml
from tests.conftest import ROOT


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


def test_a_path_with_a_yield_tag_renders_as_without_kept_code(tmp_path: Path) -> None:
    # copier's yield tag renders one path once per item; its state is reset when the path
    # is compiled, so that code is compiled for each use.
    template = tmp_path / "template"
    template.mkdir()
    (template / "copier.yml").write_text("items:\n  type: yaml\n  default: [a, b]\n")
    (template / "{% yield it from items %}{{ it }}{% endyield %}.txt.jinja").write_text("x")
    (template / "{{ items | length }}.txt").write_text("y")
    import copier

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier.run_copy(str(template), tmp_path / "plain", defaults=True, quiet=True)
        with compiled_once(tmp_path / "cache"):
            for name in ("kept", "kept again"):
                copier.run_copy(str(template), tmp_path / name, defaults=True, quiet=True)

    rendered = sorted(path.name for path in (tmp_path / "plain").iterdir())
    assert rendered == ["2.txt", "a.txt", "b.txt"]
    for name in ("kept", "kept again"):
        assert sorted(path.name for path in (tmp_path / name).iterdir()) == rendered


def test_plain_path_parts_are_taken_as_they_are(tmp_path: Path) -> None:
    template = tmp_path / "template"
    (template / "docs").mkdir(parents=True)
    (template / "copier.yml").write_text(
        "name:\n  default: demo\nitems:\n  type: yaml\n  default: [a, b]\n"
    )
    (template / "docs" / "{{ name }}.md").write_text("plain")
    (template / "docs" / "README.md").write_text("plain")
    (template / "{% yield it from items %}{{ it }}{% endyield %}.txt").write_text("x")
    rendered: list[str] = []
    import copier
    from copier._main import Worker

    original = Worker._render_string

    def render_string(self: Any, string: str, extra_context: Any = None) -> str:
        rendered.append(string)
        return original(self, string, extra_context)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier.run_copy(str(template), tmp_path / "plain", defaults=True, quiet=True)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(Worker, "_render_string", render_string)
            with plain_strings_as_they_are():
                copier.run_copy(str(template), tmp_path / "taken", defaults=True, quiet=True)

    def files(root: Path) -> list[str]:
        return sorted(str(path.relative_to(root)) for path in root.rglob("*"))

    assert files(tmp_path / "taken") == files(tmp_path / "plain")
    assert "{{ name }}.md" in rendered
    assert "docs" not in rendered, "a plain part went through Jinja"
    assert "README.md" not in rendered, "a plain part went through Jinja"


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


# Template checkouts


def _git(*args: str, cwd: Path) -> str:
    return git.text(*args, cwd=cwd)


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """A small git template: a question, a templated file, an executable one."""
    repo = tmp_path / "template"
    repo.mkdir()
    (repo / "copier.yml").write_text("name:\n  type: str\n  default: World\n")
    (repo / "{{ _copier_conf.answers_file }}.jinja").write_text(
        "{{ _copier_answers | to_nice_yaml }}"
    )
    (repo / "hello.txt.jinja").write_text("Hello {{ name }}\n")
    (repo / "run.sh").write_text("#!/bin/sh\necho run\n")
    (repo / "run.sh").chmod(0o755)
    _git("init", "--quiet", "--initial-branch=main", cwd=repo)
    _git("add", "--all", cwd=repo)
    _git("commit", "--quiet", "--message", "one", cwd=repo)
    return repo


def _copy(template: Path, dest: Path, ref: str | None = None, **data: str) -> dict[str, Any]:
    import copier

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier.run_copy(str(template), dest, data=data, vcs_ref=ref, defaults=True, quiet=True)
    answers: dict[str, Any] = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    return answers


def _files(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {
        str(path.relative_to(folder)): (path.stat().st_mode, path.read_bytes())
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def checkouts(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "checkouts"
    with kept_checkouts(folder):
        yield folder


def _kept(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir() if not path.name.startswith("."))


def test_a_kept_checkout_renders_what_a_clone_renders(template: Path, tmp_path: Path) -> None:
    cloned = _copy(template, tmp_path / "cloned")
    with kept_checkouts(tmp_path / "checkouts"):
        first = _copy(template, tmp_path / "first")
        (checkout,) = _kept(tmp_path / "checkouts")
        second = _copy(template, tmp_path / "second")
    assert _kept(tmp_path / "checkouts") == [checkout]
    head = _git("rev-parse", "HEAD", cwd=template)
    assert checkout.name.startswith(head)
    assert cloned == first == second
    assert cloned["_src_path"] == str(template)
    assert _files(tmp_path / "cloned") == _files(tmp_path / "first") == _files(tmp_path / "second")
    assert os.access(tmp_path / "second" / "run.sh", os.X_OK)


def test_a_new_tag_is_recorded_as_a_clone_records_it(
    template: Path, tmp_path: Path, checkouts: Path
) -> None:
    assert _copy(template, tmp_path / "before")["_commit"] == _git(
        "rev-parse", "--short", "HEAD", cwd=template
    )
    _git("tag", "v1.0", cwd=template)
    assert _copy(template, tmp_path / "tagged")["_commit"] == "v1.0"
    _git("tag", "--annotate", "--message", "two", "v2.0", cwd=template)
    assert _copy(template, tmp_path / "annotated", ref="v1.0")["_commit"] == "v2.0"
    assert len(_kept(checkouts)) == 1, "the same commit, its tags updated"


def test_each_version_has_its_checkout(template: Path, tmp_path: Path, checkouts: Path) -> None:
    _git("tag", "v1", cwd=template)
    (template / "hello.txt.jinja").write_text("Hi {{ name }}\n")
    _git("commit", "--quiet", "--all", "--message", "two", cwd=template)
    _git("tag", "v2", cwd=template)
    assert _copy(template, tmp_path / "latest")["_commit"] == "v2"
    assert _copy(template, tmp_path / "old", ref="v1")["_commit"] == "v1"
    assert (tmp_path / "latest" / "hello.txt").read_text() == "Hi World\n"
    assert (tmp_path / "old" / "hello.txt").read_text() == "Hello World\n"
    assert len(_kept(checkouts)) == 2


@pytest.mark.parametrize("change", ["edited", "untracked", "ignored", "deleted", "tags"])
def test_a_changed_checkout_is_made_anew(
    template: Path, tmp_path: Path, checkouts: Path, change: str
) -> None:
    _copy(template, tmp_path / "first")
    (checkout,) = _kept(checkouts)
    if change == "edited":
        (checkout / "hello.txt.jinja").write_text("Tampered {{ name }}\n")
    elif change == "untracked":
        (checkout / "extra.txt").write_text("not in the template\n")
    elif change == "ignored":
        (checkout / ".git" / "info" / "exclude").write_text("extra.txt\n")
        (checkout / "extra.txt").write_text("not in the template\n")
    elif change == "deleted":
        (checkout / "run.sh").unlink()
    else:
        (checkout / ".git" / "stackpick-tags").write_text("refs/tags/gone\n")
    _copy(template, tmp_path / "second")
    assert _files(tmp_path / "first") == _files(tmp_path / "second")
    assert _kept(checkouts) == [checkout]
    assert not (checkout / "extra.txt").exists()


def test_a_dirty_head_renders_its_changes_through_copiers_clone(
    template: Path, tmp_path: Path, checkouts: Path
) -> None:
    (template / "hello.txt.jinja").write_text("Draft {{ name }}\n")
    _copy(template, tmp_path / "draft", ref="HEAD")
    assert (tmp_path / "draft" / "hello.txt").read_text() == "Draft World\n"
    assert _kept(checkouts) == []


def test_a_branch_name_is_left_to_copiers_clone(
    template: Path, tmp_path: Path, checkouts: Path
) -> None:
    assert _copy(template, tmp_path / "branch", ref="main")["_commit"]
    assert _kept(checkouts) == []


def test_old_checkouts_are_pruned(
    template: Path, tmp_path: Path, checkouts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(template_checkout, "KEEP_SECONDS", -1)
    for number in range(template_checkout.KEEP + 2):
        (template / "hello.txt.jinja").write_text(f"Hello {number} {{{{ name }}}}\n")
        _git("commit", "--quiet", "--all", "--message", str(number), cwd=template)
        _copy(template, tmp_path / str(number), ref="HEAD")
    kept = _kept(checkouts)
    assert len(kept) == template_checkout.KEEP
    head = _git("rev-parse", "HEAD", cwd=template)
    assert any(path.name.startswith(head) for path in kept), "the one in use stays"


def test_stackpick_new_renders_from_a_kept_checkout(tmp_path: Path, generated: list[Any]) -> None:
    clone = tmp_path / "stackpick"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    runner = CliRunner()
    answers = []
    for name in ("one", "two"):
        generated.clear()
        args = ["new", str(tmp_path / name), "--defaults", "--template", str(clone)]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.stderr
        answers.append(yaml.safe_load((tmp_path / name / ".copier-answers.yml").read_text()))
    assert sum(isinstance(source, jinja2.nodes.Template) for source in generated) == 1, (
        "the second render compiles only the secret key's default (copier's non-strings do"
        " not compile)"
    )
    head = _git("rev-parse", "HEAD", cwd=clone)
    assert [path for path in _kept(cache_home() / "checkouts") if path.name.startswith(head)]
    assert answers[0] == answers[1]
    assert answers[0]["_src_path"] == str(clone)
    assert head.startswith(answers[0]["_commit"].rsplit("-g", 1)[-1])


def test_a_checkout_that_cannot_be_made_leaves_copier_its_clone(
    template: Path, tmp_path: Path, checkouts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*_args: Any) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(template_checkout, "_made", full)
    assert _copy(template, tmp_path / "cloned")["_src_path"] == str(template)
    assert (tmp_path / "cloned" / "hello.txt").read_text() == "Hello World\n"
    assert _kept(checkouts) == []


def test_no_cache_folder_leaves_copier_its_clone(template: Path, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with kept_checkouts(tmp_path / "file" / "checkouts"):
        assert _copy(template, tmp_path / "cloned")["name"] == "World"


# What copier computes again and again


def test_the_answers_path_is_rendered_once_per_render(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from copier._main import Worker

    (template / "copier.yml").write_text(
        "_answers_file: .answers-{{ name }}.yml\nname:\n  type: str\n  default: World\n"
    )
    (template / "sub").mkdir()
    (template / "sub" / "{{ name }}.txt.jinja").write_text("{{ _copier_conf.answers_file }}\n")
    _git("add", "--all", cwd=template)
    _git("commit", "--quiet", "--message", "answers file", cwd=template)
    renders = []
    original = Worker.answers_relpath.fget
    assert original is not None

    def counted(self: Any) -> Path:
        renders.append(self)
        return original(self)  # type: ignore[no-any-return]

    monkeypatch.setattr(Worker, "answers_relpath", property(counted))
    import copier

    def copy(dest: Path) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            copier.run_copy(str(template), dest, data={"name": "Ada"}, defaults=True, quiet=True)

    copy(tmp_path / "plain")
    plain = len(renders)
    renders.clear()
    with answers_path_once():
        copy(tmp_path / "once")
    assert Worker.answers_relpath.fget is counted, "put back after the block"
    assert len(renders) <= 2 < plain
    assert _files(tmp_path / "plain") == _files(tmp_path / "once")
    assert (tmp_path / "once" / "sub" / "Ada.txt").read_text() == ".answers-Ada.yml\n"
    assert yaml.safe_load((tmp_path / "once" / ".answers-Ada.yml").read_text())["name"] == "Ada"


def test_copier_yml_read_by_libyaml_gives_the_same_config(tmp_path: Path) -> None:
    from copier._template import load_template_config

    (tmp_path / "copier.yml").write_text(
        "---\n_exclude: [a]\nname:\n  type: str\n  default: 'x: {{ y }}'\n"
        "size: !include 'parts/*.yml'\n---\n_exclude: [b]\n"
    )
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "one.yml").write_text("- 1\n- two: [2, 2.5, null, yes, 2026-01-01]\n")
    plain = load_template_config(tmp_path / "copier.yml")
    with config_read_by_libyaml():
        assert load_template_config(tmp_path / "copier.yml") == plain
    assert plain["_exclude"] == ["a", "b"]


def test_a_broken_copier_yml_is_still_copiers_error(tmp_path: Path) -> None:
    from copier._template import load_template_config
    from copier.errors import InvalidConfigFileError

    (tmp_path / "copier.yml").write_text("name: [unclosed\n")
    with config_read_by_libyaml(), pytest.raises(InvalidConfigFileError):
        load_template_config(tmp_path / "copier.yml")
    (tmp_path / "copier.yml").write_text("name: !include '/etc/*'\n")
    with config_read_by_libyaml(), pytest.raises(ValueError, match="relative path"):
        load_template_config(tmp_path / "copier.yml")


def test_a_worktree_of_a_template_has_a_kept_checkout(
    template: Path, tmp_path: Path, checkouts: Path
) -> None:
    _git("worktree", "add", "--quiet", "--detach", str(tmp_path / "worktree"), cwd=template)
    assert _copy(tmp_path / "worktree", tmp_path / "out", ref="HEAD")["name"] == "World"
    assert len(_kept(checkouts)) == 1


def test_a_shallow_clone_is_left_to_copier(template: Path, tmp_path: Path, checkouts: Path) -> None:
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "--quiet", "--depth=1", f"file://{template}", str(shallow)], check=True
    )
    assert _copy(shallow, tmp_path / "out", ref="HEAD")["name"] == "World"
    assert _kept(checkouts) == []


def test_a_commit_id_is_left_to_copiers_clone(
    template: Path, tmp_path: Path, checkouts: Path
) -> None:
    commit = _git("rev-parse", "HEAD", cwd=template)
    assert _copy(template, tmp_path / "out", ref=commit)["_commit"] == commit[:7]
    assert _kept(checkouts) == []


# copier's git probe in an update


@pytest.mark.parametrize("file_mode", ["false", "true"])
def test_an_update_asks_git_about_modes_once_a_render_and_keeps_the_new_mode(
    template: Path, tmp_path: Path, file_mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`v2` makes run.sh executable; git ignores file modes (Windows' default) or not."""
    import copier

    (template / "run.sh").chmod(0o644)
    _git("commit", "--quiet", "--all", "--message", "v1", cwd=template)
    _git("tag", "v1", cwd=template)
    (template / "run.sh").chmod(0o755)
    _git("commit", "--quiet", "--all", "--message", "v2", cwd=template)
    _git("tag", "v2", cwd=template)
    project = tmp_path / "project"
    copier.run_copy(str(template), project, vcs_ref="v1", defaults=True, quiet=True)
    _git("init", "--quiet", cwd=project)
    _git("config", "core.fileMode", file_mode, cwd=project)
    _git("add", "--all", cwd=project)
    _git("commit", "--quiet", "--message", "generated", cwd=project)
    asked: list[Path] = []
    probe = git_index._file_modes_ignored

    def counted(folder: Path) -> bool:
        asked.append(folder.resolve())
        return probe(folder)

    monkeypatch.setattr(git_index, "_file_modes_ignored", counted)
    with git_index.file_modes_asked_once():
        copier.run_update(
            project, vcs_ref="v2", defaults=True, overwrite=True, quiet=True, unsafe=False
        )

    assert os.access(project / "run.sh", os.X_OK)
    # Where git ignores modes only its index can carry the new one; elsewhere git sees it on
    # disk, an unstaged change like any other that copier leaves for review.
    index_mode = _git("ls-files", "--stage", "run.sh", cwd=project).split()[0]
    assert index_mode == ("100755" if file_mode == "false" else "100644")
    # Once for each of the update's three renders at most, not once for each file written.
    assert project.resolve() in asked
    assert len(asked) <= 3
