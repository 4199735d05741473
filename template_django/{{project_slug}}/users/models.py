"""The user model: custom from the first migration, so it can grow without a painful swap."""

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A person who signs in. Add fields here rather than in a separate profile table."""
