"""An unreachable database is a 503 with a `detail`, never a 500 or a hang."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from starlette.testclient import TestClient

from ..routes import items


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("couldn't get a connection after 1.00 sec"),
        InterfaceError("connection already closed"),
    ],
)
def test_a_lost_database_is_a_503(api_client: TestClient, error: Exception) -> None:
    with mock.patch.object(items, "item_list", side_effect=error):
        response = api_client.get("/api/items")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json()["detail"]
