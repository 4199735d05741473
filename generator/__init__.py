"""stackpick: answer a few questions, get the right Python web stack, update it for life."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("stackpick")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0"
