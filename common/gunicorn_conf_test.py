"""gunicorn.conf.py: the web process's worker count, and its settings checked before any worker."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

CONF = next(
    folder / "gunicorn.conf.py"
    for folder in Path(__file__).resolve().parents
    if (folder / "gunicorn.conf.py").is_file()
)
#: The Procfile's web command, on a port of the system's choosing.
WEB = next(
    line.removeprefix("web:").replace("0.0.0.0:$PORT", "127.0.0.1:0")
    for line in CONF.with_name("Procfile").read_text().splitlines()
    if line.startswith("web:")
)
#: Prints the workers the configuration asks for (the project's `.env` read, as gunicorn does).
SHOW_WORKERS = f"import runpy; print(runpy.run_path({str(CONF)!r})['workers'])"


def python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a Python process of its own, in the project, with `env` set."""
    # Live updates without Redis run one worker whatever is asked: give them a Redis URL.
    env = {**os.environ, "REDIS_URL": "redis://localhost", **env}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=CONF.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def workers(web_concurrency: str) -> subprocess.CompletedProcess[str]:
    """Read the configuration in a process of its own, with WEB_CONCURRENCY set."""
    return python(SHOW_WORKERS, WEB_CONCURRENCY=web_concurrency)


def test_one_worker_per_cpu_by_default() -> None:
    cpus = os.cpu_count() or 1
    # Synchronous workers (Django without websockets): the usual two per CPU plus one.
    synchronous = "UvicornWorker" not in CONF.read_text()

    read = workers("")

    assert read.returncode == 0, read.stderr
    assert int(read.stdout) == (2 * cpus + 1 if synchronous else cpus)


@pytest.mark.parametrize(("asked", "count"), [("3", 3), (" 2 ", 2), ("1", 1)])
def test_web_concurrency_sets_the_workers(asked: str, count: int) -> None:
    read = workers(asked)

    assert read.returncode == 0, read.stderr
    assert int(read.stdout) == count


@pytest.mark.parametrize("asked", ["abc", "0", "-1", "2.5"])
def test_a_worker_count_that_is_none_stops_with_one_line(asked: str) -> None:
    read = workers(asked)

    assert read.returncode == 3
    assert read.stderr == (
        f"Configuration refused: WEB_CONCURRENCY must be a number of workers, not {asked!r}\n"
    )


@pytest.mark.parametrize(
    ("refused", "reason"),
    [
        ({"DEBUG": "false", "SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DATABASE_URL": "mysql://user:password@localhost/name"}, "DATABASE_URL"),
    ],
)
def test_a_refused_configuration_stops_gunicorn_with_one_line(
    refused: dict[str, str], reason: str
) -> None:
    # Checked once in gunicorn's master, before any worker starts: one line, none of
    # gunicorn's, rather than one per worker among them.
    env = {**os.environ, "WEB_CONCURRENCY": "2", "REDIS_URL": "redis://localhost", **refused}
    command = [sys.executable, "-m", *shlex.split(WEB)]

    started = subprocess.run(
        command, cwd=CONF.parent, env=env, capture_output=True, text=True, timeout=60, check=False
    )

    assert started.returncode == 3
    assert started.stdout == ""
    assert started.stderr.startswith("Configuration refused: "), started.stderr
    assert started.stderr.count("\n") == 1, started.stderr
    assert reason in started.stderr


def test_each_master_names_its_control_socket_after_its_port(tmp_path: Path) -> None:
    # Two masters on one host (the hybrid's split mode) would otherwise share one socket.
    names = f"""
import runpy, socket, types
from gunicorn.config import Config
when_ready = runpy.run_path({str(CONF)!r})["when_ready"]
for _ in range(2):
    cfg = Config()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    when_ready(types.SimpleNamespace(cfg=cfg, LISTENERS=[types.SimpleNamespace(sock=listener)]))
    print(listener.getsockname()[1], cfg.control_socket)
    listener.close()
named = Config()
named.set("control_socket", "/run/web.ctl")
when_ready(types.SimpleNamespace(cfg=named, LISTENERS=[]))
print(named.control_socket)
"""

    read = python(names, XDG_RUNTIME_DIR=str(tmp_path))

    assert read.returncode == 0, read.stderr
    *masters, named = read.stdout.splitlines()
    sockets = dict(master.split() for master in masters)
    assert len(sockets) == 2
    assert sockets == {port: f"{tmp_path}/gunicorn-{port}.ctl" for port in sockets}
    # --control-socket (or the setting) still chooses.
    assert named == "/run/web.ctl"
