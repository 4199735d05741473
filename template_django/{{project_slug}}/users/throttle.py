"""Login throttling, one rule for every login: the API's token, the pages' and the admin's.

After `LOGIN_FAILURE_LIMIT` failed logins for one username from one client address, every
further attempt for that pair is refused until `LOGIN_FAILURE_WINDOW` seconds have passed
since the last failure; a successful login resets the count. The count is a row in the
database (`LoginFailure`), so every worker process and every server share it.

`ModelBackend` applies the rule wherever Django authenticates with a request: a refused
attempt raises `LoginThrottled`, a `ValidationError`, which login forms (the pages' and the
admin's) show as their error, and which the token endpoints turn into a 429.

Why not django-axes or DRF's throttles: axes needs a Django request and its middleware on
every `authenticate()` call, which the hybrid's FastAPI token endpoint does not have, and
DRF's throttles count requests rather than failures and are not reset by a success.
"""

import hashlib
import math
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import backends
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.http import HttpRequest
from django.utils import timezone

from .models import LoginFailure, User


class LoginThrottled(ValidationError):
    """Too many failed logins: `retry_after` seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many failed logins for this username: try again in {retry_after} seconds.",
            code="throttled",
        )
        self.retry_after = retry_after


def login_key(username: str, address: str) -> str:
    """The throttle's key: the username and the client's address, hashed to a fixed size."""
    return hashlib.sha256(f"{username}\n{address}".encode()).hexdigest()


def _window() -> timedelta:
    return timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)


def login_retry_after(key: str) -> int | None:
    """Seconds until `key` may try again, or None when it may try now."""
    failure = LoginFailure.objects.filter(key=key).first()
    if failure is None or failure.count < settings.LOGIN_FAILURE_LIMIT:
        return None
    wait = (failure.last_at + _window() - timezone.now()).total_seconds()
    return math.ceil(wait) if wait > 0 else None


def login_failed(key: str) -> None:
    """Count a failed login (a count older than the window starts again at one)."""
    now = timezone.now()
    counted = LoginFailure.objects.filter(key=key).update(
        count=Case(When(last_at__lt=now - _window(), then=Value(1)), default=F("count") + 1),
        last_at=now,
    )
    if not counted:
        try:
            with transaction.atomic():
                LoginFailure.objects.create(key=key, count=1, last_at=now)
        except IntegrityError:
            # Another worker counted a failure for the same key first.
            login_failed(key)


def login_succeeded(key: str) -> None:
    """Forget the failures of `key`."""
    LoginFailure.objects.filter(key=key).delete()


class ModelBackend(backends.ModelBackend):
    """Django's username and password check, throttled per username and client address."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        """The user, or None; raises `LoginThrottled` while the pair is throttled."""
        if request is None or username is None:
            return super().authenticate(request, username, password, **kwargs)
        key = login_key(username, request.META.get("REMOTE_ADDR", ""))
        retry_after = login_retry_after(key)
        if retry_after is not None:
            raise LoginThrottled(retry_after)
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            login_failed(key)
        else:
            login_succeeded(key)
        return user
