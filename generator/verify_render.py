"""One combination rendered and checked inside a worker process of `stackpick verify`.

Rendering is copier's public `run_copy`. Copier builds a new Jinja environment for every
render, so the same template strings would be compiled again each time: about half of a
render. Compiling is a pure function of the source and the environment's syntax settings,
so each worker process keeps the compiled code of every source it has seen.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

from generator.verify_checks import project_problems

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


def _memoise_compile() -> None:
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

    jinja2.Environment.compile = compile  # type: ignore[method-assign]


def worker_init() -> None:
    """Prepare a worker process: copier imported once, warnings off, compiled code kept."""
    warnings.simplefilter("ignore")
    import copier  # noqa: F401  (once per worker, not once per render)

    _memoise_compile()


def render_and_check(src: str, data: dict[str, Any], dest: str) -> tuple[float, list[str]]:
    """Render one combination into `dest` and check its files; return seconds and problems."""
    import copier

    started = time.monotonic()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            copier.run_copy(src, dest, data=data, defaults=True, quiet=True, unsafe=False)
    except Exception as error:  # any failure to render is this combination's failure
        lines = str(error).strip().splitlines() or [type(error).__name__]
        return time.monotonic() - started, [f"render failed: {lines[0]}"]
    return time.monotonic() - started, project_problems(Path(dest))
