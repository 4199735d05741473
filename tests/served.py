"""Generated projects served for real: Procfile commands as processes, spoken to over loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import project_env, run
from tests.services import free_port


def procfile(project: Path) -> dict[str, str]:
    """The project's Procfile as {process type: command}."""
    lines = (project / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


class Server:
    """A web process on a loopback port, spoken to as the TLS-terminating proxy would."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.port = port
        self.headers = {"X-Forwarded-Proto": "https"}

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], Any]:
        request = urllib.request.Request(
            self.base + path, data=body, method=method, headers={**self.headers, **(headers or {})}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                status, response_headers = response.status, response.headers
        except urllib.error.HTTPError as error:
            raw, status, response_headers = error.read(), error.code, error.headers
        # Header names in lower case: uvicorn sends them so, gunicorn capitalised.
        lowered = {name.lower(): value for name, value in response_headers.items()}
        is_json = "json" in lowered.get("content-type", "")
        return status, lowered, json.loads(raw) if is_json and raw else raw

    def json(
        self, method: str, path: str, payload: object, token: str | None = None
    ) -> tuple[int, dict[str, str], Any]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.request(method, path, json.dumps(payload).encode(), headers)


@contextmanager
def run_process(
    project: Path, command: str, log: Path, **env: str
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a Procfile command in the project's environment; always stop its process group."""
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["uv", "run", "--no-sync", "sh", "-c", command],
            cwd=project,
            env=project_env(**env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


@contextmanager
def serve_web(project: Path, command: str, log: Path, **env: str) -> Iterator[Server]:
    """Start the Procfile's web command with PORT set and wait until it is healthy."""
    port = free_port()
    with run_process(project, command, log, PORT=str(port), **env) as proc:
        yield healthy(Server(port), proc, log)


def healthy(server: Server, proc: subprocess.Popen[bytes], log: Path) -> Server:
    """`server` once its health check answers that it and its database are up."""
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            pytest.fail(f"web exited {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            status, _, body = server.request("GET", "/api/health")
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            status, body = 0, None
        if status == 200:
            assert body == {"status": "ok", "database": "ok"}
            return server
        assert time.monotonic() < deadline, f"web never got healthy:\n{log.read_text()[-4000:]}"
        time.sleep(0.5)


def quick_start(project: Path) -> list[str]:
    """The commands of the README's "From clone to running server", as a user types them."""
    section = (project / "README.md").read_text().split("## From clone to running server\n")[1]
    lines = section.split("```console\n", 1)[1].split("\n```", 1)[0].splitlines()
    assert all(line.startswith("$ ") for line in lines), lines
    return [line.removeprefix("$ ") for line in lines]


@contextmanager
def follow_quick_start(project: Path, log: Path, **env: str) -> Iterator[Server]:
    """A fresh clone set up by the README's commands as typed, then its development server.

    `project` is the clone: no `.env`, no database, synced (the first two commands, `git
    clone` and `uv sync`). The server's command runs as written, on a free port rather than
    8000 and without reloading.
    """
    clone, sync, *setup, serve = quick_start(project)
    assert clone.startswith("git clone "), clone
    assert sync == "uv sync", sync
    for command in setup:
        run(["sh", "-c", command], project, **env)
    port = free_port()
    if serve.endswith(" runserver"):
        serve += f" 127.0.0.1:{port} --noreload"
    else:
        assert serve.startswith("uv run uvicorn "), serve
        assert serve.endswith(" --reload"), serve
        serve = serve.removesuffix(" --reload") + f" --host 127.0.0.1 --port {port}"
    server = Server(port)
    server.headers = {}  # spoken to as a browser is, over plain HTTP: no proxy in between
    with run_process(project, serve, log, **env) as proc:
        yield healthy(server, proc, log)


def wait_for_log(log: Path, text: str, timeout: float = 60) -> None:
    """Wait until a process's log shows `text`."""
    deadline = time.monotonic() + timeout
    while text not in log.read_text():
        assert time.monotonic() < deadline, f"{text!r} never logged:\n{log.read_text()[-4000:]}"
        time.sleep(0.5)


def bearer_token(server: Server, username: str, password: str) -> str:
    """Sign in through the contract's OAuth2 password flow."""
    form = urllib.parse.urlencode({"username": username, "password": password}).encode()
    status, _, body = server.request(
        "POST", "/api/auth/token", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 200, body
    assert body["token_type"] == "bearer"
    assert body["expires_in"] > 0
    return str(body["access_token"])


def check_concurrent_writes(server: Server, token: str | None, count: int = 32) -> None:
    """Many clients writing at once across several worker processes: every write lands."""
    status, _, before = server.request("GET", "/api/items?limit=1")
    assert status == 200

    def create(n: int) -> int:
        status, _, body = server.json("POST", "/api/items", {"name": f"c{n}", "price": n}, token)
        assert status == 201, body
        return status

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(create, range(count)))
    assert statuses == [201] * count
    _, _, after = server.request("GET", "/api/items?limit=1")
    assert after["total"] == before["total"] + count


#: Run inside a project (`python -c WS_CLIENT PORT TOKEN`): an item created through the API
#: arrives on /ws/items as the contract's "created" event.
WS_CLIENT = """
import asyncio, json, sys, urllib.request
import websockets

async def main(port, token):
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws/items") as ws:
        def create():
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/items",
                data=json.dumps({"name": "Live", "price": "2.50"}).encode(),
                headers={"Content-Type": "application/json", "X-Forwarded-Proto": "https",
                         **({"Authorization": f"Bearer {token}"} if token else {})},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        item = await asyncio.to_thread(create)
        message = json.loads(await asyncio.wait_for(ws.recv(), 20))
        assert message == {"event": "created", "item": item}, (message, item)
        print("ws ok")

asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
"""


def service_env(request: pytest.FixtureRequest, services: set[str]) -> dict[str, str]:
    """The environment naming the real servers a combination uses (a fresh database each)."""
    env: dict[str, str] = {}
    if "postgresql" in services:
        env["DATABASE_URL"] = request.getfixturevalue("postgres_database")
    if "redis" in services:
        env["REDIS_URL"] = request.getfixturevalue("redis_url")
    return env


def run_own_suite(project: Path, request: pytest.FixtureRequest, started: float, **env: str) -> str:
    """Run the generated project's own tests; record generate -> sync -> green; return output."""
    suite = run(["uv", "run", "pytest", "-q", "-p", "no:cacheprovider", "-rs"], project, **env)
    green = time.monotonic() - started
    print(f"\n{request.node.callspec.id}: generate -> sync -> green in {green:.1f} s")
    request.node.user_properties.append(("generate_sync_green_seconds", round(green, 1)))
    assert " passed" in suite.stdout
    assert " failed" not in suite.stdout
    return suite.stdout


def check_quality(project: Path, mypy_cache: Path, **env: str) -> None:
    """The generated project is lint-clean, formatted and type-clean as generated.

    mypy keeps its cache in `mypy_cache` (one folder per framework and test process, so never
    two runs at once), as a developer's machine keeps it from one run to the next: a cold run
    type-checks the dependencies too (about 20 s of CPU), a warm one mostly the project's own
    files (about 2 s). Its entries are checked against each file's hash, so another project's
    modules of the same name are checked again.
    """
    run(["uv", "run", "ruff", "check"], project)
    run(["uv", "run", "ruff", "format", "--check"], project)
    run(["uv", "run", "mypy"], project, MYPY_CACHE_DIR=str(mypy_cache), **env)
