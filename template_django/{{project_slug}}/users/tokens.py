"""Signed, expiring access tokens (JWT, HS256), independent of any web framework.

`alg: none`, any other algorithm, a wrong signature, a missing claim, another issuer or
audience and an expired token are all refused by `token_verify`. The signing key is derived
from SECRET_KEY, never the key itself. Each token carries a fingerprint of its user's
password (`ver`): a password change ends every token issued before it (`token_user_is_current`),
as it ends the user's sessions.
"""

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import jwt
from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from .models import User

ALGORITHM = "HS256"
# Who issues the tokens and who they are for: a token of another service is refused.
ISSUER = __name__.split(".", 1)[0]
AUDIENCE = f"{ISSUER}:api"


class TokenError(Exception):
    """The token is malformed, tampered with or expired."""


class TokenClaims(NamedTuple):
    """What a valid token says: whose it is, and the password fingerprint it was issued with."""

    user_id: int
    version: str


def _signing_key() -> str:
    return salted_hmac(f"{ISSUER}.tokens", "signing-key", algorithm="sha256").hexdigest()


def token_version(user: User) -> str:
    """A fingerprint of the user's password hash: it changes when the password does."""
    value = f"{user.pk}:{user.password}"
    return salted_hmac(f"{ISSUER}.tokens.version", value, algorithm="sha256").hexdigest()[:32]


def token_issue(*, user: User) -> tuple[str, int]:
    """A new access token for `user` and its lifetime in seconds."""
    lifetime: timedelta = settings.ACCESS_TOKEN_LIFETIME
    now = datetime.now(tz=UTC)
    claims = {
        "sub": str(user.pk),
        "ver": token_version(user),
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + lifetime,
    }
    token = jwt.encode(claims, _signing_key(), algorithm=ALGORITHM)
    return token, int(lifetime.total_seconds())


def token_verify(token: str) -> TokenClaims:
    """The claims of a valid `token`; raises `TokenError` for a bad token."""
    try:
        claims = jwt.decode(
            token,
            _signing_key(),
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            audience=AUDIENCE,
            options={"require": ["sub", "exp", "ver", "iss", "aud"]},
        )
        return TokenClaims(int(claims["sub"]), str(claims["ver"]))
    except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
        raise TokenError(str(exc)) from exc


def token_user_is_current(*, user: User, claims: TokenClaims) -> bool:
    """Whether the token was issued with the user's current password."""
    return constant_time_compare(token_version(user), claims.version)
