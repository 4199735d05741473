"""Jinja compiles each distinct template source once, for one render or one process.

copier compiles every string it renders anew: each part of each of a project's ~280 paths,
the answers file's name once per path, every question's default and validator, and each
included file. One render compiles about 1,600 sources of which 500 are distinct, and
`stackpick verify` renders hundreds of projects in one process. Compiling is a pure
function of the source and the environment's syntax settings, so its result can be kept.

Kept code also keeps what Jinja computed while compiling: it writes the value of a constant
expression into the output, filters included, so `999… | ans_random` (copier.yml's secret
key) comes out the same wherever the code is reused. So `stackpick new` keeps compiled
code for one render only (`compiled_once`), and only verify's workers, whose projects are
checked and thrown away, keep it for their whole life (`compile_once`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import jinja2

Compile = Callable[..., Any]


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


def _keeping(original: Compile, kept: dict[tuple[Any, ...], Any]) -> Compile:
    """`Environment.compile` that keeps in `kept` what `original` compiles from a string."""

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
        if key not in kept:
            kept[key] = original(self, source, name, filename, raw, defer_init)
        return kept[key]

    return compile


@contextlib.contextmanager
def compiled_once() -> Iterator[None]:
    """Within the block, every Jinja environment compiles each distinct source once."""
    original = jinja2.Environment.compile
    jinja2.Environment.compile = _keeping(original, {})  # type: ignore[method-assign]
    try:
        yield
    finally:
        jinja2.Environment.compile = original  # type: ignore[method-assign]


def compile_once() -> None:
    """For the rest of this process, every Jinja environment compiles each source once."""
    jinja2.Environment.compile = _keeping(jinja2.Environment.compile, {})  # type: ignore[method-assign]
