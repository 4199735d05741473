"""Reading and changing items; every change is committed and announced here."""

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .events import announce
from .models import Item
from .schemas import ItemOut, ItemUpdate

# The largest id an INTEGER column holds on every supported database.
MAX_ID = 2**31 - 1


# The list's statements, built once: SQLAlchemy then also computes their cache keys once
# instead of on every request. The page and the count come from one statement, so from one
# snapshot (the count is an uncorrelated subquery, computed once).
ITEM_COUNT = select(func.count()).select_from(Item)
ITEM_PAGE = (
    select(Item, ITEM_COUNT.scalar_subquery())
    .order_by(Item.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)


async def item_list(session: AsyncSession, *, limit: int, offset: int) -> tuple[list[Item], int]:
    """One page of items ordered by id, and how many items there are."""
    rows = (await session.execute(ITEM_PAGE, {"limit": limit, "offset": offset})).all()
    if not rows:
        # Only an empty page asks for the count alone.
        return [], await session.scalar(ITEM_COUNT) or 0
    return [item for item, _ in rows], rows[0][1]


async def item_get(session: AsyncSession, *, item_id: int) -> Item | None:
    """The item with this id, or None."""
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
