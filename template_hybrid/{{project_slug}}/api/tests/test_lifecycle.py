"""The request-lifecycle middleware: one ORM thread per request, and Django's signals."""

import asyncio
import threading

import httpx2
from asgiref.sync import sync_to_async
from django.core import signals
from fastapi import FastAPI
from starlette.testclient import TestClient
from starlette.types import ASGIApp

from ..lifecycle import DjangoRequestLifecycle


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


def test_without_it_every_request_queues_on_one_thread() -> None:
    assert len(threads_used(thread_app(), requests=3)) == 1


def test_api_requests_send_djangos_request_signals(api_client: TestClient) -> None:
    sent: list[str] = []

    def started(**kwargs: object) -> None:
        sent.append("started")

    def finished(**kwargs: object) -> None:
        sent.append("finished")

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        api_client.get("/api/health")
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)

    assert sent == ["started", "finished"]
