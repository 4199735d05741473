"""What config/asgi.py wraps around every route: the host check, HSTS and the last 404.

Django checks the `Host` of the requests it serves itself; `AllowedHostsMiddleware` applies
the same rule (`django.http.request.validate_host`) in front of everything else, the API,
websockets and /static included: an unknown host gets a 400 over HTTP, and a websocket is
refused before it opens. A path that no route matches at all (one holding a newline, which
no mount's pattern admits) gets the contract's JSON 404 instead of Starlette's plain text.
"""

from django.conf import settings
from django.http.request import split_domain_port, validate_host
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocketClose


class AllowedHostsMiddleware:
    """Refuse every request whose `Host` is not in Django's ALLOWED_HOSTS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass a request for an allowed host on; refuse any other."""
        if scope["type"] == "http" and not host_allowed(scope):
            response = JSONResponse({"detail": "Invalid host header"}, status_code=400)
            await response(scope, receive, send)
        elif scope["type"] == "websocket" and not host_allowed(scope):
            await WebSocketClose(code=1008)(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def host_allowed(scope: Scope) -> bool:
    """Whether the request's `Host` is one Django would serve."""
    domain, _port = split_domain_port(Headers(scope=scope).get("host", ""))
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        # Django's own default in development.
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return bool(domain) and validate_host(domain, allowed)


def django_hsts() -> str:
    """Strict-Transport-Security as Django's SecurityMiddleware sends it, from its settings."""
    if not settings.SECURE_HSTS_SECONDS:
        return ""
    value = f"max-age={settings.SECURE_HSTS_SECONDS}"
    if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
        value += "; includeSubDomains"
    if settings.SECURE_HSTS_PRELOAD:
        value += "; preload"
    return value


async def not_found(request: Request, exc: Exception) -> JSONResponse:
    """404 as JSON with a `detail`, for a path no route matches."""
    return JSONResponse({"detail": "Not Found"}, status_code=404)
