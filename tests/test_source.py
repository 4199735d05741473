"""Template sources: what `.copier-answers.yml` records, so `copier update` works later."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator import source
from generator.errors import UsageError
from tests.conftest import ROOT, project_env, run


def test_a_clean_checkout_renders_itself_at_head(tmp_path: Path) -> None:
    clone = tmp_path / "stackpick"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    code = "from generator import source; r = source.resolve(None); print(r.src_path, r.vcs_ref)"
    env = {**project_env(), "PYTHONPATH": str(clone)}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=clone, env=env, capture_output=True, text=True, check=True
    )
    assert proc.stdout.split() == [str(clone), "HEAD"]


def test_a_dirty_checkout_is_snapshotted(tmp_path: Path) -> None:
    clone = tmp_path / "stackpick"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    with (clone / "copier.yml").open("a") as stream:
        stream.write("\n# work in progress\n")
    code = "from generator import source; r = source.resolve(None); print(r.src_path, r.vcs_ref)"
    env = {**project_env(), "PYTHONPATH": str(clone), "STACKPICK_HOME": str(tmp_path / "home")}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=clone, env=env, capture_output=True, text=True, check=True
    )
    src_path, ref = proc.stdout.split()
    assert src_path == str(tmp_path / "home" / "template")
    assert ref.startswith("v")
    tags = subprocess.run(
        ["git", "tag"], cwd=src_path, capture_output=True, text=True, check=True
    ).stdout.split()
    assert ref in tags, "the recorded version exists in a repository that stays"


def test_a_template_path_is_made_absolute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT / "generator")
    resolved = source.resolve("..")
    assert resolved.src_path == str(ROOT)
    assert Path(resolved.src_path).is_absolute()


def test_a_git_url_is_kept_as_given() -> None:
    url = "https://example.com/acme/stackpick.git"
    assert source.resolve(url).src_path == url


def test_a_folder_without_copier_yml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no copier\.yml"):
        source.resolve(str(tmp_path))


def test_snapshots_are_tagged_reused_and_bumped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STACKPICK_HOME", str(tmp_path / "home"))
    first = source.snapshot(ROOT, version="1.2.0")
    assert first.vcs_ref == "v1.2.0"
    assert first.src_path == str(tmp_path / "home" / "template")
    assert source.snapshot(ROOT, version="1.2.0") == first, "unchanged files reuse the tag"

    edited = tmp_path / "edited"
    for part in source.TEMPLATE_PARTS:
        target = edited / part
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / part).is_dir():
            subprocess.run(["cp", "-r", str(ROOT / part), str(target)], check=True)
        else:
            target.write_bytes((ROOT / part).read_bytes())
    with (edited / "copier.yml").open("a") as stream:
        stream.write("\n# a template change\n")
    assert source.snapshot(edited, version="1.2.0").vcs_ref == "v1.2.0.post1"
    assert source.snapshot(edited, version="1.3.0").vcs_ref == "v1.2.0.post1", (
        "same files, same snapshot"
    )


@pytest.mark.slow
def test_an_installed_stackpick_renders_offline_and_records_a_version(tmp_path: Path) -> None:
    """Build the wheel, install it in a fresh venv, render with it; the answers name a commit."""
    dist = tmp_path / "dist"
    run(["uv", "build", "--wheel", "--out-dir", str(dist)], cwd=ROOT)
    wheel = next(dist.glob("stackpick-*.whl"))
    venv = tmp_path / "venv"
    run(["uv", "venv", "--python", sys.executable, str(venv)], cwd=tmp_path)
    run(
        ["uv", "pip", "install", "--python", str(venv / "bin" / "python"), str(wheel)], cwd=tmp_path
    )
    home = tmp_path / "home"
    dest = tmp_path / "made-by-wheel"
    env = project_env(STACKPICK_HOME=str(home))
    proc = subprocess.run(
        [str(venv / "bin" / "stackpick"), "new", str(dest), "--defaults", "--framework", "django"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == str(home / "template")
    assert answers["_commit"].startswith("v")
    # Plain copier can update from what was recorded (nothing changed: a clean no-op).
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "generated"]):
        subprocess.run(["git", *args], cwd=dest, env=env, check=True, capture_output=True)
    copier = Path(sys.executable).parent / "copier"
    update = subprocess.run(
        [str(copier), "update", "--defaults", "--quiet"],
        cwd=dest,
        env={**env, "GIT_TERMINAL_PROMPT": "0"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert update.returncode == 0, update.stderr
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=dest, capture_output=True, text=True, check=True
    )
    assert status.stdout == ""
    assert os.listdir(home / "template")
    # Where the release is published, the answers name that URL instead: any machine reaches it.
    url = "https://example.com/acme/stackpick.git"
    published = subprocess.run(
        [str(venv / "bin" / "stackpick"), "new", str(tmp_path / "published"), "--defaults"],
        cwd=tmp_path,
        env={**env, "STACKPICK_TEMPLATE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    assert published.returncode == 0, published.stderr
    recorded = yaml.safe_load((tmp_path / "published" / ".copier-answers.yml").read_text())
    assert (recorded["_src_path"], recorded["_commit"]) == (url, answers["_commit"])


def _published_checkout(tmp_path: Path) -> tuple[str, Path]:
    """A bare repository standing in for the published one, and a checkout cloned from it."""
    published = tmp_path / "published.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(ROOT), str(published)], check=True)
    checkout = tmp_path / "checkout"
    subprocess.run(["git", "clone", "-q", published.as_uri(), str(checkout)], check=True)
    return published.as_uri(), checkout


def test_a_pushed_version_records_the_published_url(tmp_path: Path) -> None:
    url, checkout = _published_checkout(tmp_path)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=checkout, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert source.portable(source.TemplateSource(str(checkout), "HEAD"), head) == url


def test_an_unpushed_version_records_the_local_checkout(tmp_path: Path) -> None:
    _url, checkout = _published_checkout(tmp_path)
    identity = ["-c", "user.name=T", "-c", "user.email=t@example.com"]
    subprocess.run(["git", *identity, "commit", "-q", "--allow-empty", "-m", "local"],
                   cwd=checkout, check=True)  # fmt: skip
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=checkout, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert source.portable(source.TemplateSource(str(checkout), "HEAD"), head) == str(checkout)


def test_a_checkout_of_a_local_folder_records_itself(tmp_path: Path) -> None:
    clone = tmp_path / "stackpick"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    rendered = source.TemplateSource(str(clone), "HEAD")
    assert source.portable(rendered, "HEAD") == str(clone), "its origin is a path, not a URL"


def test_an_installed_release_records_its_published_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STACKPICK_TEMPLATE_URL", "https://example.com/acme/stackpick.git")
    assert source.published_url() == "https://example.com/acme/stackpick.git"
    store = source.TemplateSource("/anywhere/template", "v1.0.0", source.published_url())
    assert source.portable(store, "v1.0.0") == "https://example.com/acme/stackpick.git"
