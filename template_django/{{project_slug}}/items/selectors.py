"""Reading items."""

from django.db.models import QuerySet

from .models import Item


def item_list() -> QuerySet[Item]:
    """Every item, oldest first, with its owner loaded."""
    return Item.objects.select_related("owner").order_by("id")


def item_get(*, item_id: int | str) -> Item | None:
    """The item with this id, or None (also for an id that is not an integer)."""
    text = str(item_id)
    if not (text.isascii() and text.isdigit()):
        return None
    return item_list().filter(pk=int(text)).first()
