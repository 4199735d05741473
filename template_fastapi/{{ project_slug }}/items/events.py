"""Item changes, announced once stored to whatever subscribed (websockets, tasks, ...)."""

from collections.abc import Awaitable, Callable
from typing import Literal

from .schemas import ItemOut

Event = Literal["created", "updated", "deleted"]
Subscriber = Callable[[Event, ItemOut], Awaitable[None]]

_subscribers: list[Subscriber] = []


def on_item_event(subscriber: Subscriber) -> Subscriber:
    """Call `subscriber(event, item)` after every stored change (a decorator)."""
    _subscribers.append(subscriber)
    return subscriber


async def announce(event: Event, item: ItemOut) -> None:
    """Tell every subscriber; each one handles its own failures (the change is stored)."""
    for subscriber in _subscribers:
        await subscriber(event, item)
