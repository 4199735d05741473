"""The environment: a value that cannot be read stops the process at start, with one line."""

import os
import subprocess
import sys
from typing import Any

import pytest

from config.env import BASE_DIR, Env


@pytest.mark.parametrize(
    ("name", "value", "cast", "reason"),
    [
        ("DEBUG", "maybe", bool, "DEBUG must be true or false, not 'maybe'"),
        ("LOGIN_FAILURE_LIMIT", "abc", int, "LOGIN_FAILURE_LIMIT='abc' cannot be read"),
    ],
)
def test_a_value_that_cannot_be_read_is_refused(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    value: str,
    cast: Any,
    reason: str,
) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(SystemExit) as stopped:
        Env().get_value(name, cast=cast)

    assert stopped.value.code == 3
    assert capsys.readouterr().err.startswith(f"Configuration refused: {reason}")


def test_booleans_and_database_urls_read_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBUG", "Off")
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db:5432/app")

    assert Env().bool("DEBUG") is False
    assert Env().db_url()["ENGINE"] == "django.db.backends.postgresql"


@pytest.mark.parametrize("url", ["nonsense://x", "mysql://u:p@db/app", "postgresql://u:p@db:x/app"])
def test_a_database_url_of_another_kind_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)

    with pytest.raises(SystemExit):
        Env().db_url()

    assert capsys.readouterr().err.startswith("Configuration refused: DATABASE_URL ")


@pytest.mark.parametrize(
    ("variables", "reason"),
    [
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS is empty"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL must start with redis://"),
        (
            {"DATABASE_URL": "postgresql://u:p@db/app", "DATABASE_POOL_SIZE": "0"},
            "DATABASE_POOL_SIZE must be at least 1",
        ),
    ],
)
def test_settings_refuse_what_would_fail_every_request(
    variables: dict[str, str], reason: str
) -> None:
    environment = {**os.environ, "DEBUG": "false", "SECRET_KEY": "k" * 60, **variables}
    started = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert started.returncode == 3
    assert started.stderr.startswith(f"Configuration refused: {reason}"), started.stderr


def test_the_connect_timeout_is_seconds_as_a_decimal() -> None:
    # As in every framework's projects: DATABASE_CONNECT_TIMEOUT=2.5 is two and a half seconds.
    variables = {"DATABASE_URL": "postgresql://u:p@db/app", "DATABASE_CONNECT_TIMEOUT": "2.5"}
    show = "from config.settings import DATABASES; print(DATABASES['default']['OPTIONS'])"
    read = subprocess.run(
        [sys.executable, "-c", show],
        cwd=BASE_DIR,
        env={**os.environ, **variables},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert read.returncode == 0, read.stderr
    assert "'connect_timeout': 2.5," in read.stdout
