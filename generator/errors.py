"""The errors stackpick shows its users: one line each, never a traceback."""

from __future__ import annotations


class StackpickError(Exception):
    """Root of every error stackpick reports to its user.

    The message is one line meant for the user; `exit_code` is the process's exit status.
    """

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(StackpickError):
    """The user's input is invalid: a flag, an answer, a path. Nothing was written."""

    exit_code = 2


class Aborted(StackpickError):
    """The user pressed Ctrl-C; whatever was half-done has been removed."""

    exit_code = 130


class UpdateRefused(UsageError):
    """The project cannot be updated as asked; nothing was written (exit 2)."""


class UpdateFailed(StackpickError):
    """The update broke down (git or copier failed); nothing was written (exit 1)."""
