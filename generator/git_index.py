"""copier's per-file git probe, skipped where it can only answer "nothing to do".

For every file it writes, copier (9.19) runs `git config --get core.fileMode` in the
destination, so that where git ignores file modes it can carry an executable bit into the
destination's git index with `git update-index`. stackpick renders a new project into a
folder it has just made (`render` into a staging folder, `verify` into a temporary one): no
git index tracks a file there, so the probe, one process per file, ends with nothing to do
every time. A Django project has 86 files; the probes took 0.14 s of its render.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

_PROBE = "_sync_git_index_executable_bit"


def _nothing_to_sync(_worker: Any, _dst_relpath: Any, _src_mode: int) -> None:
    """A file in a folder no git index tracks: its executable bit is on disk, and that is all."""


def _worker() -> Any:
    from copier._main import Worker

    return Worker if hasattr(Worker, _PROBE) else None  # a later copier may not probe


@contextlib.contextmanager
def untracked_destination() -> Iterator[None]:
    """Within the block, copier writes files without probing git for each."""
    worker = _worker()
    if worker is None:
        yield
        return
    original = getattr(worker, _PROBE)
    setattr(worker, _PROBE, _nothing_to_sync)
    try:
        yield
    finally:
        setattr(worker, _PROBE, original)


def untracked_destinations() -> None:
    """For the rest of this process (a verify worker), copier writes without the probe."""
    worker = _worker()
    if worker is not None:
        setattr(worker, _PROBE, _nothing_to_sync)
