"""Every error answers with a JSON object that has a `detail` key."""

import logging
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

logger = logging.getLogger(__name__)


class Error(BaseModel):
    """Every error but invalid input: `{"detail": "..."}`."""

    detail: str


class ValidationErrorEntry(BaseModel):
    """One problem with the input: where, what, and its kind."""

    loc: list[str | int]
    msg: str
    type: str


class ValidationError(BaseModel):
    """Invalid input (422): one entry per problem."""

    detail: list[ValidationErrorEntry]


_DESCRIPTIONS = {
    400: "The body is not valid JSON or form data",
    401: "Missing, malformed, tampered or expired bearer token",
    403: "Only the owner or staff may do this",
    404: "No such item",
    422: "Invalid input",
    429: "Too many failed logins: wait for Retry-After seconds",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for the given error statuses (FastAPI's `responses=`)."""
    return {
        status_code: {
            "model": ValidationError if status_code == 422 else Error,
            "description": _DESCRIPTIONS[status_code],
        }
        for status_code in statuses
    }


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


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on `app`."""
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, server_error)
