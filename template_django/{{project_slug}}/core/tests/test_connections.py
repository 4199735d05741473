"""A request's database connections: kept by threads that live on, closed with ASGI's."""

from collections.abc import Iterator

import pytest
from django.core import signals
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, connections


@pytest.fixture
def closed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """What `connections.close_all()` was asked for; Django's own receiver stays out of it."""
    calls: list[str] = []
    monkeypatch.setattr(connections, "close_all", lambda: calls.append("closed"))
    # As Django's test client does: close_old_connections would reach for the database.
    signals.request_finished.disconnect(close_old_connections)
    yield calls
    signals.request_finished.connect(close_old_connections)


def test_connections_close_when_an_asgi_request_finishes(closed: list[str]) -> None:
    signals.request_finished.send(sender=WSGIHandler)
    assert closed == []  # A WSGI worker's thread serves the next request with them.

    signals.request_finished.send(sender=ASGIHandler)
    assert closed == ["closed"]  # ASGIHandler's thread for the request ends with it.
