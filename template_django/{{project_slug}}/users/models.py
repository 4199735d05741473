"""The user model: custom from the first migration, so it can grow without a painful swap."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person who signs in. Add fields here rather than in a separate profile table."""


class LoginFailure(models.Model):
    """Failed logins for one username from one client address (see throttle.py)."""

    # A hash of the username and the address: bounded, whatever a client sends.
    key = models.CharField(max_length=64, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.count} failed logins, the last at {self.last_at}"
