"""Production sends plain HTTP to HTTPS, the way Django's SECURE_SSL_REDIRECT does."""

import re
from collections.abc import Callable, Iterable

from starlette.datastructures import URL
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send


class HTTPSRedirectMiddleware:
    """Answer a plain-HTTP request with a 301 to its https:// URL, unless exempt.

    A request is secure when the server saw TLS or when the proxy in front of it says so
    with `X-Forwarded-Proto: https` (the trust Django's SECURE_PROXY_SSL_HEADER gives).
    `enabled` is asked on every request, so tests and settings can switch it at run time;
    `exempt` holds regular expressions matched against the path without its leading slash
    (Django's SECURE_REDIRECT_EXEMPT), so that health probes over plain HTTP still work.
    """

    def __init__(
        self, app: ASGIApp, *, enabled: Callable[[], bool], exempt: Iterable[str] = ()
    ) -> None:
        self.app = app
        self.enabled = enabled
        self.exempt = [re.compile(pattern) for pattern in exempt]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Redirect, or pass the request on."""
        if scope["type"] == "http" and not _is_secure(scope) and self.enabled():
            path = scope["path"].lstrip("/")
            if not any(pattern.search(path) for pattern in self.exempt):
                url = URL(scope=scope).replace(scheme="https")
                await RedirectResponse(str(url), status_code=301)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _is_secure(scope: Scope) -> bool:
    if scope.get("scheme") == "https":
        return True
    headers: dict[bytes, bytes] = dict(scope["headers"])
    return headers.get(b"x-forwarded-proto", b"").split(b",")[0].strip() == b"https"
