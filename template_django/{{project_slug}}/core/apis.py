"""The health check: proves the process serves requests and reaches its database."""

import logging

from django.db import DatabaseError, connection
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .openapi import errors, refusals

logger = logging.getLogger(__name__)


@extend_schema_field({"type": "string", "enum": ["ok", "error"]})
class OkOrErrorField(serializers.CharField):
    """`"ok"` or `"error"`."""


HEALTH = inline_serializer(
    "Health",
    {
        "status": OkOrErrorField(),
        "database": OkOrErrorField(),
        "detail": serializers.CharField(required=False),
    },
)


class HealthApi(APIView):
    """`GET /api/health`: 200 after a real query, 503 when the database is unreachable."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="health",
        responses={
            200: HEALTH,
            503: OpenApiResponse(HEALTH, description="The database is unreachable"),
            **errors(*refusals()),
        },
    )
    def get(self, request: Request) -> Response:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError:
            logger.exception("Health check: the database is unreachable")
            return Response(
                {"status": "error", "database": "error", "detail": "The database is unreachable."},
                status=503,
            )
        return Response({"status": "ok", "database": "ok"})
