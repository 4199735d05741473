"""Limit/offset pagination as the API contract describes it."""

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

# The largest offset a database accepts (a signed 64-bit integer).
MAX_OFFSET = 2**63 - 1


class DigitsField(serializers.IntegerField):
    """An integer in ASCII digits: DRF's would also take "5.0", " 5" or other scripts' digits."""

    def to_internal_value(self, data: Any) -> int:
        if not (isinstance(data, int) or re.fullmatch(r"-?[0-9]+", str(data))):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class PageQuerySerializer(serializers.Serializer):
    """`?limit=&offset=`: limit 1 to 100 (default 20), offset 0 or more (default 0)."""

    limit = DigitsField(min_value=1, max_value=100, default=20)
    offset = DigitsField(min_value=0, max_value=MAX_OFFSET, default=0)


@dataclass(frozen=True)
class Page:
    """One page of a queryset and the size of the whole."""

    items: list[Any]
    total: int
    limit: int
    offset: int


def paginate(queryset: QuerySet[Any], *, limit: int, offset: int) -> Page:
    """Return the page of `queryset` that starts at `offset`."""
    return Page(
        items=list(queryset[offset : offset + limit]),
        total=queryset.count(),
        limit=limit,
        offset=offset,
    )
