"""The environment, read once: every value that differs between deployments comes from here.

A `.env` file in the project root is read when present; variables already set in the
environment win over it. A value that cannot be read (`DEBUG=maybe`, `LOGIN_FAILURE_LIMIT=x`,
a database URL of an unknown kind) stops the process at start with one line.
"""

import sys
from pathlib import Path
from typing import Any, NoReturn

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

#: The databases a project runs on: SQLite and PostgreSQL.
ENGINES = {"django.db.backends.sqlite3", "django.db.backends.postgresql"}
#: What a boolean may be, in any case; django-environ would read anything else as false.
BOOLEANS = {"true", "false", "yes", "no", "on", "off", "1", "0"}


def refuse(reason: str) -> NoReturn:
    """Stop with one line (3: what gunicorn's workers exit with when they cannot boot)."""
    sys.stderr.write(f"Configuration refused: {reason}\n")
    raise SystemExit(3)


# django-environ has no type hints: mypy sees `environ.Env` as Any.
class Env(environ.Env):  # type: ignore[misc]
    """django-environ's reader, refusing what it cannot read rather than guessing or failing."""

    def get_value(
        self,
        var: str,
        cast: Any = None,
        default: Any = environ.Env.NOTSET,
        parse_default: bool = False,
    ) -> Any:
        """The variable's value, cast; refused when it cannot be."""
        raw = self.ENVIRON.get(var)
        if cast is bool and raw is not None and raw.strip().lower() not in BOOLEANS:
            refuse(f"{var} must be true or false, not {raw!r}")
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ValueError as error:
            refuse(f"{var}={raw!r} cannot be read: {error}")

    def db_url(
        self, var: str = "DATABASE_URL", default: Any = environ.Env.NOTSET, engine: Any = None
    ) -> dict[str, Any]:
        """The database settings of a URL; refused when the URL is not one."""
        try:
            settings: dict[str, Any] = super().db_url(var, default=default, engine=engine)
        except (ImproperlyConfigured, KeyError, ValueError) as error:
            refuse(f"{var} is not a database URL Django can use: {error}")
        if settings["ENGINE"] not in ENGINES:
            refuse(f"{var} must be sqlite:///path or postgresql://user:password@host:port/name")
        return settings


env = Env()
if (BASE_DIR / ".env").is_file():
    Env.read_env(BASE_DIR / ".env")
