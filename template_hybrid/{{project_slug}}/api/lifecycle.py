"""Run each API request the way Django runs its own requests under ASGI."""

import asyncio
import contextvars
import logging
from collections.abc import AsyncIterator, Callable, Collection
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any
from weakref import WeakKeyDictionary

from asgiref.sync import ThreadSensitiveContext
from django.conf import settings
from django.core import signals
from django.db import connection, connections
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .contract import database_unavailable_response

#: Idle ORM threads kept for the next requests; more are started when more run at once.
MAX_IDLE_THREADS = 64
#: API requests a process runs at once (see turn_limits); the others wait for a turn.
REQUESTS_AT_ONCE = 2

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

    A process runs a few requests at once (turn_limits); the others wait for a turn in
    arrival order, their bodies read first, and answer 503 when they wait too long. The
    paths in `unqueued` (the health check) never wait for a turn.
    """

    def __init__(self, app: ASGIApp, *, unqueued: Collection[str] = ()) -> None:
        self.app = app
        self.unqueued = frozenset(unqueued)
        self.idle: list[ThreadPoolExecutor] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] in self.unqueued:
            await self.run(scope, receive, send)
            return
        # The body first: a client slow to send it holds no turn meanwhile.
        receive = await read_body(receive)
        turns, timeout = request_turns()
        try:
            async with asyncio.timeout(timeout):
                await turns.acquire()
        except TimeoutError:
            logger.warning("No turn within %g s for %s %s", timeout, scope["method"], scope["path"])
            await database_unavailable_response()(scope, receive, send)
            return
        try:
            await self.run(scope, receive, send)
        finally:
            turns.release()

    async def run(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request on an ORM thread of its own, between Django's request signals."""
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


#: A process's turns and the longest wait for one.
Turns = tuple[asyncio.Semaphore, float]
_request_turns: WeakKeyDictionary[asyncio.AbstractEventLoop, Turns] = WeakKeyDictionary()


def turn_limits() -> tuple[int, float]:
    """How many API requests a process runs at once, and the longest one waits for a turn.

    Every request in flight has an ORM thread, and a process runs one thread at a time (the
    GIL): under wrk (64 connections, two processes) the CPUs were 10% idle, switching
    between threads, and p99 was worse than Django's. Two at a time, as many as Django's
    synchronous workers serve per CPU, keep the process busy: one runs while the other
    waits on the database. A request waits for its turn as long as the database would have
    it wait: for a pooled connection (DATABASE_POOL_TIMEOUT) or for SQLite's lock.
    """
    options = settings.DATABASES["default"].get("OPTIONS", {})
    if pool := options.get("pool"):
        return min(REQUESTS_AT_ONCE, pool["max_size"]), pool["timeout"]
    return REQUESTS_AT_ONCE, options.get("timeout", 5)


def request_turns() -> Turns:
    """This process's turns (its event loop's), served in arrival order, and the longest wait."""
    loop = asyncio.get_running_loop()
    if (turns := _request_turns.get(loop)) is None:
        size, timeout = turn_limits()  # Once for each event loop, not for every request.
        turns = _request_turns.setdefault(loop, (asyncio.Semaphore(size), timeout))
    return turns


async def read_body(receive: Receive) -> Receive:
    """A `receive` that replays the request's body, read in full now, then goes on."""
    messages: list[Message] = []
    failure: Exception | None = None
    try:
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
    except Exception as error:  # A body over the limit (protect.py): raised where it is read.
        failure = error

    async def replay() -> Message:
        if messages:
            return messages.pop(0)
        if failure is not None:
            raise failure
        return await receive()

    return replay


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
