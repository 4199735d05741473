"""Signed, expiring access tokens (JWT, HS256), independent of any web framework.

`alg: none`, any other algorithm, a wrong signature, a missing claim and an expired token
are all refused by `token_verify`.
"""

from datetime import UTC, datetime, timedelta

import jwt
from django.conf import settings

from .models import User

ALGORITHM = "HS256"


class TokenError(Exception):
    """The token is malformed, tampered with or expired."""


def token_issue(*, user: User) -> tuple[str, int]:
    """A new access token for `user` and its lifetime in seconds."""
    lifetime: timedelta = settings.ACCESS_TOKEN_LIFETIME
    now = datetime.now(tz=UTC)
    claims = {"sub": str(user.pk), "iat": now, "exp": now + lifetime}
    token = jwt.encode(claims, settings.SECRET_KEY, algorithm=ALGORITHM)
    return token, int(lifetime.total_seconds())


def token_verify(token: str) -> int:
    """The id of the user `token` was issued to; raises `TokenError` for a bad token."""
    try:
        claims = jwt.decode(
            token,
            settings.SECRET_KEY,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp"]},
        )
        return int(claims["sub"])
    except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
        raise TokenError(str(exc)) from exc
