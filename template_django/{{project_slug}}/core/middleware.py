"""An unreachable database is a 503 that says so, on every route, never a 500 or a hang."""

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

DETAIL = "The database is unavailable; try again shortly."


class DatabaseUnavailableMiddleware:
    """Turn a lost or refused database connection into 503 with `Retry-After`.

    The connection pool waits at most DATABASE_POOL_TIMEOUT seconds for a connection, so a
    request fails fast while the database is down; this answers it as the contract says:
    JSON with a `detail` under /api/, plain text elsewhere.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Answer 503 for a database connection error; leave every other error alone."""
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("Database unavailable on %s %s: %s", request.method, request.path, exception)
        headers = {"Retry-After": "5"}
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": DETAIL}, status=503, headers=headers)
        return HttpResponse(DETAIL, status=503, content_type="text/plain", headers=headers)
