"""The API's error format: every error body has `detail`; invalid input is a 422.

A body that cannot be read (not JSON, or of another media type) is invalid input too.
Invalid input answers `{"detail": [{"loc": [...], "msg": str, "type": str}, ...]}`, one
entry per problem, instead of Django REST framework's 400 with a field → messages map.
"""

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

UNPROCESSABLE = 422


class RequestValidationError(exceptions.ValidationError):
    """Invalid input at a known place of the request: "body" or "query"."""

    def __init__(self, detail: Any, *, location: str = "body") -> None:
        super().__init__(detail)
        self.location = location


def validate(
    serializer_class: type[serializers.Serializer],
    data: Any,
    *,
    location: str = "body",
    partial: bool = False,
) -> dict[str, Any]:
    """Validate `data` with `serializer_class`, or raise a `RequestValidationError`."""
    serializer = serializer_class(data=data, partial=partial)
    if not serializer.is_valid():
        raise RequestValidationError(serializer.errors, location=location)
    return dict(serializer.validated_data)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Django REST framework's handler, with invalid input turned into a 422; always JSON.

    The docs page renders HTML, but its errors (a bad bearer token's 401) are JSON, as every
    other error of the API.
    """
    response = _error_response(exc, context)
    request = context.get("request")
    if response is not None and request is not None:
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type
    return response


def _error_response(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RecursionError):  # JSON nested deeper than the parser can follow
        exc = exceptions.ParseError("JSON parse error - nested too deeply")
    if isinstance(exc, exceptions.ParseError):
        problem = {"loc": ["body"], "msg": str(exc.detail), "type": "json_invalid"}
        return Response({"detail": [problem]}, status=UNPROCESSABLE)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        # A body the operation cannot read, as FastAPI answers it: one client fits both.
        problem = {"loc": ["body"], "msg": str(exc.detail), "type": "unsupported_media_type"}
        return Response({"detail": [problem]}, status=UNPROCESSABLE)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(serializers.as_serializer_error(exc))
    if isinstance(exc, exceptions.ValidationError):
        location = getattr(exc, "location", "body")
        return Response({"detail": list(_problems(exc.detail, [location]))}, status=UNPROCESSABLE)
    return drf_exception_handler(exc, context)


def _problems(detail: Any, loc: list[str | int]) -> Iterator[dict[str, Any]]:
    """Flatten Django REST framework's nested error detail into located problems."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            inner = loc if key == api_settings.NON_FIELD_ERRORS_KEY else [*loc, key]
            yield from _problems(value, inner)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            yield from _problems(value, [*loc, index] if isinstance(value, dict | list) else loc)
    else:
        yield {"loc": loc, "msg": str(detail), "type": getattr(detail, "code", "invalid")}
