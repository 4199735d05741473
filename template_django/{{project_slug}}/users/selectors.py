"""Reading users."""

from django.db.models import QuerySet

from .models import User

# The queryset `user_get_active` copies, its filter resolved once (as the items' selectors
# do): every request with a bearer token looks its user up.
_ACTIVE_USERS: QuerySet[User] = User.objects.filter(is_active=True)


def user_get_active(*, user_id: int) -> User | None:
    """The active user with this id, or None."""
    # `get`, not `first`: a primary key names one row, so the query needs no ORDER BY.
    try:
        return _ACTIVE_USERS.get(pk=user_id)
    except User.DoesNotExist:
        return None
