"""`createsuperuser --noinput` refuses a password the validators refuse, with one line."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ..models import User


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("123", "This password is too short."),
        ("password1", "This password is too common."),
        ("weakling99", "The password is too similar to the username."),
    ],
)
def test_a_weak_password_is_refused(
    monkeypatch: pytest.MonkeyPatch, password: str, reason: str
) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", password)

    with pytest.raises(CommandError, match=reason):
        call_command(
            "createsuperuser", interactive=False, username="weakling99", email="w@example.com"
        )

    assert not User.objects.filter(username="weakling99").exists()


@pytest.mark.django_db
def test_a_strong_password_makes_the_superuser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "violet-kettle-93")

    call_command("createsuperuser", interactive=False, username="root", email="r@example.com")

    assert User.objects.get(username="root").check_password("violet-kettle-93")
