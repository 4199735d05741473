"""Every error answers with a JSON object that has a `detail` key."""

import logging

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

logger = logging.getLogger(__name__)


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 with one `{"loc", "msg", "type"}` entry per problem."""
    assert isinstance(exc, RequestValidationError)
    detail = [
        {"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]}
        for error in exc.errors()
    ]
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content={"detail": detail}
    )


async def server_error(request: Request, exc: Exception) -> JSONResponse:
    """500 as JSON; the traceback goes to the log."""
    logger.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(
        status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        content={"detail": "Internal Server Error"},
    )


async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """503 while the database cannot be reached (fast: see db.py's timeouts), never a hang."""
    lost = isinstance(exc, OSError | PoolTimeout | OperationalError | InterfaceError)
    if not lost and not (isinstance(exc, DBAPIError) and exc.connection_invalidated):
        return await server_error(request, exc)
    logger.warning("Database unavailable on %s %s: %r", request.method, request.url.path, exc)
    return JSONResponse(
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        content={"detail": "The database is unavailable; try again shortly."},
        headers={"Retry-After": "5"},
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on `app`."""
    app.add_exception_handler(RequestValidationError, validation_error)
    # A refused or lost database connection (asyncpg raises OSError while connecting).
    for error in (DBAPIError, PoolTimeout, OSError):
        app.add_exception_handler(error, database_unavailable)
    app.add_exception_handler(Exception, server_error)
