"""An unreachable database answers 503 with a `detail` on every route, never a 500."""

import json

import pytest
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from ..middleware import DatabaseUnavailableMiddleware


def _passed(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


middleware = DatabaseUnavailableMiddleware(_passed)


@pytest.mark.parametrize(
    "error",
    [OperationalError("connection refused"), InterfaceError("connection already closed")],
)
def test_a_lost_database_is_a_json_503_under_api(error: Exception) -> None:
    response = middleware.process_exception(RequestFactory().get("/api/items"), error)

    assert response is not None
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert json.loads(response.content)["detail"]


def test_a_lost_database_is_a_plain_503_on_pages() -> None:
    error = OperationalError("couldn't get a connection after 1.00 sec")

    response = middleware.process_exception(RequestFactory().get("/"), error)

    assert response is not None
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/plain")


def test_other_errors_are_left_alone() -> None:
    assert middleware.process_exception(RequestFactory().get("/api/items"), ValueError()) is None
