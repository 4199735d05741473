"""stackpick: answer a few questions, get the right Python web stack, update it for life."""

__version__ = "0.1.0"
