"""Load benchmark of the generated projects: Django, FastAPI and the hybrid under wrk.

    uv run python bench/load.py [--rounds 3] [--duration 10] [--warmup 2] [--connections 64]
        [--frameworks django fastapi hybrid] [--databases sqlite postgresql] [--floor]

Renders the three frameworks with the same answers (admin, sessions and tokens, SPA, no
websockets), starts each from its Procfile (`release`, then `web` with its default workers,
`DEBUG=false`) on SQLite and on a real PostgreSQL server started on 127.0.0.1, seeds 100
items through the API, and drives `GET /api/items?limit=20`, `GET /api/items/{id}` and
`POST /api/items` with wrk (Debian's `wrk`: a C load generator whose own cost stays small
next to the servers'). Rounds are interleaved: in each, for each database and endpoint, the
servers run back to back, and which goes first turns with the rounds. The table shows
medians of the rounds: requests per second, p50 and p99 latency, the ratio to Django on the
same database and endpoint (each round's, of runs at most tens of seconds apart: the machine
drifts over minutes) with the lowest and the highest round's, and the CPU time (user and
system) the server's own processes spent a request, and on PostgreSQL the database server's
(its postmaster and the processes it started; SQLite runs inside the server's processes, so
its time is in the server's). The load generator and the kernel's network work share the
same cores, and req/s counts their time too. After the `POST` runs the items they created
are deleted (and PostgreSQL's table vacuumed), so every read sees the same 100 items: a
faster POST would otherwise leave its framework more rows to count in the next round's list.
Any non-2xx answer or socket error fails the run (exit 1), after the table, which counts
them. All servers run at once but only one is under load at a time; each measured run
follows an unmeasured one of `--warmup` seconds on the same server and endpoint (a server
left idle while the others ran served its first seconds slower).

`--floor` adds the two reads served by `bench/floor_app.py` on the FastAPI project's
database, with its server and driver but no framework: what this machine's server, driver,
database, load generator and kernel cost a request, below which no project can go.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import warnings
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.matrix import FRAMEWORKS  # noqa: E402
from generator.services import (  # noqa: E402
    create_database,
    free_port,
    postgres_bin,
    postgres_server,
    project_env,
)

DATABASES = ("sqlite", "postgresql")
PASSWORD = "wrk-load-Secret-93"
ANSWERS: dict[str, Any] = {
    "project_name": "Bench Shop",
    "project_slug": "bench_shop",
    "admin": True,
    "realtime": False,
    "auth": "both",
    "frontend": "spa",
    "background_tasks": "none",
    "docker": False,
    "ci": "none",
    "python_version": "3.12",
}
#: A TLS-terminating proxy's header: production mode redirects plain HTTP otherwise.
PROXY = {"X-Forwarded-Proto": "https"}

LUA_READ_ONE = """
math.randomseed(%(seed)d)
request = function()
  return wrk.format("GET", "/api/items/" .. math.random(%(first)d, %(last)d))
end
"""
LUA_CREATE = """
wrk.method = "POST"
wrk.body = '{"name": "Bench", "price": "9.99"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"
"""


def sh(cmd: list[str], cwd: Path, **env: str) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=project_env(**env), capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"bench: {' '.join(cmd)} failed in {cwd}:\n{proc.stderr[-4000:]}")
    return proc.stdout


def http(base: str, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Any:
    request = urllib.request.Request(
        base + path, data=body, method=method, headers={**PROXY, **headers}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def render(framework: str, dest: Path) -> Path:
    import copier

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier.run_copy(
            str(ROOT),
            dest,
            data={**ANSWERS, "framework": framework},
            vcs_ref="HEAD",
            defaults=True,
            quiet=True,
        )
    sh(["uv", "sync", "--no-dev"], dest)
    return dest


@contextmanager
def serve(project: Path, framework: str, env: dict[str, str], log: Path) -> Any:
    """Release, create the staff user, start `web`; yield (base URL, token, item ids, pid).

    The web process starts a session of its own, whose id is `pid` (see cpu_seconds).
    """
    procfile = dict(
        line.split(": ", 1) for line in (project / "Procfile").read_text().splitlines() if line
    )
    prod = {"DEBUG": "false", **env}
    sh(["uv", "run", "--no-sync", "sh", "-c", procfile["release"]], project, **prod)
    if framework == "fastapi":
        manage = ["uv", "run", "--no-sync", "python", "-m", ANSWERS["project_slug"]]
        secret = {"SUPERUSER_PASSWORD": PASSWORD}
    else:
        manage = ["uv", "run", "--no-sync", "python", "manage.py"]
        secret = {"DJANGO_SUPERUSER_PASSWORD": PASSWORD}
    user = ["createsuperuser", "--username", "bench", "--email", "bench@example.com"]
    if framework != "fastapi":
        user.append("--noinput")
    sh([*manage, *user], project, **secret, **prod)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = ["uv", "run", "--no-sync", "sh", "-c", procfile["web"]]
    env = project_env(PORT=str(port), **prod)
    with started(web, project, env, log, base + "/api/health", framework) as pid:
        form = urllib.parse.urlencode({"username": "bench", "password": PASSWORD}).encode()
        token = http(
            base,
            "POST",
            "/api/auth/token",
            form,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )["access_token"]
        ids = []
        for n in range(100):
            body = json.dumps({"name": f"Item {n}", "price": f"{n}.50"}).encode()
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
            ids.append(http(base, "POST", "/api/items", body, headers)["id"])
        yield base, token, ids, pid


@contextmanager
def started(
    command: list[str], project: Path, env: dict[str, str], log: Path, probe: str, name: str
) -> Any:
    """Run `command` in `project`, in a session of its own, its output to `log`; yield its
    pid once `probe` (a URL) answers, and stop the session's processes afterwards."""
    with log.open("w") as out:
        proc = subprocess.Popen(
            command,
            cwd=project,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                http(probe, "GET", "", None, {})
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"bench: {name} never answered:\n{log.read_text()}") from None
                time.sleep(0.3)
        yield proc.pid
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


@contextmanager
def serve_floor(project: Path, env: dict[str, str], log: Path) -> Any:
    """Serve bench/floor_app.py from the FastAPI `project`'s environment; yield (base, pid)."""
    port = free_port()
    database = env if "DATABASE_URL" in env else {"SQLITE_PATH": str(project / "db.sqlite3")}
    command = ["uv", "run", "--no-sync", "gunicorn", "floor_app:app"]
    command += ["--chdir", str(Path(__file__).parent), "--access-logfile", "-"]
    command += ["--workers", str(os.cpu_count()), "--worker-class", "uvicorn_worker.UvicornWorker"]
    command += ["--bind", f"127.0.0.1:{port}"]
    base = f"http://127.0.0.1:{port}"
    probe = base + "/api/items?limit=1"
    with started(command, project, project_env(**database), log, probe, "the floor") as pid:
        yield base, pid


def keep_seeded(framework: str, project: Path, env: dict[str, str], last: int) -> None:
    """Delete the items after the seeded ones (ids above `last`); vacuum on PostgreSQL."""
    table = "items" if framework == "fastapi" else "items_item"
    delete = f"DELETE FROM {table} WHERE id > {last}"
    if "DATABASE_URL" not in env:
        with closing(sqlite3.connect(project / "db.sqlite3")) as db, db:
            db.execute(delete)
        return
    psql = [postgres_bin("psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d", env["DATABASE_URL"]]
    vacuum = f"VACUUM ANALYZE {table}"
    subprocess.run([*psql, "-c", delete, "-c", vacuum], check=True, capture_output=True)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(session: int, postmaster: int | None) -> tuple[float, float]:
    """CPU seconds (user and system) so far of a server, the live processes of its session,
    and of a PostgreSQL server, its postmaster and the processes it started (a backend for
    each connection, its background workers); 0 without one. One pass over /proc."""
    server = database = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():  # /proc/self and the like
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):  # Gone meanwhile.
            continue
        ticks = int(fields[11]) + int(fields[12])
        if int(fields[3]) == session:
            server += ticks
        if postmaster in (int(entry.name), int(fields[1])):
            database += ticks
    return server / _TICK, database / _TICK


def postmaster_pid(admin_url: str) -> int:
    """The process id of the PostgreSQL server at `admin_url` (a superuser's database)."""
    psql = [postgres_bin("psql"), "-At", "-d", admin_url, "-c", "SHOW data_directory"]
    data = subprocess.run(psql, check=True, capture_output=True, text=True).stdout.strip()
    return int((Path(data) / "postmaster.pid").read_text().split()[0])


def run_wrk(cmd: list[str], what: str) -> tuple[str, int]:
    """wrk's report and the failed requests it counts (non-2xx/3xx answers and socket
    errors), which are also printed with the report."""
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    failed = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    failed += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    if failed:
        print(f"bench: {failed} failed requests at {what}:\n{out}", file=sys.stderr)
    return out, failed


def wrk(
    url: str, script: Path | None, session: int, postmaster: int | None, args: argparse.Namespace
) -> tuple[float, float, float, int, float, float | None]:
    """Run wrk once; return (requests per second, p50 ms, p99 ms, failed requests, server
    CPU ms a request, and on PostgreSQL the database server's CPU ms a request)."""
    # A request slower than wrk's 2 s default is counted, not dropped as an error.
    cmd = ["wrk", "-t2", f"-c{args.connections}", "--timeout", "30s"]
    cmd += ["-H", "X-Forwarded-Proto: https"]
    if script is not None:
        cmd += ["-s", str(script)]
    warm_failed = 0
    if args.warmup:
        # Unmeasured: a server left idle while the others ran is slower in its first seconds.
        _, warm_failed = run_wrk([*cmd, f"-d{args.warmup}s", url], f"{url} (warm-up)")
    before = cpu_seconds(session, postmaster)
    out, failed = run_wrk([*cmd, f"-d{args.duration}s", "--latency", url], url)
    after = cpu_seconds(session, postmaster)
    cpu, database = after[0] - before[0], after[1] - before[1]
    failed += warm_failed
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]

    def percentile(name: str) -> float:
        value, unit = re.search(rf"{name}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * _UNITS[unit]

    requests = max(int(re.search(r"(\d+) requests in", out)[1]), 1)  # type: ignore[index]
    per_request = 1000 * database / requests if postmaster else None
    return rps, percentile("50"), percentile("99"), failed, 1000 * cpu / requests, per_request


ENDPOINTS = ("GET /api/items", "GET /api/items/{id}", "POST /api/items")


def reads(base: str, one: Path) -> dict[str, tuple[str, Path | None]]:
    """The read endpoints' wrk runs against the server at `base`: (URL, script)."""
    return {ENDPOINTS[0]: (base + "/api/items?limit=20", None), ENDPOINTS[1]: (base, one)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument(
        "--warmup", type=int, default=2, help="unmeasured seconds of load before each run"
    )
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--frameworks",
        nargs="+",
        choices=FRAMEWORKS,
        default=list(FRAMEWORKS),
        help="the frameworks to serve (Django always: the ratios are to it)",
    )
    parser.add_argument("--databases", nargs="+", choices=DATABASES, default=list(DATABASES))
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also serve the reads with no framework (bench/floor_app.py; needs fastapi)",
    )
    args = parser.parse_args()
    frameworks = [name for name in FRAMEWORKS if name == "django" or name in args.frameworks]
    if args.floor and "fastapi" not in frameworks:
        raise SystemExit("bench: --floor serves the FastAPI project's database: add fastapi")
    databases = [name for name in DATABASES if name in args.databases]
    if shutil.which("wrk") is None:
        raise SystemExit("bench: wrk is not installed (apt-get install wrk)")

    work = Path(tempfile.mkdtemp(prefix="stackpick-load-"))
    results: dict[tuple[str, str, str], list[tuple[float, float, float, int, float, float | None]]]
    results = {}
    with ExitStack() as stack:
        # The PostgreSQL server's process: its CPU time is counted for each run on it.
        postmaster = None
        if "postgresql" in databases:
            admin_url = stack.enter_context(postgres_server())
            postmaster = postmaster_pid(admin_url)
        # (framework, database, server session, {endpoint: (url, wrk script)}, reset)
        targets: list[tuple[str, str, int, dict[str, tuple[str, Path | None]], Any]] = []
        for framework in frameworks:
            project = render(framework, work / framework)
            for database in databases:
                env = {}
                if database == "postgresql":
                    env["DATABASE_URL"] = create_database(admin_url, f"bench_{framework}")
                log = work / f"{framework}-{database}.log"
                base, token, ids, session = stack.enter_context(serve(project, framework, env, log))
                one = work / f"{framework}-{database}-one.lua"
                one.write_text(LUA_READ_ONE % {"seed": 7, "first": ids[0], "last": ids[-1]})
                create = work / f"{framework}-{database}-create.lua"
                create.write_text(LUA_CREATE % {"token": token})
                runs = reads(base, one) | {ENDPOINTS[2]: (base + "/api/items", create)}
                reset = functools.partial(keep_seeded, framework, project, env, ids[-1])
                targets.append((framework, database, session, runs, reset))
                if framework == "fastapi" and args.floor:
                    log = work / f"floor-{database}.log"
                    base, session = stack.enter_context(serve_floor(project, env, log))
                    # The floor serves only the reads, and writes nothing to reset.
                    targets.append(("floor", database, session, reads(base, one), None))
        for round_ in range(args.rounds):
            print(f"round {round_ + 1} of {args.rounds}", file=sys.stderr)
            for database in databases:
                meter = postmaster if database == "postgresql" else None
                # The servers compared run back to back, each endpoint in turn, and who goes
                # first turns with the rounds: the machine drifts over a round's minutes.
                servers = [target for target in targets if target[1] == database]
                turn = round_ % len(servers)
                servers = servers[turn:] + servers[:turn]
                for endpoint in ENDPOINTS:
                    for framework, _, session, runs, _ in servers:
                        if endpoint in runs:
                            url, script = runs[endpoint]
                            results.setdefault((database, endpoint, framework), []).append(
                                wrk(url, script, session, meter, args)
                            )
                for *_, reset in servers:
                    if reset is not None:
                        reset()
    shutil.rmtree(work, ignore_errors=True)

    print(f"\nmedians of {args.rounds} interleaved rounds, wrk -t2 -c{args.connections}")
    print(
        "| database | endpoint | framework | req/s | p50 ms | p99 ms | vs Django "
        "| lowest, highest round | server CPU ms/request | database CPU ms/request | failed |"
    )
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    failed = 0
    for database in databases:
        for endpoint in ENDPOINTS:
            django = [r[0] for r in results[(database, endpoint, "django")]]
            for framework in [*frameworks, "floor"]:
                if (database, endpoint, framework) not in results:
                    continue
                rows = results[(database, endpoint, framework)]
                rps = statistics.median(r[0] for r in rows)
                p50 = statistics.median(r[1] for r in rows)
                p99 = statistics.median(r[2] for r in rows)
                errors = sum(r[3] for r in rows)
                cpu = statistics.median(r[4] for r in rows)
                spent = [r[5] for r in rows if r[5] is not None]
                database_ms = f"{statistics.median(spent):.2f}" if spent else ""
                # Each round's ratio (of runs at most tens of seconds apart), then their median.
                ratios = [r[0] / d for r, d in zip(rows, django, strict=True)]
                ratio = statistics.median(ratios)
                spread = f"{min(ratios):.2f}x, {max(ratios):.2f}x"
                failed += errors
                print(
                    f"| {database} | `{endpoint}` | {framework} | {rps:,.0f} | {p50:.1f} | "
                    f"{p99:.1f} | {ratio:.2f}x | {spread} | {cpu:.2f} | {database_ms} | {errors} |"
                )
    if failed:
        raise SystemExit(f"bench: {failed} requests failed under load (non-2xx or socket errors)")


if __name__ == "__main__":
    main()
