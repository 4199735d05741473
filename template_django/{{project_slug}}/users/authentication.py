"""Bearer-token authentication for Django REST framework, and its OpenAPI description."""

from typing import TYPE_CHECKING, Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from .models import User
from .selectors import user_get_active
from .tokens import TokenError, token_user_is_current, token_verify

if TYPE_CHECKING:  # drf_spectacular.openapi imports this module through DRF's settings.
    from drf_spectacular.openapi import AutoSchema


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>`; a bad, tampered or expired token is a 401."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, str] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid Authorization header.")
        try:
            token = parts[1].decode()
            claims = token_verify(token)
        except (UnicodeError, TokenError):
            raise exceptions.AuthenticationFailed("Invalid or expired token.") from None
        user = user_get_active(user_id=claims.user_id)
        # Deactivated users' tokens, and tokens from before a password change, are refused.
        if user is None or not token_user_is_current(user=user, claims=claims):
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """OAuth2 password flow, so the docs page's "Authorize" button fetches a token."""

    target_class = BearerTokenAuthentication
    name = "OAuth2PasswordBearer"

    def get_security_definition(self, auto_schema: "AutoSchema") -> dict[str, Any]:
        return {
            "type": "oauth2",
            "flows": {"password": {"tokenUrl": "/api/auth/token", "scopes": {}}},
        }
