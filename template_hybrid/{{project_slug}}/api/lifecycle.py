"""Run each API request the way Django runs its own requests under ASGI."""

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from weakref import WeakKeyDictionary

from asgiref.sync import ThreadSensitiveContext
from django.core import signals
from django.db import connection, connections
from starlette.types import ASGIApp, Receive, Scope, Send

#: Idle ORM threads kept for the next requests; more are started when more run at once.
MAX_IDLE_THREADS = 64


class DjangoRequestLifecycle:
    """ASGI middleware giving every request its own ORM thread and Django's request signals.

    Without a `ThreadSensitiveContext` per request, every request's queries share one
    thread; without `request_started`/`request_finished`, database connections are never
    closed, returned to the pool or health-checked. Django's own handler starts a thread for
    each request and joins it afterwards; here a finished request's thread serves the next
    one, which spares a thread start and join a request (a request still has a thread to
    itself; `request_finished` has returned its PostgreSQL connection to the pool, and its
    SQLite connection, kept, is health-checked when the next request first uses it).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.idle: list[ThreadPoolExecutor] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        thread = self.idle.pop() if self.idle else ThreadPoolExecutor(1, "django-request")
        try:
            async with ThreadSensitiveContext(executor=thread):
                await signals.request_started.asend(sender=self.__class__, scope=scope)
                try:
                    await self.app(scope, receive, send)
                finally:
                    await signals.request_finished.asend(sender=self.__class__)
        finally:
            if len(self.idle) < MAX_IDLE_THREADS:
                self.idle.append(thread)
            else:
                # Its last task: close the connections it kept (SQLite's persist).
                thread.submit(connections.close_all)
                thread.shutdown(wait=False)


_write_turns: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = WeakKeyDictionary()


@asynccontextmanager
async def write_turn() -> AsyncIterator[None]:
    """Around a service call that writes: on SQLite, a process's writes take turns.

    SQLite has one write lock per file, and a writer waiting for it in the busy timeout
    polls with sleeps growing to 100 ms: with a thread per request, a process's concurrent
    writers waited seconds under load. Here they queue in arrival order, each turn one
    service call (its transaction); only other processes' writers meet the busy timeout.
    """
    if connection.vendor != "sqlite":
        yield
        return
    loop = asyncio.get_running_loop()
    async with _write_turns.setdefault(loop, asyncio.Lock()):
        yield
