"""The security baseline every response and every request passes through (pure ASGI).

- `SecurityHeadersMiddleware`: `X-Content-Type-Options`, `Referrer-Policy`, framing refused,
  HSTS over HTTPS (or behind a proxy saying `X-Forwarded-Proto: https`), and on HTML pages a
  Content-Security-Policy allowing only this origin (plus the hashes of the page's own
  inline scripts, so the API docs page keeps working).
- `CrossOriginMiddleware`: an unsafe request (POST, PUT, PATCH, DELETE) from another site is
  refused with 403 before any cookie it carries is used: `Sec-Fetch-Site` must say
  same-origin, else `Origin` must be this origin (the check Go's CrossOriginProtection
  makes). Server-rendered pages add a per-session CSRF token on top.
- `BodyLimitMiddleware`: a request body over the limit is a 413, announced or streamed.
- `AllowedHostsMiddleware`: a `Host` the settings do not allow is refused, over HTTP with a
  400 whose body has a `detail` like every other error, a websocket before it opens.
"""

from collections.abc import Callable, Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocketClose

from .csp import content_security_policy
from .https import _is_secure

#: A refused body up to this size is read and dropped before the 413 goes out, so that the
#: client, still sending, sees the answer rather than a connection reset.
DRAIN_BYTES = 16 * 1024 * 1024
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


class SecurityHeadersMiddleware:
    """Add the baseline's headers to every HTTP response (a header already set is kept)."""

    def __init__(self, app: ASGIApp, *, hsts: Callable[[], str]) -> None:
        """`hsts` gives Strict-Transport-Security's value for HTTPS answers ("": none)."""
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add headers to its response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = _is_secure(scope)
        held: Message | None = None
        body: list[bytes] = []

        async def send_with_headers(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                # ASGI wants header names in lower case; Django's handler sends them as set
                # ("X-Frame-Options"), which the lookups below would miss, adding each twice.
                message["headers"] = [
                    (name.lower(), value) for name, value in message.get("headers", ())
                ]
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                hsts = self.hsts()
                if secure and hsts:
                    headers.setdefault("strict-transport-security", hsts)
                if headers.get("content-type", "").startswith("text/html"):
                    held = message  # The policy depends on the page: wait for its body.
                    return
            elif message["type"] == "http.response.body" and held is not None:
                body.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                page = b"".join(body)
                MutableHeaders(scope=held).setdefault(
                    "content-security-policy", content_security_policy(page)
                )
                start, held = held, None
                await send(start)
                await send({"type": "http.response.body", "body": page})
                return
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _origin(scope: Scope) -> str:
    headers: dict[bytes, bytes] = dict(scope["headers"])
    host = headers.get(b"host", b"").decode("latin-1")
    return ("https" if _is_secure(scope) else "http") + "://" + host


def cross_origin(scope: Scope) -> str | None:
    """Why this request comes from another site, or None when it is same-origin or no browser's."""
    headers: dict[bytes, bytes] = dict(scope["headers"])
    site = headers.get(b"sec-fetch-site")
    if site is not None:
        return None if site in (b"same-origin", b"none") else "Cross-site request refused"
    origin = headers.get(b"origin")
    if origin is not None and origin.decode("latin-1") != _origin(scope):
        return "Cross-origin request refused"
    # Neither header: not sent by a browser, so no victim's cookie rides along by accident.
    return None


class CrossOriginMiddleware:
    """Refuse unsafe requests from other sites (403) outside the `exempt` path prefixes."""

    def __init__(self, app: ASGIApp, *, exempt: Iterable[str] = ()) -> None:
        self.app = app
        self.exempt = tuple(exempt)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check, then pass the request on."""
        if (
            scope["type"] == "http"
            and scope["method"] not in SAFE_METHODS
            and not scope["path"].startswith(self.exempt)
        ):
            reason = cross_origin(scope)
            if reason is not None:
                await PlainTextResponse(reason, status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class BodyLimitMiddleware:
    """Answer 413 to a request whose body is larger than `max_bytes`."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse an announced large body at once; stop a streamed one when it grows too big."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = dict(scope["headers"])
        length = headers.get(b"content-length", b"0")
        if length.isdigit() and int(length) > self.max_bytes:
            detail = f"The request body is larger than {self.max_bytes} bytes"
            if int(length) <= DRAIN_BYTES:
                while (await receive()).get("more_body", False):
                    pass
            await JSONResponse({"detail": detail}, status_code=413)(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise HTTPException(413, f"The request body is larger than {self.max_bytes} bytes")
            return message

        await self.app(scope, limited_receive, send)


class AllowedHostsMiddleware:
    """Refuse every request, websockets included, whose `Host` header `allowed` refuses."""

    def __init__(self, app: ASGIApp, *, allowed: Callable[[str], bool]) -> None:
        """`allowed` takes the `Host` header as sent ("" when missing), port included."""
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass a request for an allowed host on; refuse any other."""
        if scope["type"] not in ("http", "websocket") or self.allowed(
            Headers(scope=scope).get("host", "")
        ):
            await self.app(scope, receive, send)
        elif scope["type"] == "http":
            refusal = JSONResponse({"detail": "Invalid host header"}, status_code=400)
            await refusal(scope, receive, send)
        else:
            await WebSocketClose(code=1008)(scope, receive, send)
