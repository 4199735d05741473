"""template_hybrid renders Django plus a FastAPI API that are green together.

The hybrid is the Django template's project plus `<slug>/api/` and an ASGI composition:
its shared files are symlinks into template_django. Each combination is rendered with
pytest-copie, synced with uv and checked inside the project (its own suite, ruff, mypy,
`check --deploy`); the Procfile's `release` and `web` commands then serve it over loopback
HTTP. PostgreSQL and Redis are real servers started by the fixtures in conftest.py.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, run
from tests.served import (
    WS_CLIENT,
    Server,
    bearer_token,
    check_concurrent_writes,
    check_quality,
    procfile,
    run_own_suite,
    serve_web,
    service_env,
)
from tests.test_template_django import MANAGE, SLUG, _assert_no_jinja, _check_writes

TEMPLATE = ROOT / "template_hybrid"

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
        "api-only-spa-no-accounts",
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
        "tokens-admin-websockets-in-process",
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
        "sessions-pages-celery-sqlite",
        {
            "admin": True,
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

#: What the Django project uses and the hybrid replaces: FastAPI serves the API, the ASGI
#: composition the websocket and the static files.
DJANGO_ONLY_LIBRARIES = ("rest_framework", "drf_spectacular", "channels", "whitenoise")


def _render(copie: Any, answers: dict[str, Any]) -> Path:
    result = copie.copy(
        extra_answers={"framework": "hybrid", "project_name": "Acme Shop", **answers},
        vcs_ref="HEAD",
    )
    assert result.exit_code == 0, result.exception
    project: Path = result.project_dir
    assert (project / SLUG / "api").is_dir()
    return project


def test_shared_files_are_links_into_the_django_template() -> None:
    links = [path for path in TEMPLATE.rglob("*") if path.is_symlink()]
    assert len(links) > 30
    for link in links:
        target = link.resolve()
        assert target.exists(), f"{link} dangles"
        assert not Path(str(link.readlink())).is_absolute(), f"{link} is absolute"
        assert target.is_relative_to(ROOT / "template_django") or target.is_relative_to(
            ROOT / "common"
        ), f"{link} points outside template_django and common/"


def test_the_hybrid_is_the_django_project_plus_files(copie: Any) -> None:
    """A Django project grows into the hybrid by adding files: its own stay where they are."""
    answers = dict(COMBINATIONS[0][1])
    hybrid = _render(copie, answers)
    django = copie.copy(
        extra_answers={"framework": "django", "project_name": "Acme Shop", **answers},
        vcs_ref="HEAD",
    ).project_dir

    def files(project: Path) -> set[str]:
        return {str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()}

    for name in files(django) - files(hybrid):
        if name.endswith(("/tests/test_apis.py", "/core/tests/test_production.py")):
            continue  # Tests of the DRF API and its docs: <slug>/api/tests/ test FastAPI's instead.
        text = (django / name).read_text()
        # DRF's views and their URLs, Channels' consumers and their routes.
        markers = (*DJANGO_ONLY_LIBRARIES, "from .apis import", "from .consumers import")
        assert any(marker in text for marker in markers), f"hybrid lacks {name}"
    for path in hybrid.rglob("*.py"):
        text = path.read_text()
        for library in DJANGO_ONLY_LIBRARIES:
            assert f"import {library}" not in text, f"{path.name} imports {library}"
            assert f"from {library}" not in text, f"{path.name} imports {library}"
    added = files(hybrid) - files(django)
    assert f"{SLUG}/api/app.py" in added
    assert f"{SLUG}/api/lifecycle.py" in added
    pyproject = (hybrid / "pyproject.toml").read_text()
    for package in ("djangorestframework", "drf-spectacular", "channels", "whitenoise"):
        assert f'"{package}' not in pyproject, package
    assert '"fastapi>=' in pyproject
    assert "config.asgi:application" in (hybrid / "Procfile").read_text()


def test_awkward_names_render_clean_python(copie: Any) -> None:
    """Quotes and backslashes in the names, and a package name of the longest allowed length."""
    slug = "a" * 60 + "_api"
    result = copie.copy(
        extra_answers={
            "framework": "hybrid",
            "project_name": 'Tom\'s "Quoted" \\ Shop',
            "project_slug": slug,
            "description": 'It\'s a "test" \\ here',
            "realtime": True,
            "frontend": "spa",
        },
        vcs_ref="HEAD",
    )
    assert result.exit_code == 0, result.exception
    own = ["config/asgi.py", f"{slug}/api", f"{slug}/items/events.py"]  # the hybrid's files
    for command in (["check", "--no-cache", *own], ["format", "--no-cache", "--check", *own]):
        proc = subprocess.run(
            [sys.executable, "-m", "ruff", *command],
            cwd=result.project_dir,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr


#: Split mode: a websocket client of one process hears an item created through another.
SPLIT_WS_CLIENT = """
import asyncio, json, sys, urllib.request
import websockets

async def main(listen_port, write_port, token):
    async with websockets.connect(f"ws://127.0.0.1:{listen_port}/ws/items") as ws:
        def create():
            request = urllib.request.Request(
                f"http://127.0.0.1:{write_port}/api/items",
                data=json.dumps({"name": "Split", "price": "3.00"}).encode(),
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}",
                         "X-Forwarded-Proto": "https"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        item = await asyncio.to_thread(create)
        message = json.loads(await asyncio.wait_for(ws.recv(), 20))
        assert message == {"event": "created", "item": item}, (message, item)
        print("split ok")

asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]))
"""


def _check_hybrid_pages(server: Server, answers: dict[str, Any]) -> None:
    """Django's half answers beside the API, and /static serves collectstatic's output."""
    status, _, body = server.request("GET", "/api/items/not-a-number")
    assert (status, body) == (404, {"detail": "Item not found."})
    status, _, body = server.request("GET", "/api/items/")
    assert status == 404, "a trailing slash is never redirected"
    if answers["admin"]:
        status, _, page = server.request("GET", "/admin/login/")
        assert (status, b"csrfmiddlewaretoken" in page) == (200, True)
        status, headers, stylesheet = server.request("GET", "/static/admin/css/base.css")
        assert (status, headers["content-type"].startswith("text/css")) == (200, True)
        assert b"body" in stylesheet
    if answers["frontend"] == "server":
        status, _, page = server.request("GET", "/")
        assert (status, b"Lamp" in page) == (200, True)
        assert server.request("GET", "/static/js/htmx.min.js")[0] == 200


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
    run(["uv", "sync"], project)
    suite = run_own_suite(project, request, started, **env)
    assert "skipped" not in suite

    check_quality(project, mypy_cache / "hybrid")
    run([*MANAGE, "check", "--deploy", "--fail-level", "WARNING"], project, DEBUG="false", **env)
    _serve_from_procfile(project, answers, services, tmp_path, env)


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
    assert "config.asgi:application" in commands["web"]
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
    # Without Redis, websocket events stay in one process: gunicorn then runs one worker.
    workers = {} if answers["realtime"] and "redis" not in services else {"WEB_CONCURRENCY": "3"}
    with serve_web(project, commands["web"], tmp_path / "web.log", **workers, **prod) as server:
        if answers["auth"] != "none":
            token = bearer_token(server, "admin", "admin-secret-1")
            status, _, me = server.request(
                "GET", "/api/users/me", headers={"Authorization": f"Bearer {token}"}
            )
            assert (status, me["username"], me["is_staff"]) == (200, "admin", True)
        else:
            assert server.request("GET", "/api/users/me")[0] == 404
        _check_writes(server, answers, token)
        status, _, schema = server.request("GET", "/api/openapi.json")
        assert status == 200
        assert {"/api/health", "/api/items", "/api/items/{item_id}"} <= set(schema["paths"])
        assert server.request("GET", "/api/docs")[0] == 200
        _check_hybrid_pages(server, answers)
        if answers["database"] == "sqlite":
            check_concurrent_writes(server, token)
        if answers["realtime"]:
            client = run(
                ["uv", "run", "python", "-c", WS_CLIENT, str(server.port), token or ""], project
            )
            assert "ws ok" in client.stdout
        if "redis" in services and answers["realtime"] and token:
            _check_split_mode(project, commands["web"], tmp_path, server, token, prod)


def _check_split_mode(
    project: Path, web: str, tmp_path: Path, api: Server, token: str, prod: dict[str, str]
) -> None:
    """README's split mode: a second process on the same database and Redis as the first."""
    with serve_web(project, web, tmp_path / "admin-web.log", WEB_CONCURRENCY="1", **prod) as admin:
        assert admin.request("GET", "/admin/login/")[0] == 200
        status, _, body = api.request("GET", "/api/items?limit=1")
        assert status == 200
        assert admin.request("GET", "/api/items?limit=1")[2]["total"] == body["total"]
        client = run(
            ["uv", "run", "python", "-c", SPLIT_WS_CLIENT, str(admin.port), str(api.port), token],
            project,
        )
        assert "split ok" in client.stdout
