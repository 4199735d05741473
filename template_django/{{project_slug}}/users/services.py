"""Changing and authenticating users; framework-neutral, so any API layer can call it."""

from django.contrib.auth import authenticate
from django.http import HttpRequest

from .models import User


def user_create(*, username: str, password: str, email: str = "", is_staff: bool = False) -> User:
    """Create a user with a hashed password."""
    user = User(username=username, email=email, is_staff=is_staff)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


def user_authenticate(
    *, username: str, password: str, request: HttpRequest | None = None
) -> User | None:
    """The active user with these credentials, or None.

    With a request, failures are throttled per username and client address: raises
    `throttle.LoginThrottled` while they are (see throttle.py).
    """
    user = authenticate(request, username=username, password=password)
    return user if isinstance(user, User) and user.is_active else None
