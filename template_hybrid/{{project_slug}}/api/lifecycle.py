"""Run each API request the way Django runs its own requests under ASGI."""

import asyncio
import contextvars
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any
from weakref import WeakKeyDictionary

from asgiref.sync import ThreadSensitiveContext
from django.core import signals
from django.db import connection, connections
from starlette.types import ASGIApp, Receive, Scope, Send

#: Idle ORM threads kept for the next requests; more are started when more run at once.
MAX_IDLE_THREADS = 64

logger = logging.getLogger(__name__)


class RequestThread(Executor):
    """One request's ORM thread, which also sends Django's request signals.

    Django's ASGI handler awaits each signal, and each await is a trip to the request's
    thread and back (where its receivers, such as `close_old_connections`, run). Here they
    make no trip of their own: `request_started` is sent on the thread right before the
    request's first ORM call, in that call's trip, and `request_finished` is left on the
    thread once the response is sent, for it to run before anything else is given to it.
    Each is sent in the context the request had when Django would have sent it.
    """

    def __init__(self, thread: ThreadPoolExecutor, scope: Scope) -> None:
        self.thread = thread
        self.scope = scope
        self.started: contextvars.Context | None = contextvars.copy_context()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run `fn` on the request's thread; the first call sends `request_started` first."""
        if self.started is None:
            return self.thread.submit(fn, *args, **kwargs)
        context, self.started = self.started, None
        return self.thread.submit(_start_then, context, self.scope, fn, *args, **kwargs)

    def finish(self) -> None:
        """Send `request_finished` on the thread (and `request_started`, if not yet sent)."""
        context, self.started = self.started, None
        finished = self.thread.submit(_finish, context, self.scope, contextvars.copy_context())
        finished.add_done_callback(_log_failure)


def _start_then(
    context: contextvars.Context, scope: Scope, fn: Callable[..., Any], /, *args: Any, **kwargs: Any
) -> Any:
    context.run(signals.request_started.send, sender=DjangoRequestLifecycle, scope=scope)
    return fn(*args, **kwargs)


def _finish(
    started: contextvars.Context | None, scope: Scope, context: contextvars.Context
) -> None:
    if started is not None:
        started.run(signals.request_started.send, sender=DjangoRequestLifecycle, scope=scope)
    context.run(signals.request_finished.send, sender=DjangoRequestLifecycle)


def _log_failure(finished: Future[Any]) -> None:
    if error := finished.exception():
        logger.error("request_finished failed", exc_info=error)


class DjangoRequestLifecycle:
    """ASGI middleware giving every request its own ORM thread and Django's request signals.

    Without a `ThreadSensitiveContext` per request, every request's queries share one
    thread; without `request_started`/`request_finished`, database connections are never
    closed, returned to the pool or health-checked. Django's own handler starts a thread for
    each request and joins it afterwards; here a finished request's thread serves the next
    one, which spares a thread start and join a request (a request still has a thread to
    itself; `request_finished`, which runs on the thread before the next request's calls,
    has returned its PostgreSQL connection to the pool, and its SQLite connection, kept, is
    health-checked when the next request first uses it). The signals ride along with the
    request's own trips to its thread (RequestThread).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.idle: list[ThreadPoolExecutor] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        thread = self.idle.pop() if self.idle else ThreadPoolExecutor(1, "django-request")
        request = RequestThread(thread, scope)
        try:
            async with ThreadSensitiveContext(executor=request):
                await self.app(scope, receive, send)
        finally:
            request.finish()
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
