"""`createsuperuser`, checking the password against the validators in every mode.

Django checks `AUTH_PASSWORD_VALIDATORS` only when it prompts for the password; with
`--noinput` (the README's way, and every script's) it took `DJANGO_SUPERUSER_PASSWORD` as
it was, `123` included. This command refuses such a password with one line, as the prompt,
the admin and the other frameworks' `createsuperuser` do.
"""

import os
from typing import Any

from django.contrib.auth.management.commands import createsuperuser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from ...models import User


class Command(createsuperuser.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if not options["interactive"] and password is not None:
            user = User(
                username=options["username"] or os.environ.get("DJANGO_SUPERUSER_USERNAME", ""),
                email=options["email"] or os.environ.get("DJANGO_SUPERUSER_EMAIL", ""),
            )
            try:
                validate_password(password, user)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        super().handle(*args, **options)
