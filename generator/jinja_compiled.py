"""Jinja compiles each distinct template source once per process.

copier compiles every string it renders anew: each part of each of a project's ~280 paths,
the answers file's name once per path, every question's default and validator, and each
included file. One render compiles about 1,600 sources of which 500 are distinct, and
`stackpick verify` renders hundreds of projects in one process. Compiling is a pure
function of the source and the environment's syntax settings, so its result is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jinja2

_compiled: dict[tuple[Any, ...], Any] = {}


def _settings(env: jinja2.Environment, name: str | None) -> tuple[Any, ...]:
    """Everything besides the source that changes what Jinja compiles it to."""
    autoescape = env.autoescape(name) if callable(env.autoescape) else env.autoescape
    finalize = None if env.finalize is None else getattr(env.finalize, "jinja_pass_arg", "plain")
    return (
        type(env),
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        env.trim_blocks,
        env.lstrip_blocks,
        env.newline_sequence,
        env.keep_trailing_newline,
        tuple(sorted(env.extensions)),
        env.optimized,
        env.is_async,
        autoescape,
        finalize,
    )


def compile_once() -> None:
    """Make every Jinja environment in this process reuse the code it compiled before."""
    if getattr(jinja2.Environment.compile, "compiles_once", False):
        return
    original: Callable[..., Any] = jinja2.Environment.compile

    def compile(
        self: jinja2.Environment,
        source: Any,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        if not isinstance(source, str):
            return original(self, source, name, filename, raw, defer_init)
        key = (source, name, filename, raw, defer_init, *_settings(self, name))
        if key not in _compiled:
            _compiled[key] = original(self, source, name, filename, raw, defer_init)
        return _compiled[key]

    compile.compiles_once = True  # type: ignore[attr-defined]
    jinja2.Environment.compile = compile  # type: ignore[method-assign]
