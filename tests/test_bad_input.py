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
    ("name-empty", ["-d", "project_name=   "], "project_name"),
    ("name-jinja", ["-d", "project_name={{ 7 * 7 }}"], "project_name"),
    ("name-jinja-statement", ["-d", "project_name={% include '/etc/passwd' %}"], "project_name"),
    ("name-line-break", ["-d", "project_name=Two\nLines"], "project_name"),
    ("name-carriage-return", ["-d", "project_name=Two\rLines"], "project_name"),
    ("description-line-separator", ["-d", "description=One\u2028Two"], "description"),
    ("author-control-character", ["-d", "author_name=Jane\x07Doe"], "author_name"),
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


def tree(root: Path) -> dict[str, object]:
    """Every path under `root` with its content (files), its target (links) or None (folders)."""
    found: dict[str, object] = {}
    for path in sorted(root.rglob("*")):
        name = str(path.relative_to(root))
        if path.is_symlink():
            found[name] = ("link", str(path.readlink()))
        elif path.is_file():
            found[name] = path.read_bytes()
        else:
            found[name] = None
    return found


def fake_render(files: dict[str, str]) -> object:
    """A stand-in for copier.run_copy that writes `files` into the destination it is given."""

    def run_copy(src: str, dst: Path, **_: object) -> None:
        for name, text in files.items():
            Path(dst, name).parent.mkdir(parents=True, exist_ok=True)
            Path(dst, name).write_text(text)

    return run_copy


def test_force_into_a_folder_with_a_file_in_the_projects_way_moves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import copier

    rendered = {"README.md": "new\n", "a.txt": "a\n", "config/settings.py": "X = 1\n"}
    monkeypatch.setattr(copier, "run_copy", fake_render(rendered))
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "README.md").write_text("mine\n")
    (dest / "config").write_text("a file where the project has a folder\n")
    before = tree(dest)
    result = runner.invoke(app, ["new", str(dest), "--defaults", "--force"])
    assert_refused(result.exit_code, result.stderr, "config is a file where the project has")
    assert tree(dest) == before
    assert [p.name for p in tmp_path.iterdir()] == ["busy"], "no staging folder remains"


def test_a_move_that_fails_midway_is_undone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import copier

    from generator import render

    rendered = {"README.md": "new\n", "a.txt": "a\n", "same.txt": "same\n", "pkg/b.py": "B\n"}
    monkeypatch.setattr(copier, "run_copy", fake_render(rendered))
    moves: list[object] = []
    real_move = render.shutil.move

    def move_then_fail(src: Path, dst: Path) -> object:
        moves.append(dst)
        if len(moves) == len(rendered):  # the last file
            raise OSError(28, "No space left on device")
        return real_move(src, dst)

    monkeypatch.setattr(render.shutil, "move", move_then_fail)
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "README.md").write_text("mine\n")
    (dest / "same.txt").write_text("same\n")
    before = tree(dest)
    result = runner.invoke(app, ["new", str(dest), "--defaults", "--force"])
    assert result.exit_code == 1, result.stderr
    assert result.stderr.startswith("stackpick: error: could not write the project: ")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert tree(dest) == before, "the README is back, no *.orig, no new file or folder"
    assert [p.name for p in tmp_path.iterdir()] == ["busy"]


def test_an_empty_destination_stays_the_same_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import copier

    monkeypatch.setattr(copier, "run_copy", fake_render({"README.md": "new\n", "pkg/a.py": ""}))
    dest = tmp_path / "empty"
    dest.mkdir()
    dest.chmod(0o2770)
    before = dest.stat()
    monkeypatch.chdir(dest)  # `stackpick new .` from inside it
    result = runner.invoke(app, ["new", ".", "--defaults"])
    assert result.exit_code == 0, result.stderr
    after = dest.stat()
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    assert sorted(tree(dest)) == ["README.md", "pkg", "pkg/a.py"]
    assert [p.name for p in tmp_path.iterdir()] == ["empty"]


@pytest.mark.parametrize("where", ["a-file/project", "/proc/stackpick-project"])
def test_a_destination_that_cannot_be_created_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    (tmp_path / "a-file").write_text("a file, not a folder\n")
    monkeypatch.chdir(tmp_path)
    before = tree(tmp_path)
    result = runner.invoke(app, ["new", where, "--defaults"])
    assert_refused(result.exit_code, result.stderr, "cannot create")
    assert tree(tmp_path) == before


def test_the_longest_folder_name_the_system_allows_is_a_destination(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import copier

    monkeypatch.setattr(copier, "run_copy", fake_render({"README.md": "new\n"}))
    dest = tmp_path / ("d" * 255)
    result = runner.invoke(app, ["new", str(dest), "--defaults"])
    assert result.exit_code == 0, result.stderr
    assert (dest / "README.md").read_text() == "new\n"


def test_a_closed_stdin_is_no_terminal(tmp_path: Path) -> None:
    stackpick = Path(sys.executable).with_name("stackpick")
    proc = subprocess.run(
        ["sh", "-c", 'exec <&-; exec "$0" new "$1"', str(stackpick), str(tmp_path / "p")],
        capture_output=True,
        text=True,
    )
    assert_refused(proc.returncode, proc.stderr, "no terminal")
    assert list(tmp_path.iterdir()) == []


def test_update_refuses_an_answers_file_that_is_not_yaml(tmp_path: Path) -> None:
    from generator.answers import ANSWERS_FILE

    project = tmp_path / "project"
    project.mkdir()
    (project / ANSWERS_FILE).write_text("_src_path: x\nadmin: [unclosed\n")
    git = ["git", "-C", str(project), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "broken"], check=True)
    rev_parse = [*git, "rev-parse", "HEAD"]
    head = subprocess.run(rev_parse, capture_output=True, text=True).stdout
    before = tree(project)
    result = runner.invoke(app, ["update", str(project), "--defaults"])
    assert_refused(result.exit_code, result.stderr, "is not valid YAML (line")
    # The work tree and the history (git may refresh its index's file times).
    after = tree(project)
    assert {k: v for k, v in after.items() if not k.startswith(".git")} == {
        k: v for k, v in before.items() if not k.startswith(".git")
    }
    assert subprocess.run(rev_parse, capture_output=True, text=True).stdout == head


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Test", "test_project"), ("Class", "class_project"), ("123", "my_project")],
)
def test_a_name_whose_package_name_would_be_refused_gets_a_valid_one(
    tmp_path: Path, name: str, slug: str
) -> None:
    from generator.answers import ANSWERS_FILE
    from generator.questions import read_yaml

    dest = tmp_path / "project"
    args = ["new", str(dest), "--defaults", "--framework", "fastapi", "-d", f"project_name={name}"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert read_yaml((dest / ANSWERS_FILE).read_bytes())["project_slug"] == slug
    assert (dest / slug / "__init__.py").is_file()


def test_a_template_that_cannot_be_fetched_is_one_line(tmp_path: Path) -> None:
    missing = (tmp_path / "no-such-template.git").as_uri()
    result = runner.invoke(app, ["new", str(tmp_path / "p"), "--defaults", "--template", missing])
    assert result.exit_code == 1, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"stackpick: error: could not fetch the template {missing}: fatal: "
        f"'{tmp_path / 'no-such-template.git'}' does not appear to be a git repository"
    ]
    assert list(tmp_path.iterdir()) == []
