"""Reading items, through Django's async ORM; `item_changes` writes them."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import WithJsonSchema

from ...items.models import Item
from ...items.selectors import item_get, item_list, item_view, item_views
from ..contract import errors
from ..lifecycle import on_request_thread
from ..schemas import ItemOut, ItemPage

router = APIRouter(prefix="/items", tags=["items"])

# The largest offset a database accepts (a signed 64-bit integer).
MAX_OFFSET = 2**63 - 1

ItemId = Annotated[str, WithJsonSchema({"type": "integer"})]

# Wrapped once, at import: each runs on the request's ORM thread (lifecycle.on_request_thread).
_item_get = on_request_thread(item_get)
_item_view = on_request_thread(item_view)


def _not_found() -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail="Item not found.")


async def item_or_404(item_id: ItemId) -> Item:
    """The item an id names, to change it; 404 for an unknown id and for one that is not an
    integer."""
    item = await _item_get(item_id=item_id)
    if item is None:
        raise _not_found()
    return item


ItemDep = Annotated[Item, Depends(item_or_404)]


async def item_view_or_404(item_id: ItemId) -> ItemOut:
    """The item an id names, as the API shows it; 404 as for item_or_404."""
    item = await _item_view(item_id=item_id)
    if item is None:
        raise _not_found()
    return ItemOut.model_validate(item)


@router.get("", responses=errors(422, 503))
async def items_list(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, json_schema_extra={"format": "int64"})] = 0,
) -> ItemPage:
    """A page of items, in id order."""
    items, total = await _page(limit=limit, offset=offset)
    return ItemPage(
        items=[ItemOut.model_validate(item) for item in items],
        total=total,
        limit=limit,
        offset=offset,
    )


@on_request_thread
def _page(*, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    # The page and the count in one call on the request's ORM thread: one thread hop, where
    # the async ORM's `async for` and `acount()` take one each.
    return list(item_views()[offset : offset + limit]), item_list().count()


@router.get("/{item_id}", responses=errors(404, 503))
async def items_read(item: Annotated[ItemOut, Depends(item_view_or_404)]) -> ItemOut:
    """One item."""
    return item
