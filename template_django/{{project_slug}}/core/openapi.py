"""The API's error bodies and field schemas, for the OpenAPI document.

The document matches the FastAPI and hybrid projects' documents, so that one client
generated from any of them fits all three: the same schemas, fields and statuses.
"""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from .statuses import DESCRIPTIONS


@extend_schema_field({"anyOf": [{"type": "string"}, {"type": "integer"}]})
class LocationPartField(serializers.Field):
    """One step of a problem's location: a name (`"body"`, `"price"`) or a list index."""

    def to_representation(self, value: Any) -> str | int:
        return value if isinstance(value, int) else str(value)


class ErrorSerializer(serializers.Serializer):
    """Every error but invalid input: `{"detail": "..."}`."""

    detail = serializers.CharField()


class ValidationErrorEntrySerializer(serializers.Serializer):
    """One problem with the input: where, what, and its kind."""

    loc = serializers.ListField(child=LocationPartField())
    msg = serializers.CharField()
    type = serializers.CharField()


class ValidationErrorSerializer(serializers.Serializer):
    """Invalid input (422): one entry per problem."""

    detail = ValidationErrorEntrySerializer(many=True)


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """OpenAPI responses for the given error statuses."""
    return {
        status: OpenApiResponse(
            ValidationErrorSerializer if status == 422 else ErrorSerializer,
            description=DESCRIPTIONS[status],
        )
        for status in statuses
    }


def refusals(*, write: bool = False) -> tuple[int, ...]:
    """The statuses an operation answers for who asks, as the API's authentication has it.

    With credentials to check, a missing, malformed or expired bearer token is refused with
    401, and a write the user may not make with 403; with none (no accounts), nobody is.
    """
    if not api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        return ()
    return (401, 403) if write else (401,)


def bodies_required(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Mark every request body required (a postprocessing hook): the API refuses none.

    drf-spectacular leaves a body optional when none of its fields is required, as in a
    partial update; the API answers 422 to a request without one.
    """
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if "requestBody" in operation:
                operation["requestBody"]["required"] = True
    return result
