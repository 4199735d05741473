"""Real PostgreSQL and Redis servers on 127.0.0.1, started from Debian's binaries.

Used by `stackpick verify` and by stackpick's own tests. Each server runs in a temporary
directory on a free port and is stopped when its context ends. A missing binary is an
error, never a skip: `.ci/run` installs both.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

#: Interpreters uv may pick for a generated project (pyenv's, where they are installed).
PYENV_VERSIONS = "3.13.0:3.12.1:3.11.7"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    """Wait until something accepts connections on 127.0.0.1:`port`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def postgres_bin(name: str) -> str:
    """The path of PostgreSQL's program `name` (the newest installed version's)."""
    for root in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (root / name).exists():
            return str(root / name)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return found


def _as_postgres_user() -> dict[str, int]:
    """Run as the `postgres` user when we are root: initdb refuses to run as root."""
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
        os.chown(workdir, run_as["user"], run_as["group"])
        os.chown(data, run_as["user"], run_as["group"])
    subprocess.run(
        [postgres_bin("initdb"), "-D", str(data), "-U", "stackpick", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
        user=run_as.get("user"),
        group=run_as.get("group"),
    )
    port = free_port()
    log = workdir / "postgres.log"
    subprocess.run(
        [
            postgres_bin("pg_ctl"),
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
        user=run_as.get("user"),
        group=run_as.get("group"),
    )
    try:
        wait_for_port(port)
        yield f"postgresql://stackpick:stackpick@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [postgres_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
            user=run_as.get("user"),
            group=run_as.get("group"),
        )
        shutil.rmtree(workdir, ignore_errors=True)


def create_database(server_url: str, name: str) -> str:
    """Create database `name` on the server `server_url` names and return its URL."""
    url = urllib.parse.urlsplit(server_url)
    env = {**os.environ, "PGPASSWORD": urllib.parse.unquote(url.password or "")}
    subprocess.run(
        [
            postgres_bin("createdb"),
            "-h",
            url.hostname or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            urllib.parse.unquote(url.username or "postgres"),
            name,
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    return urllib.parse.urlunsplit(url._replace(path=f"/{name}"))


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


def project_env(**extra: str) -> dict[str, str]:
    """Environment for commands run inside a generated project.

    One uv cache shared by every project keeps syncs fast (uv links its files into each
    environment, its default where they share a file system); uv never downloads an
    interpreter here, and pyenv's interpreters are visible to it. The caller's
    DATABASE_URL and REDIS_URL never leak in: a project gets the servers it is given.
    """
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_", "PYTEST"))
    }
    env.update(
        UV_PYTHON_DOWNLOADS="never",
        UV_CACHE_DIR=os.environ.get("STACKPICK_UV_CACHE", str(Path.home() / ".cache" / "uv")),
        PYENV_VERSION=PYENV_VERSIONS,
    )
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env
