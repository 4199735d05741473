"""Updates for life: `update_project`, `stackpick update` and plain `copier update`.

Every test works across two versions of a local clone of this repository: `v0.1.0` is the
template as committed, plus a few probe files (a text and a binary one in each template, two
more in the Django one); `v0.2.0` changes the text probe and retires the two Django ones.
A project is rendered from `v0.1.0`, committed, edited like a team would, then updated.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import copier
import pytest
import yaml
from typer.testing import CliRunner

from generator.answers import ANSWERS_FILE
from generator.errors import UpdateRefused
from generator.framework_switch import GROWTHS, check_framework_switch
from generator.matrix import FRAMEWORKS
from generator.updating import update_project
from tests.conftest import ROOT, run

IDENTITY = {
    "GIT_AUTHOR_NAME": "Team",
    "GIT_AUTHOR_EMAIL": "team@example.com",
    "GIT_COMMITTER_NAME": "Team",
    "GIT_COMMITTER_EMAIL": "team@example.com",
}

PROBE = "docs/stackpick-probe.md"
#: Two more text probes changed in v0.2.0 (one left alone by the team, one it conflicts with).
PROBE_CLEAN = "docs/stackpick-probe-clean.md"
PROBE_CONFLICT = "docs/stackpick-probe-conflict.md"
ADDED = "docs/stackpick-added.md"
RETIRED_EDITED = "docs/stackpick-retired.md"
RETIRED_UNTOUCHED = "docs/stackpick-retired-untouched.md"
BINARY = "docs/stackpick-diagram.bin"

PROBE_V1 = "".join(f"Paragraph {n} of the probe.\n\n" for n in range(1, 11))
PROBE_V2 = PROBE_V1.replace("Paragraph 9 of", "Paragraph 9 (revised in v0.2.0) of")

ANSWERS = {"framework": "django", "project_name": "Shop", "team": "django"}


def git(*args: str, cwd: Path) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **IDENTITY}
    )
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in IDENTITY.items():
        monkeypatch.setenv(key, value)


def _write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone of this repository tagged `v0.1.0` and `v0.2.0`.

    With STACKPICK_TEST_WORKTREE=1 the working tree's uncommitted template files are
    copied over the clone first.
    """
    clone = tmp_path_factory.mktemp("template") / "stackpick"
    git("clone", "--quiet", str(ROOT), str(clone), cwd=clone.parent)
    for tag in git("tag", "--list", cwd=clone).split():
        git("tag", "--delete", tag, cwd=clone)
    if os.environ.get("STACKPICK_TEST_WORKTREE") == "1":
        for part in ("copier.yml", "common", "generator", "template_django", "template_hybrid",
                     "template_fastapi"):  # fmt: skip
            source, target = ROOT / part, clone / part
            if source.is_dir():
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, target)
    django = clone / "template_django"
    for framework in FRAMEWORKS:
        for probe in (PROBE, PROBE_CLEAN, PROBE_CONFLICT):
            _write(clone / f"template_{framework}" / probe, PROBE_V1)
        _write(clone / f"template_{framework}" / BINARY, b"\x89PNG\r\n\x1a\n\x00\x00template")
    _write(django / RETIRED_EDITED, "Retired in v0.2.0.\n")
    _write(django / RETIRED_UNTOUCHED, "Also retired in v0.2.0.\n")
    git("add", "--all", cwd=clone)
    git("commit", "--quiet", "--allow-empty", "-m", "template v0.1.0", cwd=clone)
    git("tag", "v0.1.0", cwd=clone)
    for framework in FRAMEWORKS:
        for probe in (PROBE, PROBE_CLEAN, PROBE_CONFLICT):
            _write(clone / f"template_{framework}" / probe, PROBE_V2)
        _write(clone / f"template_{framework}" / ADDED, "New in v0.2.0.\n")
        readme = clone / f"template_{framework}" / "README.md.jinja"
        readme.write_text(readme.read_text() + "\n{{ project_name }} follows template v0.2.0.\n")
    (django / RETIRED_EDITED).unlink()
    (django / RETIRED_UNTOUCHED).unlink()
    git("add", "--all", cwd=clone)
    git("commit", "--quiet", "-m", "template v0.2.0", cwd=clone)
    git("tag", "v0.2.0", cwd=clone)
    return clone


def render_project(template_repo: Path, dest: Path, **answers: object) -> Path:
    """Render `v0.1.0` into `dest` and commit it, as `stackpick new` users do."""
    copier.run_copy(
        str(template_repo),
        dest,
        vcs_ref="v0.1.0",
        defaults=True,
        quiet=True,
        data={**ANSWERS, **answers},
    )
    git("init", "--quiet", cwd=dest)
    git("add", "--all", cwd=dest)
    git("commit", "--quiet", "-m", "Generated by stackpick", cwd=dest)
    return dest


@pytest.fixture(scope="module")
def rendered(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`v0.1.0` rendered and committed once for the module; tests get copies of it."""
    return render_project(template_repo, tmp_path_factory.mktemp("rendered") / "shop")


@pytest.fixture
def project(rendered: Path, tmp_path: Path) -> Path:
    """A project of its own for each test: a copy of the render, its git history included."""
    return Path(shutil.copytree(rendered, tmp_path / "shop", symlinks=True))


def commit_all(project: Path, message: str = "team edits") -> None:
    git("add", "--all", cwd=project)
    git("commit", "--quiet", "-m", message, cwd=project)


def answers_of(project: Path) -> dict[str, object]:
    loaded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def assert_no_rej(project: Path) -> None:
    assert not [p for p in project.rglob("*.rej") if ".git" not in p.parts]


def test_recorded_source_is_absolute_and_versioned(project: Path, template_repo: Path) -> None:
    assert (project / ANSWERS_FILE).is_file(), "the name read from copier.yml's _answers_file"
    answers = answers_of(project)
    assert answers["_src_path"] == str(template_repo)
    assert answers["_commit"] == "v0.1.0"


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_same_answers_render_the_same_files(
    template_repo: Path, tmp_path: Path, framework: str
) -> None:
    """Updates merge against a re-render of the old version: it must be reproducible.

    A random value (the secret key) outside the git-ignored `.env` would make every
    update conflict on that file.
    """
    renders = []
    for name in ("first", "second"):
        copier.run_copy(str(template_repo), tmp_path / name, vcs_ref="v0.1.0", defaults=True,
                        quiet=True, data={**ANSWERS, "framework": framework})  # fmt: skip
        renders.append(tree(tmp_path / name))
    first, second = renders
    assert sorted(first) == sorted(second)
    differ = [path for path in first if path != ".env" and first[path] != second[path]]
    assert differ == [], f"files differ between two renders of the same answers: {differ}"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_update_brings_template_change_and_keeps_edits(
    template_repo: Path, tmp_path: Path, framework: str
) -> None:
    project = render_project(template_repo, tmp_path / "shop", framework=framework)
    probe = project / PROBE
    probe.write_text(probe.read_text().replace("Paragraph 2 of", "Paragraph 2 (ours) of"))
    _write(project / BINARY, b"\x89PNG\r\n\x1a\n\x00\x00our diagram")
    _write(project / "docs/our-notes.md", "Notes the team wrote.\n")
    commit_all(project)

    report = update_project(project, data={}, defaults=True)

    assert report.exit_code == 0, str(report)
    assert report.conflicts == []
    assert (report.old_version, report.new_version) == ("v0.1.0", "v0.2.0")
    assert PROBE in report.modified
    text = probe.read_text()
    assert "Paragraph 2 (ours) of" in text
    assert "Paragraph 9 (revised in v0.2.0) of" in text
    assert (project / BINARY).read_bytes() == b"\x89PNG\r\n\x1a\n\x00\x00our diagram"
    assert [k.path for k in report.kept] == [BINARY]
    assert "binary" in report.kept[0].reason
    assert (project / "docs/our-notes.md").read_text() == "Notes the team wrote.\n"
    assert answers_of(project)["_commit"] == "v0.2.0"
    assert_no_rej(project)
    assert "Review with `git diff`" in str(report)


def test_plain_copier_update_keeps_edits(project: Path) -> None:
    probe = project / PROBE
    probe.write_text(probe.read_text().replace("Paragraph 2 of", "Paragraph 2 (ours) of"))
    commit_all(project)

    copier_bin = Path(sys.executable).parent / "copier"
    proc = subprocess.run(
        [str(copier_bin), "update", "--defaults"],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, **IDENTITY},
    )

    assert proc.returncode == 0, proc.stderr
    text = probe.read_text()
    assert "Paragraph 2 (ours) of" in text
    assert "Paragraph 9 (revised in v0.2.0) of" in text
    assert answers_of(project)["_commit"] == "v0.2.0"
    assert_no_rej(project)


def test_conflict_is_reported_and_left_unmerged(project: Path) -> None:
    probe = project / PROBE
    probe.write_text(probe.read_text().replace("Paragraph 9 of", "Paragraph 9 (ours) of"))
    commit_all(project)

    report = update_project(project, data={}, defaults=True)

    assert report.conflicts == [PROBE]
    assert report.exit_code == 1
    text = probe.read_text()
    assert "<<<<<<< before updating" in text
    assert "Paragraph 9 (ours) of" in text
    assert "Paragraph 9 (revised in v0.2.0) of" in text
    assert git("ls-files", "--unmerged", "--", PROBE, cwd=project).strip()
    assert PROBE in str(report)
    assert_no_rej(project)


def test_project_in_a_monorepo_folder(template_repo: Path, tmp_path: Path) -> None:
    monorepo = tmp_path / "company"
    _write(monorepo / "billing/README.md", "Another team's service.\n")
    copier.run_copy(str(template_repo), monorepo / "services/shop", vcs_ref="v0.1.0",
                    defaults=True, quiet=True, data=ANSWERS)  # fmt: skip
    git("init", "--quiet", cwd=monorepo)
    commit_all(monorepo, "monorepo")
    project = monorepo / "services/shop"
    probe = project / PROBE
    probe.write_text(probe.read_text().replace("Paragraph 9 of", "Paragraph 9 (ours) of"))
    commit_all(monorepo)

    report = update_project(project, data={}, defaults=True)

    assert report.conflicts == [PROBE]
    assert git("ls-files", "--unmerged", cwd=monorepo).count(f"services/shop/{PROBE}") == 3
    assert (monorepo / "billing/README.md").read_text() == "Another team's service.\n"
    assert answers_of(project)["_commit"] == "v0.2.0"


@pytest.mark.parametrize("untracked", [False, True], ids=["modified", "untracked"])
def test_dirty_tree_is_refused(project: Path, untracked: bool) -> None:
    if untracked:
        _write(project / "scratch.txt", "not committed\n")
    else:
        (project / PROBE).write_text("half-done edit\n")

    with pytest.raises(UpdateRefused, match="not a clean git work tree") as caught:
        update_project(project, data={}, defaults=True)

    assert "\n" not in caught.value.message
    assert caught.value.exit_code == 2
    assert answers_of(project)["_commit"] == "v0.1.0"


def test_not_a_git_repository_is_refused(template_repo: Path, tmp_path: Path) -> None:
    dest = tmp_path / "loose"
    copier.run_copy(str(template_repo), dest, vcs_ref="v0.1.0", defaults=True, quiet=True,
                    data=ANSWERS)  # fmt: skip

    with pytest.raises(UpdateRefused, match="not in a git repository"):
        update_project(dest, data={}, defaults=True)


def test_edited_old_only_file_is_kept(project: Path) -> None:
    _write(project / RETIRED_EDITED, "Retired in v0.2.0.\nBut we wrote our runbook here.\n")
    commit_all(project)

    report = update_project(project, data={}, defaults=True)

    assert (project / RETIRED_EDITED).read_text().endswith("our runbook here.\n")
    kept = {k.path: k.reason for k in report.kept}
    assert "no longer has it" in kept[RETIRED_EDITED]
    # The untouched retired file goes, as the template intends.
    assert not (project / RETIRED_UNTOUCHED).exists()
    assert report.removed == [RETIRED_UNTOUCHED]
    assert RETIRED_EDITED in str(report)
    assert report.exit_code == 0


def test_pretend_writes_nothing(project: Path) -> None:
    _write(project / RETIRED_EDITED, "Edited.\n")
    commit_all(project)
    head = git("rev-parse", "HEAD", cwd=project)

    report = update_project(project, data={}, defaults=True, pretend=True)

    assert report.pretend
    assert PROBE in report.modified
    assert report.removed == [RETIRED_UNTOUCHED]
    assert [k.path for k in report.kept] == [RETIRED_EDITED]
    assert str(report).startswith("Would update")
    assert git("status", "--porcelain", cwd=project) == ""
    assert git("rev-parse", "HEAD", cwd=project) == head
    assert (project / RETIRED_UNTOUCHED).exists()


def test_up_to_date_project_reports_nothing_to_do(project: Path) -> None:
    update_project(project, data={}, defaults=True)
    commit_all(project, "update to v0.2.0")

    report = update_project(project, data={}, defaults=True)

    assert not report.changed
    assert "up to date" in str(report)


@pytest.mark.parametrize(
    ("old", "new"),
    [(o, n) for o in FRAMEWORKS for n in FRAMEWORKS if o != n and (o, n) not in GROWTHS],
)
def test_rewrites_are_refused_with_the_reason(old: str, new: str) -> None:
    with pytest.raises(UpdateRefused) as caught:
        check_framework_switch(old, new)
    message = caught.value.message
    assert "\n" not in message
    assert f"{old} -> {new}" in message
    assert "hybrid" in message


def test_django_to_fastapi_refused_before_anything_is_written(project: Path) -> None:
    with pytest.raises(UpdateRefused, match="rewrite"):
        update_project(project, framework="fastapi", data={}, defaults=True)
    assert git("status", "--porcelain", cwd=project) == ""


def test_cli_exit_codes(project: Path) -> None:
    from generator.cli import app

    runner = CliRunner()
    probe = project / PROBE
    probe.write_text(probe.read_text().replace("Paragraph 9 of", "Paragraph 9 (ours) of"))

    dirty = runner.invoke(app, ["update", str(project), "--defaults"])
    assert dirty.exit_code == 2, dirty.output

    commit_all(project)
    pretend = runner.invoke(app, ["update", str(project), "--defaults", "--pretend"])
    assert pretend.exit_code == 1, pretend.output
    assert PROBE in pretend.output
    assert git("status", "--porcelain", cwd=project) == ""

    conflict = runner.invoke(app, ["update", str(project), "--defaults"])
    assert conflict.exit_code == 1, conflict.output
    assert "<<<<<<< before updating" in probe.read_text()


def test_a_templates_uncommitted_changes_are_rendered_with_a_warning(
    project: Path, template_repo: Path, tmp_path: Path
) -> None:
    """They are rendered where HEAD is (a template's author tries them so), but the project
    records a revision that exists only in copier's clone: no update could find it.
    """
    from generator.cli import app

    runner = CliRunner()
    draft = tmp_path / "draft"
    git("clone", "--quiet", str(template_repo), str(draft), cwd=tmp_path)
    _write(draft / "template_django" / PROBE, "Draft.\n")
    new = ["new", "--defaults", "--framework", "django", "--template", str(draft)]

    # A tagged template renders its latest tag: the draft is not rendered, nothing is said.
    tagged = runner.invoke(app, [*new, str(tmp_path / "tagged")])
    assert tagged.exit_code == 0, tagged.output
    assert (tmp_path / "tagged" / PROBE).read_text() == PROBE_V2
    assert "warning" not in tagged.stderr

    update = ["update", str(project), "--defaults", "--template", str(draft), "--vcs-ref", "HEAD"]
    updated = runner.invoke(app, update)
    assert updated.exit_code == 0, updated.output
    assert (project / PROBE).read_text() == "Draft.\n"
    assert "warning: merged the template's uncommitted changes" in updated.stderr
    assert "DirtyLocalWarning" not in updated.stderr

    for tag in git("tag", "--list", cwd=draft).split():
        git("tag", "--delete", tag, cwd=draft)
    drafted = runner.invoke(app, [*new, str(tmp_path / "drafted")])
    assert drafted.exit_code == 0, drafted.output
    assert (tmp_path / "drafted" / PROBE).read_text() == "Draft.\n"
    assert f"warning: rendered the uncommitted changes of {draft}" in drafted.stderr


def test_moved_template_is_followed_with_src_path(
    project: Path, template_repo: Path, tmp_path: Path
) -> None:
    moved = tmp_path / "moved-template"
    git("clone", "--quiet", str(template_repo), str(moved), cwd=tmp_path)

    report = update_project(project, data={}, defaults=True, template=str(moved))

    assert report.new_version == "v0.2.0"
    assert answers_of(project)["_src_path"] == str(moved)
    assert "Paragraph 9 (revised in v0.2.0) of" in (project / PROBE).read_text()


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_update_without_edits_equals_a_fresh_render(
    template_repo: Path, tmp_path: Path, framework: str
) -> None:
    """An untouched project updated to v0.2.0 is, byte for byte, v0.2.0 rendered afresh."""
    project = render_project(template_repo, tmp_path / "shop", framework=framework)

    report = update_project(project, data={}, defaults=True)

    assert report.exit_code == 0, str(report)
    assert report.merged == [], str(report)
    assert report.kept == [], str(report)
    assert {ADDED, "README.md", PROBE} <= set(report.added + report.updated)
    fresh = tmp_path / "fresh"
    copier.run_copy(str(template_repo), fresh, vcs_ref="v0.2.0", defaults=True, quiet=True,
                    data={**ANSWERS, "framework": framework})  # fmt: skip
    updated, expected = tree(project), tree(fresh)
    assert sorted(set(updated) ^ set(expected)) == []
    differ = [path for path in expected if path != ".env" and updated[path] != expected[path]]
    assert differ == []
    assert "follows template v0.2.0" in (project / "README.md").read_text()


def test_pretend_reports_every_file_by_what_the_update_does(project: Path) -> None:
    from generator.cli import app

    for path, mark in ((PROBE, "Paragraph 2"), (PROBE_CONFLICT, "Paragraph 9")):
        text = (project / path).read_text()
        (project / path).write_text(text.replace(f"{mark} of", f"{mark} (ours) of"))
    _write(project / RETIRED_EDITED, "Our runbook.\n")
    _write(project / BINARY, b"\x89PNG\r\n\x1a\n\x00\x00our diagram")
    commit_all(project)

    result = CliRunner().invoke(app, ["update", str(project), "--defaults", "--pretend"])

    assert result.exit_code == 1, result.output  # a conflict would be left
    rows = {
        (line[2:18].strip(), line[19:].split(" (")[0])
        for line in result.output.splitlines()
        if line.startswith("  ") and not line.startswith("   ")
    }
    assert {
        ("added", ADDED),
        ("changed cleanly", PROBE_CLEAN),
        ("changed cleanly", "README.md"),
        ("changed cleanly", ".copier-answers.yml"),
        ("merged", PROBE),
        ("conflicting", PROBE_CONFLICT),
        ("kept", RETIRED_EDITED),
        ("kept", BINARY),
        ("removed", RETIRED_UNTOUCHED),
    } <= rows, result.output
    assert result.output.startswith("Would update")
    assert git("status", "--porcelain", cwd=project) == ""


def test_check_exit_codes_and_json(project: Path, tmp_path: Path) -> None:
    from generator.cli import app

    runner = CliRunner()
    _write(project / "uncommitted.txt", "work in progress\n")  # --check looks at HEAD
    behind = runner.invoke(app, ["update", str(project), "--check", "--json"])
    assert behind.exit_code == 2, behind.output
    report = json.loads(behind.output)
    assert report["update_available"] is True
    assert (report["current"], report["latest"]) == ("v0.1.0", "v0.2.0")
    assert ADDED in report["files"]["added"]
    assert PROBE in report["files"]["changed"]
    assert report["files"]["removed"] == sorted([RETIRED_EDITED, RETIRED_UNTOUCHED])
    assert git("status", "--porcelain", cwd=project) == "?? uncommitted.txt\n"

    (project / "uncommitted.txt").unlink()
    assert runner.invoke(app, ["update", str(project), "--defaults"]).exit_code == 0
    commit_all(project, "update to v0.2.0")
    current = runner.invoke(app, ["update", str(project), "--check"])
    assert current.exit_code == 0, current.output
    assert "up to date" in current.output

    broken = runner.invoke(app, ["update", str(tmp_path / "nowhere"), "--check"])
    assert broken.exit_code == 1
    assert len(broken.output.strip().splitlines()) == 1
    assert not (tmp_path / "nowhere").exists()


def _machine(home: Path, **extra: str) -> dict[str, str]:
    """The environment of another machine: its own HOME and stackpick data folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STACKPICK_", "XDG_"))}
    return {**env, **IDENTITY, "HOME": str(home), "STACKPICK_HOME": str(home / "stackpick"),
            "GIT_CONFIG_NOSYSTEM": "1", **extra}  # fmt: skip


def _stackpick(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)  # fmt: skip


def _publish(template_repo: Path, published: Path, tag: str) -> None:
    """Push `tag` and the branch at it to the published repository (GitHub, in real life)."""
    git("push", "--quiet", str(published), f"{tag}:refs/heads/main", f"refs/tags/{tag}",
        cwd=template_repo)  # fmt: skip


def test_a_teammate_updates_on_another_machine(
    template_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rendered on machine A from its checkout; updated on machine B, where that is gone."""
    from generator import render, source

    published = tmp_path / "published" / "stackpick.git"
    git("init", "--quiet", "--bare", "--initial-branch=main", str(published), cwd=tmp_path)
    _publish(template_repo, published, "v0.1.0")
    url = published.as_uri()

    # Machine A: a checkout of the published template; `stackpick new` renders from it.
    machine_a = tmp_path / "a"
    monkeypatch.setenv("HOME", str(machine_a))
    monkeypatch.setenv("STACKPICK_HOME", str(machine_a / "stackpick"))
    checkout = machine_a / "src" / "stackpick"
    git("clone", "--quiet", url, str(checkout), cwd=tmp_path)
    shop = machine_a / "shop"
    render.render(source.resolve(str(checkout)), shop, dict(ANSWERS), interactive=False)
    assert answers_of(shop)["_src_path"] == url, "the published URL, not A's checkout"
    assert answers_of(shop)["_commit"] == "v0.1.0"
    git("init", "--quiet", "--initial-branch=main", cwd=shop)
    commit_all(shop, "Generated by stackpick")
    probe = shop / PROBE
    probe.write_text(probe.read_text().replace("Paragraph 2 of", "Paragraph 2 (ours) of"))
    commit_all(shop, "team edit")
    team_remote = tmp_path / "team" / "shop.git"  # where the team pushes the project
    git("clone", "--quiet", "--bare", str(shop), str(team_remote), cwd=tmp_path)
    _publish(template_repo, published, "v0.2.0")  # then the template moves on
    shutil.rmtree(machine_a)  # A's checkout, home and snapshots: gone

    # Machine B: another HOME, fresh clones of the project, stackpick from the same package.
    machine_b = tmp_path / "b"
    machine_b.mkdir()
    env = _machine(machine_b)
    for name in ("shop", "shop-copier"):
        git("clone", "--quiet", str(team_remote), name, cwd=machine_b)
    shop = machine_b / "shop"

    check = _stackpick("update", "--check", "--json", cwd=shop, env=env)
    assert check.returncode == 2, check.stderr
    assert json.loads(check.stdout)["latest"] == "v0.2.0"

    update = _stackpick("update", "--defaults", cwd=shop, env=env)
    assert update.returncode == 0, update.stderr
    assert "v0.1.0 -> v0.2.0" in update.stdout
    assert answers_of(shop)["_commit"] == "v0.2.0"
    assert answers_of(shop)["_src_path"] == url
    text = (shop / PROBE).read_text()
    assert "Paragraph 2 (ours) of" in text
    assert "Paragraph 9 (revised in v0.2.0) of" in text
    commit_all(shop, "update to v0.2.0")
    assert _stackpick("update", "--check", cwd=shop, env=env).returncode == 0

    copier_bin = Path(sys.executable).parent / "copier"
    plain = subprocess.run([str(copier_bin), "update", "--defaults", "--quiet"],
                           cwd=machine_b / "shop-copier", env=env, capture_output=True,
                           text=True, check=False)  # fmt: skip
    assert plain.returncode == 0, plain.stderr
    assert answers_of(machine_b / "shop-copier")["_commit"] == "v0.2.0"
    assert "Paragraph 2 (ours) of" in (machine_b / "shop-copier" / PROBE).read_text()


def test_a_project_recording_a_vanished_local_path_updates_from_the_published_url(
    template_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Projects rendered before: the recorded checkout is gone, the published URL has it."""
    moved = tmp_path / "checkout"
    git("clone", "--quiet", str(template_repo), str(moved), cwd=tmp_path)
    project = render_project(moved, tmp_path / "shop")
    assert answers_of(project)["_src_path"] == str(moved)
    shutil.rmtree(moved)
    published = tmp_path / "stackpick.git"
    git("clone", "--quiet", "--bare", str(template_repo), str(published), cwd=tmp_path)
    monkeypatch.setenv("STACKPICK_TEMPLATE_URL", published.as_uri())

    report = update_project(project, data={}, defaults=True)

    assert report.new_version == "v0.2.0"
    assert answers_of(project)["_src_path"] == published.as_uri(), "portable from now on"


def test_a_vanished_template_with_no_fallback_is_a_one_line_refusal(
    template_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moved = tmp_path / "checkout"
    git("clone", "--quiet", str(template_repo), str(moved), cwd=tmp_path)
    project = render_project(moved, tmp_path / "shop")
    shutil.rmtree(moved)
    # A version that neither the published URL (unreachable) nor this stackpick has.
    answers = project / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace("_commit: v0.1.0", "_commit: v0.0.9"))
    commit_all(project, "an older project")
    monkeypatch.setenv("STACKPICK_TEMPLATE_URL", (tmp_path / "nowhere.git").as_uri())
    head = git("rev-parse", "HEAD", cwd=project)

    with pytest.raises(UpdateRefused, match=r"no template with version v0\.0\.9") as caught:
        update_project(project, data={}, defaults=True)

    assert "\n" not in caught.value.message
    assert git("status", "--porcelain", cwd=project) == ""
    assert git("rev-parse", "HEAD", cwd=project) == head


def test_generated_ci_checks_for_template_updates_on_a_schedule(
    template_repo: Path, tmp_path: Path
) -> None:
    for framework in FRAMEWORKS:
        dest = tmp_path / framework
        copier.run_copy(str(template_repo), dest, vcs_ref="v0.2.0", defaults=True, quiet=True,
                        data={**ANSWERS, "framework": framework, "ci": "github"})  # fmt: skip
        workflow = yaml.safe_load((dest / ".github/workflows/ci.yml").read_text())
        triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
        assert triggers["schedule"][0]["cron"]
        job = workflow["jobs"]["template-update"]
        assert "schedule" in job["if"]
        steps = " ".join(str(step.get("run", "")) for step in job["steps"])
        assert "stackpick update --check" in steps


# --- growing a Django project into the hybrid ------------------------------------------------

FEATURED_MIGRATION = """from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("items", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="item",
            name="featured",
            field=models.BooleanField(default=False),
        ),
    ]
"""

TEAM_VIEW = '''

def featured_count(request: HttpRequest) -> JsonResponse:
    """How many items the staff featured (team code)."""
    count = Item.objects.filter(featured=True).count()
    return JsonResponse({"featured": count, "label": settings.FEATURED_LABEL})
'''

TEAM_URLS = '''"""The team's own pages."""

from django.urls import path

from shop.items.views import featured_count

urlpatterns = [path("featured/", featured_count, name="featured")]
'''

TEAM_TEST = """import pytest
from django.test import Client

from shop.items.models import Item

pytestmark = pytest.mark.django_db


def test_featured_count(client: Client) -> None:
    Item.objects.create(name="Lamp", price="10.00", featured=True)
    Item.objects.create(name="Desk", price="50.00")
    response = client.get("/featured/")
    assert response.status_code == 200
    assert response.json() == {"featured": 1, "label": "Staff picks"}
"""


def team_edits(project: Path) -> None:
    """What a Django team does in its first weeks: a field, a view, a setting, new files."""
    models = project / "shop/items/models.py"
    text = models.read_text()
    anchor = "    in_stock = models.BooleanField(default=True)\n"
    assert anchor in text
    models.write_text(
        text.replace(anchor, anchor + "    featured = models.BooleanField(default=False)\n")
    )
    _write(project / "shop/items/migrations/0002_item_featured.py", FEATURED_MIGRATION)

    views = project / "shop/items/views.py"
    text = views.read_text()
    imports = {
        "from django.conf import settings\n",
        "from django.http import HttpRequest, JsonResponse\n",
        "from shop.items.models import Item\n",
    }
    header = "".join(sorted(line for line in imports if line not in text))
    views.write_text(header + text + TEAM_VIEW)

    urls = project / "config/urls.py"
    text = urls.read_text()
    anchor = '    path("items/new", item_views.item_create, name="item-create"),\n'
    assert anchor in text
    urls.write_text(
        text.replace(anchor, anchor + '    path("", include("shop.items.team_urls")),\n')
    )
    _write(project / "shop/items/team_urls.py", TEAM_URLS)

    settings = project / "config/settings.py"
    settings.write_text(settings.read_text() + '\nFEATURED_LABEL = "Staff picks"\n')
    _write(project / "shop/items/tests/test_featured.py", TEAM_TEST)

    # An edit to the DRF API, which the hybrid replaces with FastAPI: kept, and said so.
    apis = project / "shop/items/apis.py"
    apis.write_text(apis.read_text() + "\n# Team note: clients rely on the `in_stock` filter.\n")
    commit_all(project, "team: featured items")


@pytest.mark.slow
def test_django_project_grows_into_the_hybrid(
    template_repo: Path, tmp_path: Path, postgres_database: str
) -> None:
    project = render_project(template_repo, tmp_path / "shop", framework="django")
    team_edits(project)
    before = {p for p in tree(project) if not p.startswith(".git/")}

    report = update_project(project, framework="hybrid", data={}, defaults=True)

    assert report.conflicts == [], str(report)
    assert (report.old_framework, report.new_framework) == ("django", "hybrid")
    assert answers_of(project)["framework"] == "hybrid"
    # The description was left at its default, which names the framework: it follows.
    fresh = tmp_path / "fresh-hybrid"
    copier.run_copy(str(template_repo), fresh, defaults=True, quiet=True,
                    data={**ANSWERS, "framework": "hybrid"})  # fmt: skip
    assert answers_of(project)["description"] == answers_of(fresh)["description"]
    # Everything the team wrote survives.
    assert "featured = models.BooleanField" in (project / "shop/items/models.py").read_text()
    assert (project / "shop/items/migrations/0002_item_featured.py").read_text() == (
        FEATURED_MIGRATION
    )
    assert "def featured_count" in (project / "shop/items/views.py").read_text()
    assert "shop.items.team_urls" in (project / "config/urls.py").read_text()
    assert 'FEATURED_LABEL = "Staff picks"' in (project / "config/settings.py").read_text()
    assert (project / "shop/items/team_urls.py").read_text() == TEAM_URLS
    assert (project / "shop/items/tests/test_featured.py").read_text() == TEAM_TEST
    kept = {k.path: k.reason for k in report.kept}
    assert set(kept) == {"shop/items/apis.py"}, str(report)
    assert "port what you changed" in str(report)
    # The API and the ASGI composition are added; dependencies and Procfile follow.
    assert "shop/api/app.py" in report.added
    assert {"config/asgi.py", "Procfile", "pyproject.toml"} <= set(report.modified)
    assert "fastapi" in (project / "pyproject.toml").read_text()
    assert "config.asgi" in (project / "Procfile").read_text()
    # Only template files the team never touched are removed.
    assert set(report.removed) <= before
    assert_no_rej(project)

    run(["uv", "sync"], project)
    run(["uv", "run", "python", "manage.py", "makemigrations", "--check", "--dry-run"], project)
    # The team's migration applies on a real PostgreSQL under the hybrid's settings.
    migrate = ["uv", "run", "python", "manage.py", "migrate", "--noinput"]
    run(migrate, project, DATABASE_URL=postgres_database)
    shown = run(
        ["uv", "run", "python", "manage.py", "showmigrations", "items", "--database", "default"],
        project,
        DATABASE_URL=postgres_database,
    )
    assert "[X] 0002_item_featured" in shown.stdout
    result = run(["uv", "run", "pytest", "-q", "-rA", "-p", "no:cacheprovider"], project)
    passed = [line for line in result.stdout.splitlines() if line.startswith("PASSED ")]
    assert "PASSED shop/items/tests/test_featured.py::test_featured_count" in passed
    assert any(line.startswith("PASSED shop/api/tests/test_items.py") for line in passed)
    assert any(line.startswith("PASSED shop/items/tests/test_pages.py") for line in passed)


TEAM_SERVICE = '''"""Team code: featured items, for the newsletter."""

from django.conf import settings
from django.db.models import QuerySet

from shop.items.models import Item


def item_list_featured() -> QuerySet[Item]:
    """The featured items, at most `FEATURED_LIMIT` of them."""
    return Item.objects.filter(featured=True)[: settings.FEATURED_LIMIT]
'''

TEAM_SERVICE_TEST = """import pytest

from shop.items.featured import item_list_featured
from shop.items.models import Item

pytestmark = pytest.mark.django_db


def test_item_list_featured() -> None:
    for n in range(3):
        Item.objects.create(name=f"Lamp {n}", price="10.00", featured=True)
    Item.objects.create(name="Desk", price="50.00")
    assert [item.name for item in item_list_featured()] == ["Lamp 0", "Lamp 1"]
"""


@pytest.mark.slow
def test_api_only_django_project_grows_into_the_hybrid(template_repo: Path, tmp_path: Path) -> None:
    """No pages, no admin, tokens, websockets and Celery: the other half of the options."""
    options = {"frontend": "spa", "auth": "tokens", "admin": False, "realtime": True,
               "background_tasks": "celery"}  # fmt: skip
    project = render_project(template_repo, tmp_path / "shop", framework="django", **options)
    models = project / "shop/items/models.py"
    anchor = "    in_stock = models.BooleanField(default=True)\n"
    assert anchor in models.read_text()
    models.write_text(
        models.read_text().replace(
            anchor, anchor + "    featured = models.BooleanField(default=False)\n"
        )
    )
    _write(project / "shop/items/migrations/0002_item_featured.py", FEATURED_MIGRATION)
    _write(project / "shop/items/featured.py", TEAM_SERVICE)
    _write(project / "shop/items/tests/test_featured.py", TEAM_SERVICE_TEST)
    settings = project / "config/settings.py"
    settings.write_text(settings.read_text() + "\nFEATURED_LIMIT = 2\n")
    commit_all(project, "team: featured items")

    report = update_project(project, framework="hybrid", data={}, defaults=True)

    assert report.conflicts == [], str(report)
    assert report.kept == [], str(report)
    assert {"shop/api/realtime.py", "shop/api/tests/test_tasks.py"} <= set(report.added)
    assert (project / "shop/items/featured.py").read_text() == TEAM_SERVICE
    assert settings.read_text().endswith("\nFEATURED_LIMIT = 2\n")
    assert "featured = models.BooleanField" in models.read_text()

    run(["uv", "sync"], project)
    run(["uv", "run", "python", "manage.py", "makemigrations", "--check", "--dry-run"], project)
    result = run(["uv", "run", "pytest", "-q", "-rA", "-p", "no:cacheprovider"], project)
    passed = [line for line in result.stdout.splitlines() if line.startswith("PASSED ")]
    assert "PASSED shop/items/tests/test_featured.py::test_item_list_featured" in passed
    for api_test in ("test_items.py", "test_realtime.py", "test_tasks.py"):
        assert any(line.startswith(f"PASSED shop/api/tests/{api_test}") for line in passed)


# --- the template that ships inside an installed stackpick ---------------------------------------


def build_wheel(source: Path, version: str, out: Path) -> Path:
    init = source / "generator/__init__.py"
    text, count = re.subn(
        r'(?m)^__version__ = ".*"$', f'__version__ = "{version}"', init.read_text()
    )
    assert count == 1
    init.write_text(text)

    run(["uv", "build", "--wheel", "--out-dir", str(out)], source)
    (wheel,) = out.glob(f"stackpick-{version}-*.whl")
    return wheel


@pytest.mark.slow
def test_installed_stackpick_updates_after_an_upgrade(tmp_path: Path) -> None:
    """`pip install -U stackpick && stackpick update` brings the new release's template."""
    source = tmp_path / "source"
    git("clone", "--quiet", str(ROOT), str(source), cwd=tmp_path)
    old_wheel = build_wheel(source, "0.1.0", tmp_path / "dist-old")
    readme = source / "template_django/README.md.jinja"
    readme.write_text(readme.read_text() + "\nA line added in stackpick 0.2.0.\n")
    new_wheel = build_wheel(source, "0.2.0", tmp_path / "dist-new")

    venv = tmp_path / "venv"
    home = {"STACKPICK_HOME": str(tmp_path / "home")}
    stackpick = str(venv / "bin/stackpick")
    run(["uv", "venv", "--quiet", str(venv)], tmp_path)
    run(["uv", "pip", "install", "--quiet", str(old_wheel)], tmp_path, VIRTUAL_ENV=str(venv))
    run([stackpick, "new", "shop", "--defaults", "--framework", "django"], tmp_path, **home)
    project = tmp_path / "shop"
    assert answers_of(project)["_commit"] == "v0.1.0"
    git("init", "--quiet", cwd=project)
    settings = project / "config/settings.py"
    settings.write_text(settings.read_text() + '\nTEAM_SETTING = "kept"\n')
    commit_all(project, "Generated by stackpick, then edited")

    run(["uv", "pip", "install", "--quiet", str(new_wheel)], tmp_path, VIRTUAL_ENV=str(venv))
    result = run([stackpick, "update", "shop", "--defaults"], tmp_path, **home)

    assert "v0.1.0 -> v0.2.0" in result.stdout
    assert answers_of(project)["_commit"] == "v0.2.0"
    assert "A line added in stackpick 0.2.0." in (project / "README.md").read_text()
    assert settings.read_text().endswith('TEAM_SETTING = "kept"\n')


def _exec(
    program: Path, *args: str, cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(program), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=False)  # fmt: skip


def _install(wheel: Path, venv: Path) -> Path:
    run(["uv", "venv", "--quiet", str(venv)], venv.parent)
    run(["uv", "pip", "install", "--quiet", str(wheel)], venv.parent, VIRTUAL_ENV=str(venv))
    return venv / "bin/stackpick"


@pytest.mark.slow
def test_teammates_with_installed_releases_update_on_their_own_machines(tmp_path: Path) -> None:
    """The issue as reported: one renders with stackpick 0.1.0 and pushes; a teammate with
    0.2.0 installed on another machine updates the clone, with no edit of the answers."""
    published = tmp_path / "github" / "stackpick.git"
    source = tmp_path / "source"
    git("clone", "--quiet", str(ROOT), str(source), cwd=tmp_path)
    for tag in git("tag", "--list", cwd=source).split():
        git("tag", "--delete", tag, cwd=source)
    with (source / "pyproject.toml").open("a") as stream:  # what a release declares
        stream.write(f'\n[project.urls]\nRepository = "{published.as_uri()}"\n')
    wheels = {}
    for version, line in (("0.1.0", ""), ("0.2.0", "\nA line added in stackpick 0.2.0.\n")):
        readme = source / "template_django/README.md.jinja"
        readme.write_text(readme.read_text() + line)
        wheels[version] = build_wheel(source, version, tmp_path / f"dist-{version}")
        commit_all(source, f"stackpick {version}")
        git("tag", f"v{version}", cwd=source)
    git("clone", "--quiet", "--bare", str(source), str(published), cwd=tmp_path)

    # Machine A: stackpick 0.1.0, its own HOME.
    machine_a = tmp_path / "a"
    machine_a.mkdir()
    env_a = _machine(machine_a)
    stackpick_a = _install(wheels["0.1.0"], machine_a / "venv")
    made = _exec(stackpick_a, "new", "shop", "--defaults", "--framework", "django", cwd=machine_a,
                 env=env_a)  # fmt: skip
    assert made.returncode == 0, made.stderr
    shop = machine_a / "shop"
    assert answers_of(shop)["_src_path"] == published.as_uri()
    assert answers_of(shop)["_commit"] == "v0.1.0"
    git("init", "--quiet", "--initial-branch=main", cwd=shop)
    settings = shop / "config/settings.py"
    settings.write_text(settings.read_text() + '\nTEAM_SETTING = "kept"\n')
    commit_all(shop, "Generated by stackpick, then edited")
    team_remote = tmp_path / "team" / "shop.git"
    git("clone", "--quiet", "--bare", str(shop), str(team_remote), cwd=tmp_path)
    shutil.rmtree(machine_a)

    # Machine B: stackpick 0.2.0, another HOME, a fresh clone.
    machine_b = tmp_path / "b"
    machine_b.mkdir()
    env_b = _machine(machine_b)
    stackpick_b = _install(wheels["0.2.0"], machine_b / "venv")
    git("clone", "--quiet", str(team_remote), "shop", cwd=machine_b)
    shop = machine_b / "shop"
    check = _exec(stackpick_b, "update", "--check", cwd=shop, env=env_b)
    assert check.returncode == 2, check.stderr
    update = _exec(stackpick_b, "update", "--defaults", cwd=shop, env=env_b)
    assert update.returncode == 0, update.stderr
    assert "v0.1.0 -> v0.2.0" in update.stdout
    assert "A line added in stackpick 0.2.0." in (shop / "README.md").read_text()
    assert (shop / "config/settings.py").read_text().endswith('TEAM_SETTING = "kept"\n')
    assert answers_of(shop)["_src_path"] == published.as_uri()
