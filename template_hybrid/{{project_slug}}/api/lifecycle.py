"""Run each API request the way Django runs its own requests under ASGI."""

from asgiref.sync import ThreadSensitiveContext
from django.core import signals
from starlette.types import ASGIApp, Receive, Scope, Send


class DjangoRequestLifecycle:
    """ASGI middleware giving every request its own ORM thread and Django's request signals.

    Without a `ThreadSensitiveContext` per request, every request's queries share one
    thread; without `request_started`/`request_finished`, database connections are never
    closed, returned to the pool or health-checked.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async with ThreadSensitiveContext():
            await signals.request_started.asend(sender=self.__class__, scope=scope)
            try:
                await self.app(scope, receive, send)
            finally:
                await signals.request_finished.asend(sender=self.__class__)
