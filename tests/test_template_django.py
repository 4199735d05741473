"""template_django renders projects that are green on their own: suite, lint, types, deploy check.

Each combination is rendered with pytest-copie, synced with uv and checked inside the
project; the Procfile's `release` and `web` commands then serve the contract over loopback
HTTP. PostgreSQL and Redis are real servers started by the fixtures in conftest.py.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import run
from tests.served import (
    WS_CLIENT,
    Server,
    bearer_token,
    check_concurrent_writes,
    check_quality,
    follow_quick_start,
    procfile,
    run_own_suite,
    run_process,
    serve_web,
    service_env,
    wait_for_log,
)

SLUG = "acme_shop"
MANAGE = ["uv", "run", "python", "manage.py"]

#: (id, answers, services): each option is covered at least once, PostgreSQL and Redis too.
COMBINATIONS: list[tuple[str, dict[str, Any], set[str]]] = [
    (
        "everything-postgresql-redis",
        {
            "admin": True,
            "realtime": True,
            "auth": "both",
            "frontend": "server",
            "background_tasks": "celery",
            "database": "postgresql",
            "docker": True,
            "ci": "github",
            "python_version": "3.12",
        },
        {"postgresql", "redis"},
    ),
    (
        "api-only-sqlite-no-accounts",
        {
            # Quotes and a backslash must still give valid, formatted Python and TOML.
            "project_name": 'Acme\'s "Shop" \\ Co',
            "description": 'Sells "things" \\ more',
            "admin": False,
            "realtime": False,
            "auth": "none",
            "frontend": "spa",
            "background_tasks": "none",
            "database": "sqlite",
            "docker": False,
            "ci": "none",
            "python_version": "3.11",
        },
        set(),
    ),
    (
        "tokens-admin-websockets-sqlite",
        {
            "admin": True,
            "realtime": True,
            "auth": "tokens",
            "frontend": "none",
            "background_tasks": "none",
            "database": "sqlite",
            "docker": True,
            "ci": "github",
            "python_version": "3.13",
        },
        set(),
    ),
    (
        "sessions-pages-celery-no-admin",
        {
            "admin": False,
            "realtime": False,
            "auth": "sessions",
            "frontend": "server",
            "background_tasks": "celery",
            "database": "sqlite",
            "docker": False,
            "ci": "none",
            "python_version": "3.12",
        },
        {"redis"},
    ),
]

#: Django's HTML templates use braces of their own; the vendored htmx is copied verbatim.
BRACES_ALLOWED = (".html", ".js")


def _render(copie: Any, answers: dict[str, Any]) -> Path:
    result = copie.copy(
        extra_answers={
            "framework": "django",
            "project_name": "Acme Shop",
            "project_slug": SLUG,
            **answers,
        },
        vcs_ref="HEAD",
    )
    assert result.exit_code == 0, result.exception
    project: Path = result.project_dir
    assert (project / SLUG).is_dir()
    return project


def _assert_no_jinja(project: Path) -> None:
    for path in project.rglob("*"):
        if not path.is_file() or ".venv" in path.parts:
            continue
        relative = path.relative_to(project)
        assert not path.name.endswith(".jinja"), relative
        assert "{" not in str(relative), relative
        if path.suffix == ".ico":
            continue  # the favicon: binary, copied as it is
        text = path.read_text()
        jinja_only = ("{%-", "-%}", "_copier_conf")
        markers = jinja_only if path.suffix in BRACES_ALLOWED else ("{{", "{%", "{#")
        for marker in markers:
            assert marker not in text, f"{relative} keeps Jinja {marker!r}"


def _check_writes(server: Server, answers: dict[str, Any], token: str | None) -> None:
    if answers["auth"] != "none":
        status, headers, _ = server.json("POST", "/api/items", {"name": "x", "price": "1"})
        assert status == 401
        assert headers["www-authenticate"] == "Bearer"
    status, headers, item = server.json(
        "POST", "/api/items", {"name": "Lamp", "price": 19.9}, token
    )
    assert status == 201, item
    assert item["price"] == "19.90"
    assert item["owner"] == ("admin" if token else None)
    status, _, again = server.request("GET", headers["location"])
    assert (status, again) == (200, item)
    status, _, problems = server.json("POST", "/api/items", {"name": " ", "price": -1}, token)
    assert status == 422
    assert {tuple(p["loc"]) for p in problems["detail"]} == {("body", "name"), ("body", "price")}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("answers", "services"),
    [pytest.param(answers, services, id=name) for name, answers, services in COMBINATIONS],
)
def test_generated_project_is_green(
    copie: Any,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    mypy_cache: Path,
    answers: dict[str, Any],
    services: set[str],
) -> None:
    started = time.monotonic()
    env = service_env(request, services)

    project = _render(copie, answers)
    _assert_no_jinja(project)
    if "postgresql" in services:
        # As in CI and production: no .env at all, everything from the environment.
        (project / ".env").unlink()
        env["SECRET_KEY"] = "test-only-" + "k3y-" * 16
    run(["uv", "sync"], project)
    # As CI runs it: production defaults (DEBUG off), the services given by the environment.
    suite = run_own_suite(project, request, started, DEBUG="false", **env)
    if "redis" in services:
        assert "skipped" not in suite, "the real-Redis tests must run when REDIS_URL is set"

    _check_deployment_files(project, answers)
    check_quality(project, mypy_cache / "django", **env)
    run(
        [*MANAGE, "check", "--deploy", "--fail-level", "WARNING"],
        project,
        DEBUG="false",
        **env,
    )
    if answers["database"] == "sqlite":
        _follow_the_readme(project, answers, tmp_path, env)
    _serve_from_procfile(project, answers, services, tmp_path, env)


def _check_deployment_files(project: Path, answers: dict[str, Any]) -> None:
    """Docker and CI files cannot run here (no Docker engine, no GitHub): check their shape."""
    web = procfile(project)["web"]
    uses_redis = answers["realtime"] or answers["background_tasks"] == "celery"
    assert (project / "Dockerfile").exists() == answers["docker"]
    if answers["docker"]:
        dockerfile = (project / "Dockerfile").read_text()
        stages = [line for line in dockerfile.splitlines() if line.startswith("FROM ")]
        assert len(stages) == 2, "a build stage and a slim runtime stage"
        assert all(f"python:{answers['python_version']}-slim" in line for line in stages)
        assert "uv sync --locked" in dockerfile
        assert "\nUSER app\n" in dockerfile
        assert "collectstatic --noinput" in dockerfile
        assert web in dockerfile
        services = yaml.safe_load((project / "compose.yaml").read_text())["services"]
        expected = {"release", "web", "db"} | ({"redis"} if uses_redis else set())
        assert set(services) == expected | (
            {"worker"} if answers["background_tasks"] == "celery" else set()
        )
        assert web in services["web"]["command"][-1]
        # `docker compose up db` serves a server run with uv, at .env.example's address.
        assert services["db"]["ports"] == ["127.0.0.1:5432:5432"]
        if uses_redis:
            assert services["redis"]["ports"] == ["127.0.0.1:6379:6379"]
        assert ".env" in (project / ".dockerignore").read_text().split()
    workflow = project / ".github" / "workflows" / "ci.yml"
    assert workflow.exists() == (answers["ci"] == "github")
    if answers["ci"] == "github":
        job = yaml.safe_load(workflow.read_text())["jobs"]["check"]
        assert "postgres" in job["services"]
        assert ("redis" in job["services"]) == uses_redis
        commands = "\n".join(step.get("run", "") for step in job["steps"])
        for command in ("ruff check", "ruff format --check", "mypy", "check --deploy", "pytest"):
            assert f"uv run {command}" in commands or command in commands, command
    hooks = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())["repos"]
    assert any(hook["id"] == "mypy" for repo in hooks for hook in repo["hooks"])


def _follow_the_readme(
    project: Path, answers: dict[str, Any], tmp_path: Path, env: dict[str, str]
) -> None:
    """A fresh clone has no .env and no database: the README's steps to a running server."""
    readme = (project / "README.md").read_text()
    generated = (project / ".env").read_text()
    (project / ".env").unlink()
    try:
        with follow_quick_start(project, tmp_path / "dev-server.log", **env) as server:
            if answers["frontend"] == "server":
                status, _, page = server.request("GET", "/")
                assert status == 200
                assert b"htmx.min.js" in page
                assert server.request("GET", "/static/js/htmx.min.js")[0] == 200
            if answers["realtime"]:
                # The README's server serves the websocket (runserver would answer 404).
                user = ("admin", "change-me-now")
                token = bearer_token(server, *user) if answers["auth"] != "none" else ""
                client = ["uv", "run", "python", "-c", WS_CLIENT, str(server.port), token]
                assert "ws ok" in run(client, project).stdout
        # The README's `.env` has a key of its own: production's checks pass with it.
        deploy_check = "DEBUG=false uv run python manage.py check --deploy"
        assert deploy_check in readme
        run(["sh", "-c", deploy_check], project, **env)
        # Development (DEBUG=true): each of Django's log messages is printed once.
        warn = "import logging; logging.getLogger('django.request').warning('said once')"
        said = run([*MANAGE, "shell", "-c", warn], project, **env)
        assert said.stderr.count("said once") == 1, said.stderr
    finally:
        (project / ".env").write_text(generated)
        for database in project.glob("db.sqlite3*"):
            database.unlink()


def _serve_from_procfile(
    project: Path,
    answers: dict[str, Any],
    services: set[str],
    tmp_path: Path,
    env: dict[str, str],
) -> None:
    commands = procfile(project)
    # The Procfile alone serves every page: release migrates and collects the static files.
    assert commands["release"] == (
        "python manage.py migrate --noinput && python manage.py collectstatic --noinput"
    )
    assert "0.0.0.0:$PORT" in commands["web"]
    assert ("worker" in commands) == (answers["background_tasks"] == "celery")
    prod = {"DEBUG": "false", **env}
    run(["uv", "run", "sh", "-c", commands["release"]], project, **prod)
    token = None
    if answers["auth"] != "none":
        run(
            [*MANAGE, "createsuperuser", "--noinput", "--username", "admin", "--email", "a@b.org"],
            project,
            DJANGO_SUPERUSER_PASSWORD="admin-secret-1",
            **prod,
        )
    workers = "2" if answers["realtime"] and "redis" not in services else "3"
    with ExitStack() as stack:
        if "worker" in commands:
            # The Celery worker prints the staff e-mail (console backend) for each new item.
            worker_log = tmp_path / "worker.log"
            stack.enter_context(run_process(project, commands["worker"], worker_log, **prod))
            wait_for_log(worker_log, "ready")
        server = stack.enter_context(
            serve_web(
                project, commands["web"], tmp_path / "web.log", WEB_CONCURRENCY=workers, **prod
            )
        )
        if answers["auth"] != "none":
            token = bearer_token(server, "admin", "admin-secret-1")
            status, _, me = server.request(
                "GET", "/api/users/me", headers={"Authorization": f"Bearer {token}"}
            )
            assert (status, me["username"], me["is_staff"]) == (200, "admin", True)
        _check_writes(server, answers, token)
        if "worker" in commands:
            wait_for_log(worker_log, "Subject: New item: Lamp")
        status, _, schema = server.request("GET", "/api/openapi.json")
        assert status == 200
        assert "/api/items/{item_id}" in schema["paths"]
        assert server.request("GET", "/api/docs")[0] == 200
        if answers["frontend"] == "server":
            status, _, page = server.request("GET", "/")
            assert status == 200
            assert b"Lamp" in page
        if answers["admin"]:
            status, _, page = server.request("GET", "/admin/login/")
            assert (status, b"csrfmiddlewaretoken" in page) == (200, True)
        if answers["database"] == "sqlite":
            check_concurrent_writes(server, token)
        if answers["realtime"]:
            client = run(
                ["uv", "run", "python", "-c", WS_CLIENT, str(server.port), token or ""], project
            )
            assert "ws ok" in client.stdout
