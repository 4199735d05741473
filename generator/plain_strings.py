"""Strings without Jinja syntax, which copier renders anyway, taken as they are.

copier (9.19) renders every part of every template path through Jinja, from a fresh render
context: `tests`, `api`, `__init__.py` as much as `{{ project_slug }}`. Half of a hybrid
render's 542 strings hold no Jinja syntax at all (279), and rendering them took 23 ms of its
CPU time, 5%. A string with none of the environment's delimiters and no line break renders
to itself, with only the known pure extensions, so within the block copier gets such a
string back as it is. The one thing its rendering did besides, running the extensions'
`preprocess` hooks (copier's yield extension resets its state there; see jinja_compiled),
still happens.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import jinja2

from generator.jinja_compiled import PURE_EXTENSIONS

_RENDER = "_render_string"


def _markers(env: jinja2.Environment) -> tuple[str, ...]:
    """What starts Jinja syntax in `env`, and the line breaks its rendering may change."""
    starts = (env.block_start_string, env.variable_start_string, env.comment_start_string)
    prefixes = (env.line_statement_prefix, env.line_comment_prefix)
    return (*starts, *(prefix for prefix in prefixes if prefix), "\n", "\r")


def _worker() -> Any:
    from copier._main import Worker

    return Worker if callable(getattr(Worker, _RENDER, None)) else None


@contextlib.contextmanager
def plain_strings_as_they_are() -> Iterator[None]:
    """Within the block, copier returns a string without Jinja syntax without rendering it."""
    worker = _worker()
    if worker is None:  # a later copier: leave it alone
        yield
        return
    original = getattr(worker, _RENDER)

    def render_string(self: Any, string: str, extra_context: Any = None) -> str:
        env = self.jinja_env
        if (
            isinstance(string, str)
            and set(env.extensions) <= PURE_EXTENSIONS
            and not any(mark in string for mark in _markers(env))
            and env.preprocess(string) == string
        ):
            return string
        return str(original(self, string, extra_context))

    setattr(worker, _RENDER, render_string)
    try:
        yield
    finally:
        setattr(worker, _RENDER, original)
