"""copier's per-file git probe, skipped where it can only answer "nothing to do".

For every file it writes, copier (9.19) runs `git config --get core.fileMode` in the
destination, so that where git ignores file modes it can carry an executable bit into the
destination's git index with `git update-index`. stackpick renders a new project into a
folder it has just made (`render` into a staging folder, `verify` into a temporary one): no
git index tracks a file there, so the probe, one process per file, ends with nothing to do
every time. A Django project has 86 files; the probes took 0.14 s of its render.

`stackpick update` renders into git repositories (the merge's clone, copier's own scratch
ones), where the probe matters only when git ignores file modes, and git's answer to that
cannot change while a render writes its files: it asks once a render there.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from generator import git

_PROBE = "_sync_git_index_executable_bit"
_MODES_IGNORED = "_stackpick_file_modes_ignored"
#: copier's `Worker._sync_git_index_executable_bit(self, dst_relpath, src_mode)`.
Probe = Callable[[Any, Any, int], None]


def _nothing_to_sync(_worker: Any, _dst_relpath: Any, _src_mode: int) -> None:
    """A file in a folder no git index tracks: its executable bit is on disk, and that is all."""


def _worker() -> Any:
    from copier._main import Worker

    return Worker if hasattr(Worker, _PROBE) else None  # a later copier may not probe


@contextlib.contextmanager
def _probe_replaced(replacement: Callable[[Probe], Probe]) -> Iterator[None]:
    """Within the block, copier's probe is `replacement(copier's own probe)`."""
    worker = _worker()
    if worker is None:
        yield
        return
    original = getattr(worker, _PROBE)
    setattr(worker, _PROBE, replacement(original))
    try:
        yield
    finally:
        setattr(worker, _PROBE, original)


def untracked_destination() -> contextlib.AbstractContextManager[None]:
    """Within the block, copier writes files without probing git for each."""
    return _probe_replaced(lambda _original: _nothing_to_sync)


def untracked_destinations() -> None:
    """For the rest of this process (a verify worker), copier writes without the probe."""
    worker = _worker()
    if worker is not None:
        setattr(worker, _PROBE, _nothing_to_sync)


def _file_modes_ignored(folder: Path) -> bool:
    """Whether git ignores file modes in `folder` (`core.fileMode` false), as copier asks."""
    try:
        proc = git.run("config", "--type=bool", "--get", "core.fileMode", cwd=folder)
    except OSError:
        return False
    return proc.returncode == 0 and proc.stdout.strip() == b"false"


def _asking_once(original: Probe) -> Probe:
    def sync(self: Any, dst_relpath: Any, src_mode: int) -> None:
        ignored = self.__dict__.get(_MODES_IGNORED)
        if ignored is None:
            ignored = _file_modes_ignored(Path(self.subproject.local_abspath))
            self.__dict__[_MODES_IGNORED] = ignored
        if ignored:  # git's index must be told: copier does it file by file
            original(self, dst_relpath, src_mode)

    return sync


def file_modes_asked_once() -> contextlib.AbstractContextManager[None]:
    """Within the block, each copier render asks git about file modes once, not once a file."""
    return _probe_replaced(_asking_once)
