"""GET /api/health: the process answers and its database runs a query."""

from django.db import DatabaseError, connection
from fastapi import APIRouter, Response, status

from ..lifecycle import on_request_thread
from ..schemas import Health

router = APIRouter(tags=["health"])


@on_request_thread
def _ping_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


@router.get(
    "/health",
    response_model_exclude_none=True,
    responses={503: {"description": "The database is unreachable", "model": Health}},
)
async def health(response: Response) -> Health:
    """Report whether the service and its database work."""
    try:
        await _ping_database()
    except DatabaseError as exc:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Health(status="error", database="error", detail=str(exc))
    return Health(status="ok", database="ok")
