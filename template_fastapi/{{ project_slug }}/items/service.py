"""Reading and changing items; every change is committed and announced here."""

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db import DriverSelect
from .events import announce
from .models import ITEM_VIEW, Item
from .schemas import ItemOut, ItemUpdate

# The largest id an INTEGER column holds on every supported database (PostgreSQL's is 32-bit):
# a larger id names no item.
MAX_ID = 2**31 - 1


# The reads' statements, built and compiled once, run by the database driver on the
# session's connection (db.DriverSelect): the session's own execute() would take them through
# the ORM's machinery, which only loading Item objects needs. The page and the count come
# from one statement, so from one snapshot (the count is an uncorrelated subquery, computed
# once).
ITEM_COUNT = select(func.count()).select_from(Item)
ITEM_PAGE = DriverSelect(
    ITEM_VIEW.add_columns(ITEM_COUNT.scalar_subquery().label("total"))
    .order_by(Item.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
ITEM_ONE = DriverSelect(ITEM_VIEW.where(Item.id == bindparam("item_id")))


async def item_list(session: AsyncSession, *, limit: int, offset: int) -> tuple[list[ItemOut], int]:
    """One page of items ordered by id, and how many items there are."""
    rows = await ITEM_PAGE.rows(session, limit=limit, offset=offset)
    if not rows:
        # Only an empty page asks for the count alone.
        return [], await (await session.connection()).scalar(ITEM_COUNT) or 0
    return [ItemOut.model_validate(row) for row in rows], rows[0]["total"]


async def item_view(session: AsyncSession, *, item_id: int) -> ItemOut | None:
    """The item with this id as the API shows it, or None."""
    if not 0 < item_id <= MAX_ID:
        return None
    rows = await ITEM_ONE.rows(session, item_id=item_id)
    return ItemOut.model_validate(rows[0]) if rows else None


async def item_get(session: AsyncSession, *, item_id: int) -> Item | None:
    """The item with this id, to change it; or None."""
    if not 0 < item_id <= MAX_ID:
        return None
    return await session.get(Item, item_id)


async def item_create(session: AsyncSession, *, item: Item) -> Item:
    """Store a new item (made by the caller, who may also give it an owner)."""
    session.add(item)
    await session.commit()
    await announce("created", ItemOut.from_model(item))
    return item


async def item_update(session: AsyncSession, *, item: Item, data: ItemUpdate) -> Item:
    """Change the fields `data` sets."""
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(item, field, value)
    await session.commit()
    await announce("updated", ItemOut.from_model(item))
    return item


async def item_delete(session: AsyncSession, *, item: Item) -> None:
    """Delete an item."""
    gone = ItemOut.from_model(item)
    await session.delete(item)
    await session.commit()
    await announce("deleted", gone)
