"""The suite level of `stackpick verify`: a rendered project installed and tested as its CI would.

Each project is synced with uv, then runs its own suite, `ruff check`, `ruff format
--check`, `mypy` and, when it has a `manage.py`, Django's `check --deploy` with DEBUG off.
A project whose answers choose PostgreSQL gets a fresh database on the server named by
DATABASE_URL (or one started on 127.0.0.1); one that uses Redis gets REDIS_URL likewise.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock

from generator.combos import Answers
from generator.services import create_database, postgres_server, project_env, redis_server

#: The commands every project runs, in order; the first failure ends its run.
STEPS: tuple[tuple[str, ...], ...] = (
    ("uv", "sync"),
    ("uv", "run", "pytest", "-q", "-p", "no:cacheprovider"),
    ("uv", "run", "ruff", "check"),
    ("uv", "run", "ruff", "format", "--check"),
    ("uv", "run", "mypy"),
)
DEPLOY_CHECK = ("uv", "run", "python", "manage.py", "check", "--deploy", "--fail-level", "WARNING")
#: Seconds one command may take (a first `uv sync` downloads every wheel).
TIMEOUT = 900


def needs(answers: Answers) -> set[str]:
    """The servers a combination's answers choose: postgresql, redis."""
    wanted = set()
    if answers.get("database") == "postgresql":
        wanted.add("postgresql")
    if answers.get("background_tasks") == "celery" or answers.get("realtime") is True:
        wanted.add("redis")
    return wanted


@dataclass
class Servers:
    """PostgreSQL and Redis for the projects: from the environment, else started on demand."""

    stack: contextlib.ExitStack
    postgres_url: str | None = field(default_factory=lambda: os.environ.get("DATABASE_URL"))
    redis_url: str | None = field(default_factory=lambda: os.environ.get("REDIS_URL"))
    _lock: Lock = field(default_factory=Lock)
    _count: Iterator[int] = field(default_factory=itertools.count)

    def env(self, answers: Answers) -> dict[str, str]:
        """DATABASE_URL and REDIS_URL for one project: a fresh database each."""
        env: dict[str, str] = {}
        wanted = needs(answers)
        with self._lock:
            if "postgresql" in wanted:
                if self.postgres_url is None:
                    self.postgres_url = self.stack.enter_context(postgres_server())
                name = f"verify{next(self._count)}_{os.getpid()}"
                env["DATABASE_URL"] = create_database(self.postgres_url, name)
            if "redis" in wanted:
                if self.redis_url is None:
                    workdir = Path(tempfile.mkdtemp(prefix="stackpick-redis-"))
                    self.redis_url = self.stack.enter_context(redis_server(workdir))
                env["REDIS_URL"] = self.redis_url
        return env


def run_suite(project: Path, env: dict[str, str]) -> list[str]:
    """Run every step in the project; return the failure (one entry with its output) or []."""
    steps = list(STEPS)
    if (project / "manage.py").is_file():
        steps.append(DEPLOY_CHECK)
    for step in steps:
        extra = {**env, "DEBUG": "false"} if step is DEPLOY_CHECK else env
        try:
            proc = subprocess.run(
                step,
                cwd=project,
                env=project_env(**extra),
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return [f"`{' '.join(step)}` took more than {TIMEOUT} s"]
        if proc.returncode != 0:
            output = (proc.stdout + proc.stderr).strip().splitlines()
            return [f"`{' '.join(step)}` exited {proc.returncode}", *output[-40:]]
    return []
