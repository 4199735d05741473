"""Real PostgreSQL and Redis servers on 127.0.0.1 for the tests, started from Debian's binaries.

Each server runs in a temporary directory on a free port and is stopped at the end of the
session. A missing binary is an error, never a skip: `.ci/run` installs both.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def _postgres_bin(name: str) -> str:
    for root in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (root / name).exists():
            return str(root / name)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return found


def _as_postgres_user() -> dict[str, object]:
    """initdb refuses to run as root: drop to the `postgres` user when we are root."""
    if os.geteuid() != 0:
        return {}
    import pwd

    entry = pwd.getpwnam("postgres")
    return {"user": entry.pw_uid, "group": entry.pw_gid}


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yield the URL of a fresh PostgreSQL cluster's superuser database."""
    # Not under pytest's private tmp dirs: the `postgres` user must be able to reach it.
    workdir = Path(tempfile.mkdtemp(prefix="stackpick-pg-"))
    workdir.chmod(0o755)
    data = workdir / "pgdata"
    data.mkdir()
    run_as = _as_postgres_user()
    if run_as:
        os.chown(workdir, int(run_as["user"]), int(run_as["group"]))  # type: ignore[call-overload]
        os.chown(data, int(run_as["user"]), int(run_as["group"]))  # type: ignore[call-overload]
    subprocess.run(
        [_postgres_bin("initdb"), "-D", str(data), "-U", "stackpick", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
        **run_as,  # type: ignore[arg-type]
    )
    port = free_port()
    log = workdir / "postgres.log"
    subprocess.run(
        [
            _postgres_bin("pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(log),
            "-w",
            "-o",
            f"-h 127.0.0.1 -p {port} -k {workdir} -c fsync=off -c max_connections=200",
            "start",
        ],
        check=True,
        capture_output=True,
        **run_as,  # type: ignore[arg-type]
    )
    try:
        wait_for_port(port)
        yield f"postgresql://stackpick:stackpick@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [_postgres_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
            **run_as,  # type: ignore[arg-type]
        )
        shutil.rmtree(workdir, ignore_errors=True)


def create_database(server_url: str, name: str) -> str:
    """Create database `name` on the server and return its URL."""
    base, _, _ = server_url.rpartition("/")
    port = base.rsplit(":", 1)[1]
    subprocess.run(
        [_postgres_bin("createdb"), "-h", "127.0.0.1", "-p", port, "-U", "stackpick", name],
        check=True,
        capture_output=True,
    )
    return f"{base}/{name}"


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """Yield the URL of a fresh Redis server (no persistence)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
