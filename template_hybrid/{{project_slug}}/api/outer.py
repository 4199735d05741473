"""What config/asgi.py wraps around every route: the host check, HSTS and the last 404.

Django checks the `Host` of the requests it serves itself; `host_allowed` is the same rule
(`django.http.request.validate_host`), which `AllowedHostsMiddleware` applies in front of
everything else, the API, websockets and /static included. A path that no route matches at
all (one holding a newline, which no mount's pattern admits) gets the contract's JSON 404
instead of Starlette's plain text.
"""

from django.conf import settings
from django.http.request import split_domain_port, validate_host
from starlette.requests import Request
from starlette.responses import JSONResponse


def host_allowed(host: str) -> bool:
    """Whether Django would serve a request with this `Host` header."""
    domain, _port = split_domain_port(host)
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
