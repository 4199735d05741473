"""The answers file's path, rendered once per render instead of once per template path.

copier (9.19) renders the answers file's name (`_answers_file`, a Jinja string) from a fresh
render context every time it asks for it: once for each of a project's ~340 template paths
and each file it writes, 371 times in a Django render, 23 ms of its CPU time. While copier
renders the template's files (`Worker._render_template`) the answers are final and the
context it renders the name in is the same every time, so within that step the first
result is kept. Outside it (while questions are asked, the answers may still change) and
with Jinja extensions beyond the known pure ones (a context hook could change the context),
copier renders it as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from generator.jinja_compiled import PURE_EXTENSIONS

_RENDER = "_render_template"
_PATH = "answers_relpath"
_KEPT = "_stackpick_answers_relpath"


def _worker() -> Any:
    from copier._main import Worker

    path = getattr(Worker, _PATH, None)
    if not isinstance(path, property) or not callable(getattr(Worker, _RENDER, None)):
        return None  # a later copier: leave it alone
    return Worker


@contextlib.contextmanager
def answers_path_once() -> Iterator[None]:
    """Within the block, each copier render computes the answers file's path once."""
    worker = _worker()
    if worker is None:
        yield
        return
    original_path: property = getattr(worker, _PATH)
    original_render = getattr(worker, _RENDER)

    def answers_relpath(self: Any) -> Any:
        kept = self.__dict__.get(_KEPT)
        if kept is not None:
            return kept
        return original_path.fget(self)  # type: ignore[misc]

    def render_template(self: Any) -> None:
        if not set(self.jinja_env.extensions) <= PURE_EXTENSIONS:
            original_render(self)
            return
        self.__dict__[_KEPT] = original_path.fget(self)  # type: ignore[misc]
        try:
            original_render(self)
        finally:
            del self.__dict__[_KEPT]

    setattr(worker, _PATH, property(answers_relpath, doc=original_path.__doc__))
    setattr(worker, _RENDER, render_template)
    try:
        yield
    finally:
        setattr(worker, _PATH, original_path)
        setattr(worker, _RENDER, original_render)
