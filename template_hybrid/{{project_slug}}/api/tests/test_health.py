from unittest import mock

from django.db import OperationalError
from starlette.testclient import TestClient

from ..routes import health


def test_health_queries_the_database(api_client: TestClient) -> None:
    response = api_client.get("/api/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_is_503_when_the_database_fails(api_client: TestClient) -> None:
    failure = OperationalError("connection refused")
    with mock.patch.object(health, "_ping_database", side_effect=failure):
        response = api_client.get("/api/health")

    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "error",
        "detail": "connection refused",
    }
