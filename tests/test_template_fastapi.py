"""template_fastapi renders async FastAPI projects that are green on their own.

Each combination is rendered with pytest-copie, synced with uv, and checked inside the
project: its own suite, ruff, mypy, `alembic upgrade head` + `alembic check`, then the
Procfile's `release` and `web` commands serve the contract over loopback HTTP.
PostgreSQL and Redis are real servers started by the fixtures in conftest.py.

Measured on the 2-core dev machine (warm uv cache, other engineers' runs in parallel):
generate -> `uv sync` -> the generated suite green takes 11-28 s per combination (24-26 s
for the PostgreSQL + Redis one); the whole file, with lint, types, migrations and the
served Procfile, 3.5 to 6 minutes depending on the load.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run
from tests.served import (
    WS_CLIENT,
    Server,
    bearer_token,
    check_concurrent_writes,
    check_quality,
    procfile,
    run_own_suite,
    run_process,
    serve_web,
    service_env,
)

SLUG = "acme_store"
#: The longest package name copier.yml allows: imports must still fit ruff's line length.
LONG_SLUG = "acme_store_" + "x" * 53
PASSWORD = "violet-kettle-93"  # unlike "admin": createsuperuser refuses similar passwords

#: (id, answers, services): every option is covered at least once; PostgreSQL and Redis once.
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
        "api-only-no-accounts-sqlite",
        {
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
        "sessions-pages-celery-no-broker",
        {
            "admin": False,
            "realtime": False,
            "auth": "sessions",
            "frontend": "server",
            "background_tasks": "celery",
            "database": "sqlite",
            "docker": False,
            "ci": "github",
            "python_version": "3.12",
        },
        set(),
    ),
    (
        "admin-without-api-accounts-64-character-package",
        {
            "project_slug": LONG_SLUG,
            "admin": True,
            "realtime": False,
            "auth": "none",
            "frontend": "server",
            "background_tasks": "none",
            "database": "sqlite",
            "docker": True,
            "ci": "none",
            "python_version": "3.12",
        },
        set(),
    ),
]

#: Runtime Jinja2 templates and the vendored htmx have braces of their own.
BRACES_ALLOWED = (".html", ".js")


def _slug(answers: dict[str, Any]) -> str:
    return str(answers.get("project_slug", SLUG))


def _render(copie: Any, answers: dict[str, Any]) -> Path:
    result = copie.copy(
        extra_answers={"framework": "fastapi", "project_name": "Acme Store", **answers},
        vcs_ref="HEAD",
    )
    assert result.exit_code == 0, result.exception
    project: Path = result.project_dir
    assert (project / _slug(answers) / "main.py").is_file()
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
        jinja_only = ("{%-", "-%}", "_copier_conf", "project_slug")
        markers = jinja_only if path.suffix in BRACES_ALLOWED else ("{{", "{%", "{#")
        for marker in markers:
            assert marker not in text, f"{relative} keeps Jinja {marker!r}"


def _assert_files(project: Path, answers: dict[str, Any]) -> None:
    """Optional files appear exactly when their answer asks for them."""
    users = answers["auth"] != "none" or answers["admin"]
    slug = _slug(answers)
    expected = {
        f"{slug}/admin.py": answers["admin"],
        f"{slug}/realtime.py": answers["realtime"],
        f"{slug}/worker.py": answers["background_tasks"] == "celery",
        f"{slug}/web/router.py": answers["frontend"] == "server",
        f"{slug}/users/models.py": users,
        f"{slug}/users/router.py": answers["auth"] != "none",
        f"{slug}/__main__.py": users,
        "Dockerfile": answers["docker"],
        "compose.yaml": answers["docker"],
        ".dockerignore": answers["docker"],
        ".github/workflows/ci.yml": answers["ci"] == "github",
        # Each optional part's guide comes with it.
        "docs/admin.md": answers["admin"],
        "docs/accounts.md": answers["auth"] != "none",
        "docs/realtime.md": answers["realtime"],
        "docs/celery.md": answers["background_tasks"] == "celery",
        "docs/pages.md": answers["frontend"] == "server",
        "docs/spa.md": answers["frontend"] == "spa",
        "docs/docker.md": answers["docker"],
        "docs/ci.md": answers["ci"] == "github",
        "docs/api.md": True,
    }
    for name, present in expected.items():
        assert (project / name).exists() == present, name
    for name in (".env", ".env.example", ".gitignore", ".pre-commit-config.yaml", "README.md"):
        assert (project / name).is_file(), name
    assert (project / ".python-version").read_text().strip() == answers["python_version"]
    readme = (project / "README.md").read_text()
    assert "uv sync" in readme
    if answers["frontend"] == "spa":
        assert "openapi-ts" in (project / "docs" / "spa.md").read_text()
        assert "CORS_ALLOWED_ORIGINS" in (project / ".env.example").read_text()
    if answers["docker"]:
        dockerfile = (project / "Dockerfile").read_text()
        assert "USER app" in dockerfile
        assert dockerfile.count("FROM ") == 2
        compose = (project / "compose.yaml").read_text()
        assert "postgres" in compose
        uses_redis = answers["realtime"] or answers["background_tasks"] == "celery"
        assert ("redis:" in compose) == uses_redis
        # `docker compose up db` serves a server run with uv, at .env.example's address.
        assert 'ports: ["127.0.0.1:5432:5432"]' in compose
    if answers["ci"] == "github":
        workflow = (project / ".github/workflows/ci.yml").read_text()
        steps = ("ruff check", "ruff format --check", "mypy", "alembic check", "pytest", "postgres")
        for step in steps:
            assert step in workflow


def _check_auth(server: Server) -> str:
    token = bearer_token(server, "admin", PASSWORD)
    bearer = {"Authorization": f"Bearer {token}"}
    status, _, me = server.request("GET", "/api/users/me", headers=bearer)
    assert (status, me["username"], me["is_staff"]) == (200, "admin", True)
    form = urllib.parse.urlencode({"username": "admin", "password": "wrong"}).encode()
    status, headers, _ = server.request(
        "POST", "/api/auth/token", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert (status, headers["www-authenticate"]) == (401, "Bearer")
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for path in ("/api/users/me", "/api/items", "/api/health"):
        status, headers, body = server.request(
            "GET", path, headers={"Authorization": f"Bearer {tampered}"}
        )
        assert (status, headers["www-authenticate"]) == (401, "Bearer"), path
        assert "detail" in body
    return token


def _check_items(server: Server, answers: dict[str, Any], token: str | None) -> None:
    if answers["auth"] != "none":
        status, headers, _ = server.json("POST", "/api/items", {"name": "x", "price": "1"})
        assert (status, headers["www-authenticate"]) == (401, "Bearer")
    else:
        assert server.request("POST", "/api/auth/token", b"")[0] == 404
        assert server.request("GET", "/api/users/me")[0] == 404
    status, headers, item = server.json(
        "POST", "/api/items", {"name": " Lamp ", "price": 19.9}, token
    )
    assert status == 201, item
    assert (item["name"], item["price"], item["description"], item["in_stock"]) == (
        "Lamp",
        "19.90",
        "",
        True,
    )
    assert item["owner"] == ("admin" if token else None)
    assert item["created_at"].endswith("Z")
    status, _, again = server.request("GET", urllib.parse.urlsplit(headers["location"]).path)
    assert (status, again) == (200, item)
    status, _, problems = server.json("POST", "/api/items", {"name": " ", "price": -1}, token)
    assert status == 422
    assert {tuple(p["loc"]) for p in problems["detail"]} == {("body", "name"), ("body", "price")}
    status, _, problems = server.json("PATCH", f"/api/items/{item['id']}", {"name": None}, token)
    assert (status, problems["detail"][0]["loc"]) == (422, ["body", "name"])
    status, _, page = server.request("GET", "/api/items?limit=101")
    assert (status, page["detail"][0]["loc"]) == (422, ["query", "limit"])
    assert server.request("GET", "/api/items/abc")[0] == 404
    status, _, page = server.request("GET", "/api/items?limit=1")
    assert (status, page["limit"], page["offset"], len(page["items"])) == (200, 1, 0, 1)


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
    _assert_files(project, answers)
    run(["uv", "sync"], project)
    suite = run_own_suite(project, request, started, **env)
    if "redis" in services:
        assert "skipped" not in suite, "the real-Redis tests must run when REDIS_URL is set"

    check_quality(project, mypy_cache / "fastapi")
    _serve_from_procfile(project, answers, services, tmp_path, env)


def _serve_from_procfile(
    project: Path,
    answers: dict[str, Any],
    services: set[str],
    tmp_path: Path,
    env: dict[str, str],
) -> None:
    commands = procfile(project)
    assert commands["release"] == "alembic upgrade head"
    assert "0.0.0.0:$PORT" in commands["web"]
    assert ("worker" in commands) == (answers["background_tasks"] == "celery")
    # Production settings: no .env DEBUG, the database of the services (or the project's SQLite).
    prod = {"DEBUG": "false", **env}
    if answers["frontend"] == "spa":
        # Another origin that may call the API (the app itself needs none).
        prod["CORS_ALLOWED_ORIGINS"] = "https://app.example.com"
    release = run(["uv", "run", "sh", "-c", commands["release"]], project, **prod)
    # alembic.ini's logging: each migration is announced.
    assert "Running upgrade  -> 0001" in release.stderr, release.stderr
    check = run(["uv", "run", "alembic", "check"], project, **prod)
    assert "No new upgrade operations detected" in check.stdout + check.stderr
    if answers["auth"] != "none" or answers["admin"]:
        manage = ["uv", "run", "python", "-m", _slug(answers)]
        run(
            [*manage, "createsuperuser", "--username", "admin", "--email", "admin@example.com"],
            project,
            SUPERUSER_PASSWORD=PASSWORD,
            **prod,
        )
    shared_events = not answers["realtime"] or "redis" in services
    workers = "3" if shared_events else "1"
    with serve_web(
        project, commands["web"], tmp_path / "web.log", WEB_CONCURRENCY=workers, **prod
    ) as server:
        token = _check_auth(server) if answers["auth"] != "none" else None
        _check_items(server, answers, token)
        status, _, schema = server.request("GET", "/api/openapi.json")
        assert status == 200
        assert {"/api/health", "/api/items", "/api/items/{item_id}"} <= set(schema["paths"])
        assert server.request("GET", "/api/docs")[0] == 200
        if answers["frontend"] == "server":
            status, _, page = server.request("GET", "/")
            assert (status, b"Lamp" in page) == (200, True)
        if answers["frontend"] == "spa":
            status, headers, _ = server.request(
                "OPTIONS",
                "/api/items",
                headers={
                    "Origin": "https://app.example.com",
                    "Access-Control-Request-Method": "POST",
                },
            )
            assert status == 200
            assert headers["access-control-allow-origin"] == "https://app.example.com"
        if answers["admin"]:
            status, _, page = server.request("GET", "/admin/login")
            assert (status, b'name="password"' in page) == (200, True)
        if answers["database"] == "sqlite" and "postgresql" not in services:
            check_concurrent_writes(server, token, count=40)
        if answers["realtime"]:
            client = run(
                ["uv", "run", "python", "-c", WS_CLIENT, str(server.port), token or ""], project
            )
            assert "ws ok" in client.stdout
        if answers["background_tasks"] == "celery" and "redis" in services:
            _check_worker(project, commands["worker"], server, token, tmp_path, prod)


def _check_worker(
    project: Path,
    command: str,
    server: Server,
    token: str | None,
    tmp_path: Path,
    env: dict[str, str],
) -> None:
    """The Procfile's worker runs the task an item creation queues, through the real Redis."""
    log = tmp_path / "worker.log"
    with run_process(project, command, log, **env) as proc:
        status, _, item = server.json("POST", "/api/items", {"name": "Queued", "price": 3}, token)
        assert status == 201
        deadline = time.monotonic() + 60
        while f"New item #{item['id']} 'Queued'" not in log.read_text():
            assert proc.poll() is None, log.read_text()[-4000:]
            assert time.monotonic() < deadline, f"the task never ran:\n{log.read_text()[-4000:]}"
            time.sleep(0.5)
