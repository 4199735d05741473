"""Outages of the database and of Redis under a served project, as an operator would cause them.

For each framework, a project with websockets, Celery, PostgreSQL and Redis is served from its
Procfile (`web` with two workers and `worker`, DEBUG=false) against a PostgreSQL and a Redis of
its own, which the test stops and starts under it (the session's shared servers are never
touched). The rule every generated project follows (its guides: `docs/operations.md`, with the
details in `docs/realtime.md` and `docs/celery.md`):

- Redis down: a write answers 201 as fast as usual; its websocket event and its Celery task
  are logged as dropped, never delivered late; once Redis is back, events and tasks flow
  again without a restart, and websocket clients that reconnect hear every change.
- Redis closing its clients' connections while it stays up (what a restart leaves behind in
  every connection pool): the next writes' events and tasks are all delivered, none dropped.
- PostgreSQL down: `/api/health` answers 503 within 2 s and other endpoints 503 with a
  `detail`; once it is back, every worker serves again within 10 s, without a restart.
"""

from __future__ import annotations

import json
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

from generator.services import _as_postgres_user, postgres_bin
from tests.outside import FRAMEWORKS, ServedProject, start
from tests.served import procfile, run_process, wait_for_log
from tests.services import create_database, postgres_server, redis_server, wait_for_port

#: The answers the fault tests add to the outside-in ones: a Celery worker beside the web.
ANSWERS = {"background_tasks": "celery"}
#: How fast a request must be answered during an outage, and full service must return after.
FAST = 2.0
RECOVERY = 10.0

#: Run inside a project (`python -c LISTENER PORT`): a websocket client of /ws/items that
#: reconnects by itself, printing "open" on each connection and every message it receives.
LISTENER = """
import asyncio, sys
import websockets

async def main(port):
    while True:
        try:
            async with websockets.connect(f"ws://127.0.0.1:{port}/ws/items", open_timeout=2) as ws:
                print("open", flush=True)
                async for raw in ws:
                    print(raw, flush=True)
        except Exception as exc:
            print("closed", type(exc).__name__, flush=True)
        await asyncio.sleep(0.5)

asyncio.run(main(int(sys.argv[1])))
"""


class Postgres:
    """A private PostgreSQL cluster that can be stopped and started again on its port."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.port = int(url.rpartition("/")[0].rsplit(":", 1)[1])
        self.run_as = _as_postgres_user()
        shown = subprocess.run(
            [
                *(postgres_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port)),
                *("-U", "stackpick", "-Atc", "SHOW data_directory", "postgres"),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        self.data = Path(shown.stdout.strip())

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(
            [postgres_bin("pg_ctl"), "-D", str(self.data), *args],
            check=True,
            capture_output=True,
            user=self.run_as.get("user"),
            group=self.run_as.get("group"),
        )

    def stop(self) -> None:
        """Stop the server; the clients' connections are cut ("fast" shutdown)."""
        self._pg_ctl("-m", "fast", "-w", "stop")

    def start(self) -> None:
        """Start the server again on the same port and wait until it accepts connections."""
        options = f"-h 127.0.0.1 -p {self.port} -k {self.data.parent} -c fsync=off"
        log = str(self.data.parent / "postgres.log")
        self._pg_ctl("-l", log, "-w", "-o", f"{options} -c max_connections=200", "start")
        wait_for_port(self.port)


class Redis:
    """A private Redis that can be stopped and started again on its port."""

    def __init__(self, url: str, workdir: Path) -> None:
        self.url = url
        self.port = int(url.rpartition("/")[0].rsplit(":", 1)[1])
        self.workdir = workdir
        self.restarted: subprocess.Popen[bytes] | None = None

    def kill_connections(self) -> None:
        """Close every client's connection except the pub/sub subscribers'."""
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "client", "kill", "type", "normal"],
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        """Shut the server down (connections are cut)."""
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "shutdown", "nosave"],
            check=False,
            capture_output=True,
        )
        if self.restarted is not None:
            self.restarted.wait(timeout=10)
            self.restarted = None
        deadline = time.monotonic() + 10
        while _listening(self.port):
            assert time.monotonic() < deadline, "Redis did not stop"
            time.sleep(0.05)

    def start(self) -> None:
        """Start a server again on the same port."""
        binary = shutil.which("redis-server")
        assert binary is not None
        self.restarted = subprocess.Popen(
            [
                *(binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
                *("--appendonly", "no", "--dir", str(self.workdir)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def close(self) -> None:
        """Stop a server this object started."""
        if self.restarted is not None:
            self.restarted.terminate()
            self.restarted.wait(timeout=10)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def redis_control(workdir: Path) -> Iterator[Redis]:
    """A private Redis server that the test may stop and start."""
    with redis_server(workdir) as url:
        redis = Redis(url, workdir)
        try:
            yield redis
        finally:
            redis.close()


def timed(call: Callable[[], tuple[int, dict[str, str], Any]]) -> tuple[int, Any, float]:
    """Status, body and seconds of one request."""
    began = time.monotonic()
    status, _, body = call()
    return status, body, time.monotonic() - began


def heard(listener: Path) -> set[int]:
    """The ids of the items whose websocket events the listener printed so far."""
    lines = listener.read_text().splitlines()
    return {json.loads(line)["item"]["id"] for line in lines if line.startswith("{")}


def wait_until(check: Callable[[], bool], timeout: float, what: str, *logs: Path) -> float:
    """Seconds until `check()` holds; fail with the logs' tails after `timeout`."""
    began = time.monotonic()
    while not check():
        tails = "\n".join(f"--- {log.name}\n{log.read_text()[-4000:]}" for log in logs)
        assert time.monotonic() - began < timeout, f"{what}:\n{tails}"
        time.sleep(0.2)
    return time.monotonic() - began


def create(project: ServedProject, name: str) -> tuple[int, Any, float]:
    """POST /api/items as the staff user."""
    item = {"name": name, "price": "1.00"}
    return timed(lambda: project.server.json("POST", "/api/items", item, project.token))


def check_every_write_delivered(
    project: ServedProject, prefix: str, listener: Path, worker_log: Path, when: str
) -> None:
    """Four writes: each one's websocket event reaches the listener and its task the worker."""
    names = [f"{prefix}-{n}" for n in range(4)]
    ids = {create(project, name)[1]["id"] for name in names}
    wait_until(
        lambda: ids <= heard(listener),
        RECOVERY,
        f"a websocket event was dropped {when}",
        listener,
        project.log,
    )
    wait_until(
        lambda: all(name in worker_log.read_text() for name in names),
        RECOVERY,
        f"a task queued {when} never ran",
        worker_log,
        project.log,
    )


def check_redis_outage(
    project: ServedProject,
    redis: Redis,
    listener: Path,
    worker_log: Path,
    timings: dict[str, float],
) -> None:
    """Writes succeed fast without Redis; their event and task are logged as dropped."""
    # In service first (both web workers): every write's event reaches the client and its
    # task the worker.
    before = []
    for n in range(4):
        status, body, _ = create(project, f"before-outage-{n}")
        assert status == 201, body
        before.append(body["id"])
    wait_until(
        lambda: set(before) <= heard(listener),
        RECOVERY,
        "websocket events missing before the outage",
        listener,
    )
    wait_for_log(worker_log, "before-outage-3", timeout=RECOVERY)

    # Redis closes every client connection but the relays' subscriptions (as a restart
    # does, without the outage): each web worker's next write still publishes its event.
    redis.kill_connections()
    check_every_write_delivered(
        project, "connections-closed", listener, worker_log, "after Redis closed the connections"
    )

    redis.stop()
    during, seconds = [], []
    for n in range(4):  # Several, so both web workers meet the outage.
        status, body, took = create(project, f"during-outage-{n}")
        assert status == 201, body
        during.append(body["id"])
        seconds.append(round(took, 2))
    timings["write_without_redis_s"] = max(seconds)
    assert max(seconds) < FAST, f"writes took {seconds} s with Redis down"
    status, _, body = project.server.request("GET", f"/api/items/{during[0]}")
    assert status == 200, body
    log = project.log.read_text()
    for item_id in during:
        assert f"websocket event created of item {item_id} dropped" in log, log[-6000:]
        assert f"task of item {item_id} dropped" in log, log[-6000:]

    redis.start()
    began = time.monotonic()
    after: list[int] = []

    def event_arrived() -> bool:
        status, body, _ = create(project, f"after-outage-{len(after)}")
        assert status == 201, body
        after.append(body["id"])
        time.sleep(0.5)
        return bool(heard(listener) & set(after))

    wait_until(
        event_arrived, RECOVERY, "no websocket event after Redis came back", listener, project.log
    )
    # Every worker publishes again: each of the next writes reaches the client.
    check_every_write_delivered(
        project, "after-outage-more", listener, worker_log, "after Redis came back"
    )
    timings["events_and_tasks_back_after_redis_s"] = round(time.monotonic() - began, 2)
    assert not heard(listener) & set(during), "an event logged as dropped was delivered"
    assert "during-outage" not in worker_log.read_text(), "a task logged as dropped was run"


def check_database_outage(
    project: ServedProject, postgres: Postgres, timings: dict[str, float]
) -> None:
    """Every endpoint answers 503 fast without the database; service returns by itself."""
    postgres.stop()
    server, seconds = project.server, []
    for _ in range(3):  # Several, so both web workers meet the outage.
        status, body, took = timed(lambda: server.request("GET", "/api/health"))
        assert status == 503, body
        assert (body["status"], body["database"]) == ("error", "error")
        assert body["detail"]
        seconds.append(round(took, 2))
        status, body, took = timed(lambda: server.request("GET", "/api/items"))
        assert status == 503, body
        assert body["detail"]
        seconds.append(round(took, 2))
        status, body, took = create(project, "no-database")
        assert status == 503, body
        assert body["detail"]
        seconds.append(round(took, 2))
    timings["answer_without_database_s"] = max(seconds)
    assert max(seconds) < FAST, f"requests took {seconds} s with PostgreSQL down"

    postgres.start()
    streak = 0

    def served() -> bool:
        nonlocal streak
        ok = (
            server.request("GET", "/api/health")[0] == 200
            and server.request("GET", "/api/items")[0] == 200
            and create(project, "database-back")[0] == 201
        )
        streak = streak + 1 if ok else 0
        return streak >= 6  # Six rounds in a row: every worker serves again.

    seconds = wait_until(
        served, RECOVERY, "no full service after PostgreSQL came back", project.log
    )
    timings["full_service_after_database_s"] = round(seconds, 2)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_outages(
    framework: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> None:
    """Redis, then PostgreSQL, stopped and started under a served project."""
    workdir = tmp_path_factory.mktemp(f"faults-{framework}")
    timings: dict[str, float] = {}
    with ExitStack() as stack:
        postgres = Postgres(stack.enter_context(postgres_server()))
        redis = stack.enter_context(redis_control(workdir))
        env = {"DATABASE_URL": create_database(postgres.url, "faults"), "REDIS_URL": redis.url}
        project = start(stack, workdir, framework, "postgresql", env, ANSWERS)
        worker_log = workdir / "worker.log"
        worker = procfile(project.project)["worker"]
        stack.enter_context(run_process(project.project, worker, worker_log, **project.env))
        wait_for_log(worker_log, "ready.")
        listener = workdir / "listener.log"
        script = f"python -c {shlex.quote(LISTENER)} {project.server.port}"
        stack.enter_context(run_process(project.project, script, listener))
        wait_for_log(listener, "open", timeout=20)

        check_redis_outage(project, redis, listener, worker_log, timings)
        check_database_outage(project, postgres, timings)
    print(f"\n{framework}: {timings}", file=sys.stderr)
    request.node.user_properties.extend(timings.items())
