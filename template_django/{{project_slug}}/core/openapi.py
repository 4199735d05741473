"""The API's error bodies, for the OpenAPI document."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Every error but invalid input: `{"detail": "..."}`."""

    detail = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """One problem with the input: where, what, and its kind."""

    loc = serializers.ListField(child=serializers.CharField())
    msg = serializers.CharField()
    type = serializers.CharField()


class ValidationErrorSerializer(serializers.Serializer):
    """Invalid input (422): one entry per problem."""

    detail = ProblemSerializer(many=True)


_DESCRIPTIONS = {
    401: "Missing, malformed, tampered or expired bearer token",
    403: "Only the owner or staff may do this",
    404: "No such item",
    422: "Invalid input",
    429: "Too many failed logins: wait for Retry-After seconds",
}


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """OpenAPI responses for the given error statuses."""
    return {
        status: OpenApiResponse(
            ValidationErrorSerializer if status == 422 else ErrorSerializer,
            description=_DESCRIPTIONS[status],
        )
        for status in statuses
    }
