"""Settings, read once from the environment (and from `.env` when it exists)."""

import re
import secrets
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import PositiveInt, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy import URL, make_url
from sqlalchemy.exc import ArgumentError

BASE_DIR = Path(__file__).resolve().parent.parent
# The value .env.example shows: never accepted as a real key.
PLACEHOLDER_SECRET_KEY = "change-me"  # noqa: S105
# Production refuses a shorter key (Django's check --deploy asks for as many characters).
MIN_SECRET_KEY_LENGTH = 50
# A `Host` header: a name, or an IPv6 address in brackets, then maybe a port (Django's rule).
HOST = re.compile(r"([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::[0-9]+)?")


class Settings(BaseSettings):
    """Every setting of the service, named after the environment variable that sets it."""

    model_config = SettingsConfigDict(env_file=BASE_DIR / ".env", extra="ignore")

    DEBUG: bool = False
    # Empty means unset: `.env` holds the key made for this project; production sets its own.
    SECRET_KEY: str = ""
    DATABASE_URL: str = "sqlite:///db.sqlite3"
    # With the database down, a request waits at most this long for a connection (503 then).
    DATABASE_POOL_TIMEOUT: float = 1.0
    # PostgreSQL connections each worker process opens at most, and keeps open.
    DATABASE_POOL_SIZE: PositiveInt = 10
    DATABASE_CONNECT_TIMEOUT: float = 1.5
    # Names, `*` for any, `.example.com` for it and its subdomains (Django's form, so one
    # value serves every framework), `*.example.com` for its subdomains (Starlette's form).
    ALLOWED_HOSTS: Annotated[list[str], NoDecode] = ["localhost", "127.0.0.1"]
    # Unset: plain HTTP is redirected to HTTPS unless DEBUG (GET /api/health never is).
    # Set it to false where a proxy terminates TLS without sending X-Forwarded-Proto.
    SECURE_SSL_REDIRECT: bool | None = None
    # Strict-Transport-Security max-age over HTTPS; raise to 31536000 once HTTPS works.
    # Unset: 60 seconds, none in DEBUG.
    SECURE_HSTS_SECONDS: int | None = None
    # The settings of optional parts: a project without the part never reads them.
    # Origins allowed to call the API from a browser (a separate front end's).
    CORS_ALLOWED_ORIGINS: Annotated[list[str], NoDecode] = []
    # Redis, for websocket events between processes and as Celery's broker. Unset: events
    # stay inside one process; Celery uses redis://localhost:6379/0.
    REDIS_URL: str | None = None
    ACCESS_TOKEN_EXPIRE_MINUTES: int = 60
    # Logins refused (429) after this many failures for one username from one address...
    LOGIN_FAILURE_LIMIT: int = 5
    # ...until this many seconds have passed since the last failure.
    LOGIN_FAILURE_WINDOW: int = 300
    # Run Celery tasks inline instead of sending them to a worker (tests).
    CELERY_TASK_ALWAYS_EAGER: bool = False
    # The least severe messages logged (the project's and its libraries').
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    @field_validator("ALLOWED_HOSTS", "CORS_ALLOWED_ORIGINS", mode="before")
    @classmethod
    def split_commas(cls, value: Any) -> Any:
        """Read a comma-separated environment variable as a list."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("LOG_LEVEL", mode="before")
    @classmethod
    def upper_case(cls, value: Any) -> Any:
        """Take a level's name in any case, as Python's logging does."""
        return value.upper() if isinstance(value, str) else value

    @field_validator("DATABASE_URL")
    @classmethod
    def sqlite_or_postgresql(cls, value: str) -> str:
        """A database the service runs on: SQLite or PostgreSQL."""
        try:
            drivername = make_url(value).drivername
        except ArgumentError:
            drivername = ""
        if drivername not in ("sqlite", "postgresql", "postgres"):
            raise ValueError("must be sqlite:///path or postgresql://user:password@host:port/name")
        return value

    @field_validator("REDIS_URL")
    @classmethod
    def redis_url(cls, value: str | None) -> str | None:
        """A URL redis-py takes, or unset."""
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @model_validator(mode="after")
    def require_secret_key(self) -> "Settings":
        """Refuse to run without a strong secret key or any allowed host, except in debug."""
        weak = self.SECRET_KEY in ("", PLACEHOLDER_SECRET_KEY)
        if not self.DEBUG and (weak or len(self.SECRET_KEY) < MIN_SECRET_KEY_LENGTH):
            raise ValueError(
                f"SECRET_KEY is unset, the placeholder or shorter than {MIN_SECRET_KEY_LENGTH}"
                " characters while DEBUG is false: set a strong key or put it in .env"
            )
        if not self.DEBUG and not self.ALLOWED_HOSTS:
            raise ValueError("ALLOWED_HOSTS is empty: every request would be refused")
        if weak:
            self.SECRET_KEY = secrets.token_urlsafe(50)
        return self

    def host_allowed(self, host: str) -> bool:
        """Whether a request with this `Host` header (its port included) is served."""
        match = HOST.fullmatch(host.lower())
        if match is None:
            return False
        domain = match[1].removesuffix(".")
        return any(
            pattern == "*"
            or pattern == domain
            or (pattern.startswith(".") and f".{domain}".endswith(pattern))
            or (pattern.startswith("*.") and domain.endswith(pattern[1:]))
            for pattern in map(str.lower, self.ALLOWED_HOSTS)
        )

    @property
    def hsts(self) -> str:
        """Strict-Transport-Security's value over HTTPS ("": no header)."""
        seconds = self.SECURE_HSTS_SECONDS
        if seconds is None:
            seconds = 0 if self.DEBUG else 60
        return f"max-age={seconds}; includeSubDomains" if seconds else ""

    @property
    def ssl_redirect(self) -> bool:
        """Whether plain-HTTP requests are redirected to HTTPS."""
        return not self.DEBUG if self.SECURE_SSL_REDIRECT is None else self.SECURE_SSL_REDIRECT

    @property
    def database_url(self) -> URL:
        """DATABASE_URL with the async driver SQLAlchemy needs (aiosqlite or asyncpg)."""
        url = make_url(self.DATABASE_URL)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+asyncpg")
            if "sslmode" in url.query:
                # libpq's sslmode=require is asyncpg's ssl=require.
                ssl = url.query["sslmode"]
                url = url.difference_update_query(["sslmode"]).update_query_dict({"ssl": ssl})
            return url
        if url.drivername == "sqlite":
            database = url.database
            if database and database != ":memory:" and not Path(database).is_absolute():
                url = url.set(database=str(BASE_DIR / database))
            return url.set(drivername="sqlite+aiosqlite")
        return url

    @property
    def broker_url(self) -> str:
        """The Redis URL Celery sends tasks through."""
        return self.REDIS_URL or "redis://localhost:6379/0"


def load_settings() -> Settings:
    """The settings; a refused configuration stops the process with one line, no traceback."""
    try:
        return Settings()
    except ValidationError as exc:
        messages = []
        for error in exc.errors():
            message = str(error["msg"]).removeprefix("Value error, ")
            # The variable's name, except for the checks of several (SECRET_KEY's own text).
            name = ".".join(str(part) for part in error["loc"])
            messages.append(f"{name}: {message}" if name else message)
        sys.stderr.write(f"Configuration refused: {'; '.join(messages)}\n")
        # 3 is what gunicorn's workers exit with when they cannot boot: it stops at once.
        raise SystemExit(3) from None


settings = load_settings()
