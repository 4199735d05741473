"""One served project per framework and database, shared by every outside-in test.

The browser, fuzz, security and HTTP tests all need the same thing: a project rendered with
every option on, synced with uv, its Procfile's `release` run and its `web` process serving
loopback HTTP in production mode (`DEBUG=false`), with a staff user signed in. Rendering and
syncing take most of a minute per framework, so each (framework, database) pair is served
once per test session and handed to every test that asks for it through the `served`
fixture in conftest.py:

    def test_something(served: ServedFactory) -> None:
        project = served("fastapi", "sqlite")
        status, _, body = project.server.request("GET", "/api/items")

Tests must leave a served project usable by the next one: create what they need (items,
users), never delete what they did not create, and never stop its servers. Tests that break
servers on purpose (fault tests) start projects and servers of their own.
"""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from generator.matrix import FRAMEWORKS
from tests.conftest import ROOT, run
from tests.served import Server, bearer_token, procfile, quick_start, serve_web

USERNAME = "admin"
PASSWORD = "violet-kettle-93"  # unlike the username: FastAPI refuses similar passwords
EMAIL = "admin@example.com"

#: Every option that changes what is served, on: admin, websockets, sessions and tokens,
#: server pages. Celery is left out: its worker is a separate process no HTTP test needs.
ANSWERS: dict[str, Any] = {
    "project_name": "Acme Outside",
    "project_slug": "acme_outside",
    "admin": True,
    "realtime": True,
    "auth": "both",
    "frontend": "server",
    "background_tasks": "none",
    "docker": False,
    "ci": "none",
    "python_version": "3.12",
}


@dataclass
class ServedProject:
    """A generated project, served from its Procfile, and a staff user's bearer token."""

    framework: str
    database: str
    answers: dict[str, Any]
    project: Path
    server: Server
    env: dict[str, str]
    token: str
    log: Path
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def bearer(self) -> dict[str, str]:
        """The Authorization header of the staff user."""
        return {"Authorization": f"Bearer {self.token}"}

    def manage(self) -> list[str]:
        """The command line that runs the project's management commands."""
        if self.framework == "fastapi":
            return ["uv", "run", "python", "-m", self.answers["project_slug"]]
        return ["uv", "run", "python", "manage.py"]


ServedFactory = Callable[[str, str], ServedProject]


def render_project(dest: Path, answers: dict[str, Any]) -> Path:
    """Render this checkout (uncommitted changes included) in-process with copier."""
    import copier

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier.run_copy(
            str(ROOT), dest, data=answers, vcs_ref="HEAD", defaults=True, quiet=True, unsafe=False
        )
    return dest


def create_superuser(project: Path, framework: str, slug: str, env: dict[str, str]) -> None:
    """Create the staff user the contract's way for each framework."""
    if framework == "fastapi":
        command = ["uv", "run", "python", "-m", slug, "createsuperuser"]
        password = {"SUPERUSER_PASSWORD": PASSWORD}
    else:
        command = ["uv", "run", "python", "manage.py", "createsuperuser", "--noinput"]
        password = {"DJANGO_SUPERUSER_PASSWORD": PASSWORD}
    run([*command, "--username", USERNAME, "--email", EMAIL], project, **password, **env)


def start(
    stack: ExitStack,
    workdir: Path,
    framework: str,
    database: str,
    env: dict[str, str],
    answers: dict[str, Any] | None = None,
) -> ServedProject:
    """Render, sync, release and serve one project; `stack` stops it."""
    answers = {**ANSWERS, "framework": framework, "database": database, **(answers or {})}
    project = render_project(workdir / "project", answers)
    run(["uv", "sync"], project)
    commands = procfile(project)
    # Set up as a fresh clone is (the README's `.env`, made from `.env.example`), with
    # production's settings in the environment, which wins; the web process's default workers.
    (project / ".env").unlink()
    run(["sh", "-c", quick_start(project)[2]], project)
    prod = {"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50), **env}
    run(["uv", "run", "--no-sync", "sh", "-c", commands["release"]], project, **prod)
    create_superuser(project, framework, answers["project_slug"], prod)
    log = workdir / "web.log"
    server = stack.enter_context(serve_web(project, commands["web"], log, **prod))
    token = bearer_token(server, USERNAME, PASSWORD)
    return ServedProject(framework, database, answers, project, server, prod, token, log)


def served_factory(
    stack: ExitStack,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> ServedFactory:
    """Serve each (framework, database) pair once, on first use; PostgreSQL comes with Redis."""
    cache: dict[tuple[str, str], ServedProject] = {}

    def serve(framework: str, database: str = "sqlite") -> ServedProject:
        assert framework in FRAMEWORKS, framework
        assert database in ("sqlite", "postgresql"), database
        key = (framework, database)
        if key not in cache:
            env: dict[str, str] = {}
            if database == "postgresql":
                from tests.services import create_database

                admin_url = request.getfixturevalue("postgres_url")
                env["DATABASE_URL"] = create_database(admin_url, f"outside_{framework}")
                # A Redis database of its own, so no two projects share a channel layer.
                redis_url = request.getfixturevalue("redis_url").rpartition("/")[0]
                env["REDIS_URL"] = f"{redis_url}/{1 + FRAMEWORKS.index(framework)}"
            workdir = tmp_path_factory.mktemp(f"served-{framework}-{database}")
            cache[key] = start(stack, workdir, framework, database, env)
        return cache[key]

    return serve


def add_staff_user(served: ServedProject, username: str, password: str) -> None:
    """Another staff user, made the contract's way (tests change its password, not admin's)."""
    command = [*served.manage(), "createsuperuser", "--username", username]
    command += ["--email", f"{username}@example.com"]
    if served.framework != "fastapi":
        command.insert(len(served.manage()) + 1, "--noinput")
    key = "SUPERUSER_PASSWORD" if served.framework == "fastapi" else "DJANGO_SUPERUSER_PASSWORD"
    run(command, served.project, **{**served.env, key: password})


#: Run inside a FastAPI project (`python -c SET_PASSWORD_FASTAPI SLUG USERNAME PASSWORD`).
SET_PASSWORD_FASTAPI = """
import asyncio, importlib, sys
from sqlalchemy import update

slug, username, password = sys.argv[1:]
db = importlib.import_module(f"{slug}.db")
security = importlib.import_module(f"{slug}.security")
User = importlib.import_module(f"{slug}.users.models").User

async def main():
    async with db.SessionMaker() as session:
        hashed = security.hash_password(password)
        query = update(User).where(User.username == username).values(hashed_password=hashed)
        assert (await session.execute(query)).rowcount == 1
        await session.commit()
    await db.engine.dispose()

asyncio.run(main())
"""

#: Run by `manage.py shell -c` with USERNAME and PASSWORD in the environment.
SET_PASSWORD_DJANGO = (
    "import os; from django.contrib.auth import get_user_model; "
    "user = get_user_model().objects.get(username=os.environ['USERNAME']); "
    "user.set_password(os.environ['PASSWORD']); user.save()"
)


def run_user_script(
    served: ServedProject, scripts: tuple[str, str], username: str, password: str
) -> None:
    """Run (FastAPI script, Django shell line) on one user, with the project's own code."""
    fastapi_script, django_line = scripts
    if served.framework == "fastapi":
        slug = served.answers["project_slug"]
        command = ["uv", "run", "python", "-c", fastapi_script, slug, username, password]
        run(command, served.project, **served.env)
    else:
        command = [*served.manage(), "shell", "-c", django_line]
        run(command, served.project, **{**served.env, "USERNAME": username, "PASSWORD": password})


def set_password(served: ServedProject, username: str, password: str) -> None:
    """Change a user's password from outside the web process, as an operator would."""
    run_user_script(served, (SET_PASSWORD_FASTAPI, SET_PASSWORD_DJANGO), username, password)


#: Run inside a FastAPI project (`python -c ADD_USER_FASTAPI SLUG USERNAME PASSWORD`).
ADD_USER_FASTAPI = """
import asyncio, importlib, sys

slug, username, password = sys.argv[1:]
db = importlib.import_module(f"{slug}.db")
service = importlib.import_module(f"{slug}.users.service")

async def main():
    async with db.SessionMaker() as session:
        await service.user_create(
            session, username=username, email=f"{username}@example.com", password=password
        )
    await db.engine.dispose()

asyncio.run(main())
"""

#: Run by `manage.py shell -c` with USERNAME and PASSWORD in the environment.
ADD_USER_DJANGO = (
    "import os; from django.contrib.auth import get_user_model; "
    "get_user_model().objects.create_user(os.environ['USERNAME'], "
    "f\"{os.environ['USERNAME']}@example.com\", os.environ['PASSWORD'])"
)


def add_user(served: ServedProject, username: str, password: str) -> None:
    """A user who is not staff, made through the project's own code (owns only their items)."""
    run_user_script(served, (ADD_USER_FASTAPI, ADD_USER_DJANGO), username, password)
