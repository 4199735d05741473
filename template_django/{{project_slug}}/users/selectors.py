"""Reading users."""

from .models import User


def user_get_active(*, user_id: int) -> User | None:
    """The active user with this id, or None."""
    return User.objects.filter(pk=user_id, is_active=True).first()
