"""Websocket connections capped per client address, and refused for an unknown Host.

Pure ASGI, no framework: FastAPI, Django (channels) and the hybrid wrap their application
in it. A refused handshake is closed before it is accepted, which clients see as HTTP 403.
The count is per process: with several workers a client may open up to that many times
`per_client` (the proxy in front decides the worker).
"""

from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]

#: Open websockets one client address may hold in one process.
MAX_PER_CLIENT = 20


class WebsocketLimitMiddleware:
    """Refuse a websocket beyond `per_client` from one address, or for a Host not allowed."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        per_client: int = MAX_PER_CLIENT,
        host_allowed: Callable[[str], bool] | None = None,
    ) -> None:
        self.app = app
        self.per_client = per_client
        self.host_allowed = host_allowed
        self.open: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count the websocket while it is open, or refuse it."""
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = dict(scope["headers"])
        host = headers.get(b"host", b"").decode("latin-1")
        client = str((scope.get("client") or ("unknown",))[0])
        if (self.host_allowed is not None and not self.host_allowed(host)) or (
            self.open[client] >= self.per_client
        ):
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008})
            return
        self.open[client] += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.open[client] -= 1
            if self.open[client] <= 0:
                del self.open[client]
