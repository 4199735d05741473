"""The request-lifecycle middleware: one ORM thread per request, and Django's signals; writes."""

import asyncio
import contextvars
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import httpx2
import pytest
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.db import connection
from fastapi import FastAPI, Request
from starlette.testclient import TestClient
from starlette.types import ASGIApp

from .. import lifecycle
from ..lifecycle import DjangoRequestLifecycle, on_request_thread, write_turn
from ..protect import BodyLimitMiddleware


def threads_used(app: ASGIApp, requests: int) -> set[int]:
    """The threads that concurrent requests' synchronous (ORM) code ran in."""

    async def main() -> set[int]:
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            responses = await asyncio.gather(*(client.get("/") for _ in range(requests)))
        return {response.json() for response in responses}

    return asyncio.run(main())


def answer(app: ASGIApp) -> object:
    """What `app` answers to one `GET /` (its JSON)."""

    async def main() -> object:
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            return (await client.get("/")).json()

    return asyncio.run(main())


def thread_app() -> FastAPI:
    app = FastAPI()

    @app.get("/")
    async def thread() -> int:
        await asyncio.sleep(0.05)  # Keep every request in flight at once.
        return await sync_to_async(threading.get_ident)()

    return app


def test_each_request_gets_its_own_orm_thread() -> None:
    # As many requests as run at once (the rest wait for a turn, and a finished thread).
    assert len(threads_used(DjangoRequestLifecycle(thread_app()), requests=2)) == 2


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


def test_the_apis_calls_run_on_the_requests_thread_in_the_callers_context() -> None:
    app = FastAPI()
    asked: contextvars.ContextVar[str] = contextvars.ContextVar("asked", default="nobody")

    with noting_signals() as events:

        def query(by: str) -> str:
            events.append((by, threading.get_ident()))
            return asked.get()

        api_query = on_request_thread(query)

        @app.get("/")
        async def orm_calls() -> list[str]:
            asked.set("the route")
            return [await api_query("api"), await sync_to_async(query)("django")]

        answered = answer(DjangoRequestLifecycle(app))

    # Before the first call, in its trip: request_started; Django's own calls share the thread.
    assert [name for name, _ in events] == ["started", "api", "django", "finished"]
    assert len({thread for _, thread in events}) == 1
    assert answered == ["the route", "the route"]


def test_an_error_on_the_requests_thread_reaches_the_caller() -> None:
    app = FastAPI()

    @on_request_thread
    def lookup() -> None:
        raise LookupError("no such row")

    @app.get("/")
    async def failing() -> str:
        with pytest.raises(LookupError, match="no such row"):
            await lookup()
        return "raised"

    assert answer(DjangoRequestLifecycle(app)) == "raised"


def test_outside_a_request_the_apis_calls_run_as_sync_to_async_runs_them() -> None:
    caller = threading.get_ident()

    assert asyncio.run(on_request_thread(threading.get_ident)()) != caller


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


def test_a_process_runs_a_few_requests_at_once_the_rest_in_turn() -> None:
    app = FastAPI()
    running, most = 0, 0

    @app.get("/")
    async def busy() -> int:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.02)
        running -= 1
        return 0

    async def main() -> list[int]:
        transport = httpx2.ASGITransport(app=DjangoRequestLifecycle(app))
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            responses = await asyncio.gather(*(client.get("/") for _ in range(8)))
        return [response.status_code for response in responses]

    assert asyncio.run(main()) == [200] * 8
    assert most == lifecycle.turn_limits()[0] == 2


def waiting_app(release: asyncio.Event, entered: asyncio.Event | None = None) -> FastAPI:
    """An app whose /wait sets `entered` and holds its turn until `release` is set; /health
    and /echo answer."""
    app = FastAPI()

    @app.get("/wait")
    async def wait() -> str:
        if entered is not None:
            entered.set()
        await release.wait()
        return "done"

    @app.get("/health")
    async def health() -> str:
        return "ok"

    @app.post("/echo")
    async def echo(request: Request) -> int:
        return len(await request.body())

    return app


def test_a_request_kept_waiting_for_a_turn_answers_503(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lifecycle, "turn_limits", lambda: (1, 0.1))

    async def main() -> tuple[httpx2.Response, httpx2.Response]:
        release = asyncio.Event()
        transport = httpx2.ASGITransport(app=DjangoRequestLifecycle(waiting_app(release)))
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            holding = asyncio.create_task(client.get("/wait"))
            await asyncio.sleep(0.05)
            refused = await client.get("/wait")
            release.set()
            return await holding, refused

    served, refused = asyncio.run(main())

    assert served.status_code == 200
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "5"
    assert "detail" in refused.json()


def test_the_health_check_and_slow_uploads_hold_no_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lifecycle, "turn_limits", lambda: (1, 5.0))

    async def main() -> list[object]:
        release, uploaded, entered = asyncio.Event(), asyncio.Event(), asyncio.Event()

        async def slow_body() -> AsyncIterator[bytes]:
            yield b"first half, "
            await uploaded.wait()
            yield b"second half"

        app = DjangoRequestLifecycle(waiting_app(release, entered), unqueued={"/health"})
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            upload = asyncio.create_task(client.post("/echo", content=slow_body()))
            await asyncio.sleep(0.05)
            # The upload, still sending, holds no turn: this request takes the only one.
            holding = asyncio.create_task(client.get("/wait"))
            await asyncio.wait_for(entered.wait(), timeout=1)
            # The health check answers while every turn is taken.
            health = await asyncio.wait_for(client.get("/health"), timeout=1)
            uploaded.set()
            release.set()
            return [health.json(), (await holding).json(), (await upload).json()]

    assert asyncio.run(main()) == ["ok", "done", len(b"first half, second half")]


def test_a_streamed_body_over_the_limit_is_still_a_413() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"x" * 10

    async def main() -> httpx2.Response:
        app = DjangoRequestLifecycle(waiting_app(asyncio.Event()))
        transport = httpx2.ASGITransport(app=BodyLimitMiddleware(app, max_bytes=25))
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post("/echo", content=chunks())

    response = asyncio.run(main())

    assert response.status_code == 413
    assert "larger than 25 bytes" in response.json()["detail"]
