"""One combination rendered and checked inside a worker process of `stackpick verify`.

Rendering is copier's public `run_copy`. Copier builds a new Jinja environment for every
render, so the same template strings would be compiled again each time: about half of a
render. Each worker process keeps the compiled code of every source it has seen
(`generator.jinja_compiled`), and renders as `stackpick new` does (`render.copier_trimmed`).
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any

from generator.git_index import untracked_destinations
from generator.jinja_compiled import compile_once
from generator.render import copier_trimmed
from generator.verify_checks import project_problems


def worker_init() -> None:
    """Prepare a worker: copier imported once, warnings off, compiled code kept, no git probe."""
    warnings.simplefilter("ignore")
    import copier  # noqa: F401  (once per worker, not once per render)

    compile_once()
    untracked_destinations()


def render_and_check(src: str, data: dict[str, Any], dest: str) -> tuple[float, list[str]]:
    """Render one combination into `dest` and check its files; return seconds and problems."""
    import copier

    started = time.monotonic()
    try:
        with warnings.catch_warnings(), copier_trimmed():
            warnings.simplefilter("ignore")
            copier.run_copy(src, dest, data=data, defaults=True, quiet=True, unsafe=False)
    except Exception as error:  # any failure to render is this combination's failure
        lines = str(error).strip().splitlines() or [type(error).__name__]
        return time.monotonic() - started, [f"render failed: {lines[0]}"]
    return time.monotonic() - started, project_problems(Path(dest))
