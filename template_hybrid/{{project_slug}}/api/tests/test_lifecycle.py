"""The request-lifecycle middleware: one ORM thread per request, and Django's signals; writes."""

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.db import connection
from fastapi import FastAPI
from starlette.testclient import TestClient
from starlette.types import ASGIApp

from ..lifecycle import DjangoRequestLifecycle, write_turn


def threads_used(app: ASGIApp, requests: int) -> set[int]:
    """The threads that concurrent requests' synchronous (ORM) code ran in."""

    async def main() -> set[int]:
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            responses = await asyncio.gather(*(client.get("/") for _ in range(requests)))
        return {response.json() for response in responses}

    return asyncio.run(main())


def thread_app() -> FastAPI:
    app = FastAPI()

    @app.get("/")
    async def thread() -> int:
        await asyncio.sleep(0.05)  # Keep every request in flight at once.
        return await sync_to_async(threading.get_ident)()

    return app


def test_each_request_gets_its_own_orm_thread() -> None:
    assert len(threads_used(DjangoRequestLifecycle(thread_app()), requests=3)) == 3


def test_a_finished_requests_thread_serves_the_next_request() -> None:
    app = DjangoRequestLifecycle(thread_app())
    first, second = threads_used(app, requests=1), threads_used(app, requests=1)

    assert first == second


def test_without_it_every_request_queues_on_one_thread() -> None:
    assert len(threads_used(thread_app(), requests=3)) == 1


@contextmanager
def noting_signals() -> Iterator[list[tuple[str, int]]]:
    """Note each request signal sent, with the thread it ran on; on leaving the block, wait
    for `request_finished`, which runs on the request's thread after the response is sent."""
    noted: list[tuple[str, int]] = []
    finished = threading.Event()

    def started(**kwargs: object) -> None:
        noted.append(("started", threading.get_ident()))

    def ended(**kwargs: object) -> None:
        noted.append(("finished", threading.get_ident()))
        finished.set()

    signals.request_started.connect(started)
    signals.request_finished.connect(ended)
    try:
        yield noted
        assert finished.wait(timeout=10)
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(ended)


def test_api_requests_send_djangos_request_signals(api_client: TestClient) -> None:
    with noting_signals() as sent:
        api_client.get("/api/items")

    assert [name for name, _ in sent] == ["started", "finished"]
    # Both on the request's ORM thread, where its database connection lives.
    assert sent[0][1] == sent[1][1] != threading.get_ident()


def test_request_started_comes_before_the_first_orm_call_in_its_trip() -> None:
    app = FastAPI()

    with noting_signals() as events:

        @app.get("/")
        async def orm_call() -> int:
            def query() -> int:
                events.append(("query", threading.get_ident()))
                return threading.get_ident()

            return await sync_to_async(query)()

        threads_used(DjangoRequestLifecycle(app), requests=1)

    assert [name for name, _ in events] == ["started", "query", "finished"]
    assert events[0][1] == events[1][1]


def test_a_request_without_orm_calls_still_sends_both_signals_in_order() -> None:
    app = FastAPI()

    @app.get("/")
    async def no_orm() -> int:
        return 0

    with noting_signals() as sent:
        threads_used(DjangoRequestLifecycle(app), requests=1)

    assert [name for name, _ in sent] == ["started", "finished"]


def test_writes_take_turns_on_sqlite() -> None:
    running, most = 0, 0
    lock = threading.Lock()

    def service() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        threading.Event().wait(0.05)
        with lock:
            running -= 1

    async def request() -> None:
        async with ThreadSensitiveContext(), write_turn():  # Its own thread, as a request has.
            await sync_to_async(service)()

    async def main() -> None:
        await asyncio.gather(*(request() for _ in range(3)))

    asyncio.run(main())

    # SQLite has one write lock per file: a process's writers queue rather than poll for it.
    assert most == (1 if connection.vendor == "sqlite" else 3)
