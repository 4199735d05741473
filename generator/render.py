"""Render a project atomically: into a hidden folder beside DEST, then moved into place.

Nothing is written to DEST until copier has finished; an error or Ctrl-C at any moment
leaves DEST exactly as it was (moves into an existing DEST are undone on an error).
"""

from __future__ import annotations

import contextlib
import filecmp
import os
import re
import shutil
import signal
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import Aborted, StackpickError, UsageError
from generator.questions import read_yaml
from generator.source import TemplateSource, cache_home

_VALIDATION = re.compile(r"Validation error for question '(?P<key>[^']+)': (?P<msg>.*)", re.S)


@dataclass
class RenderResult:
    """What `render` did: where the project is and which existing files it set aside."""

    dest: Path
    backups: list[Path] = field(default_factory=list)
    #: The template's uncommitted changes were rendered: its recorded revision exists nowhere.
    uncommitted: bool = False


def check_destination(dest: Path, *, force: bool) -> None:
    """Refuse a destination that is a file, or a non-empty folder without `--force`."""
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"{dest} exists and is not a directory")
    if dest.is_dir() and any(dest.iterdir()) and not force:
        raise UsageError(f"{dest} exists and is not empty (use --force to render into it)")


def _one_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    match = _VALIDATION.search(text)
    if match:
        message = match["msg"].strip().splitlines()[0]
        return message if message.startswith(match["key"]) else f"{match['key']}: {message}"
    return text.splitlines()[0]


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM while files move into place, so no move is cut in half."""
    blocked = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _in_the_way(staging: Path, dest: Path) -> str | None:
    """Why `dest` cannot take the rendered files, or None when it can.

    A file where the project has a folder, or the reverse; a symbolic link counts as neither.
    """
    for root, dirs, files in os.walk(staging):
        relative = Path(root).relative_to(staging)
        for name in dirs:
            there = dest / relative / name
            if there.is_symlink() or (there.exists() and not there.is_dir()):
                return f"{relative / name} is a file where the project has a folder"
        for name in files:
            there = dest / relative / name
            if there.is_dir() and not there.is_symlink():
                return f"{relative / name} is a folder where the project has a file"
    return None


def _merge_into(staging: Path, dest: Path) -> list[Path]:
    """Move every rendered file into `dest`; an existing different file is kept as `*.orig`.

    Nothing moves when a rendered path is in `dest`'s way (`_in_the_way`), and an error while
    moving puts back what had moved, so `dest` is left as it was either way.
    """
    if reason := _in_the_way(staging, dest):
        raise UsageError(f"cannot render into {dest}: {reason}")
    made: list[Path] = []  # folders created in dest
    placed: list[tuple[Path, Path | None]] = []  # files moved in, and what each set aside
    try:
        for root, _dirs, files in os.walk(staging):
            folder = dest / Path(root).relative_to(staging)
            if not folder.is_dir():
                folder.mkdir()
                made.append(folder)
            for name in files:
                rendered, target = Path(root) / name, folder / name
                backup = None
                if target.is_symlink() or target.exists():
                    if target.is_file() and filecmp.cmp(rendered, target, shallow=False):
                        shutil.move(rendered, target)  # the same content: nothing to undo
                        continue
                    backup = target.with_name(target.name + ".orig")
                    counter = 1
                    while backup.is_symlink() or backup.exists():
                        backup = target.with_name(f"{target.name}.orig{counter}")
                        counter += 1
                    target.rename(backup)
                placed.append((target, backup))
                # A move, or a copy where DEST is on another file system (a mount point).
                shutil.move(rendered, target)
    except OSError:
        for target, backup in reversed(placed):
            with contextlib.suppress(OSError):
                if backup is None:
                    target.unlink(missing_ok=True)
                else:
                    os.replace(backup, target)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return [backup for _target, backup in placed if backup is not None]


def _record_portable_source(project: Path, source: TemplateSource) -> str | None:
    """Name the template in the answers file so that every machine finds it (`portable`).

    Returns the template revision the project records, if any.
    """
    from generator import answers
    from generator.source import portable

    path = project / answers.ANSWERS_FILE
    recorded = read_yaml(path.read_bytes()) if path.is_file() else None
    if isinstance(recorded, dict) and recorded.get("_commit"):
        where = portable(source, str(recorded["_commit"]))
        if where != recorded.get("_src_path"):
            answers.set_src_path(project, where)
        return str(recorded["_commit"])
    return None


@contextlib.contextmanager
def copier_trimmed() -> Iterator[None]:
    """Within the block, copier renders the same files with less of its repeated work.

    copier.yml is read by libyaml, the answers file's path is computed once a render, and
    strings without Jinja syntax are taken as they are. `stackpick new` and `stackpick
    verify` both render within it.
    """
    from generator.answers_path import answers_path_once
    from generator.plain_strings import plain_strings_as_they_are
    from generator.template_config import config_read_by_libyaml

    with config_read_by_libyaml(), answers_path_once(), plain_strings_as_they_are():
        yield


@contextlib.contextmanager
def as_stackpick_renders() -> Iterator[None]:
    """Within the block, copier renders as `stackpick new` and `stackpick update` do.

    Compiled Jinja code and checkouts of local template versions are kept in the cache
    folder (`jinja_compiled`, `template_checkout`), and copier's repeated work is trimmed.
    """
    from generator.jinja_compiled import compiled_once
    from generator.template_checkout import kept_checkouts

    cache = cache_home()
    with (
        compiled_once(cache / "jinja", files_under=cache / "checkouts"),
        kept_checkouts(cache / "checkouts"),
        copier_trimmed(),
    ):
        yield


def render(
    source: TemplateSource,
    dest: Path,
    answers: dict[str, Any],
    *,
    interactive: bool,
    force: bool = False,
) -> RenderResult:
    """Render the template into `dest`, asking copier's remaining questions when interactive."""
    import copier  # imported here: it costs a third of a second
    from copier.errors import CopierAnswersInterrupt, CopierError, InteractiveSessionError
    from plumbum import ProcessExecutionError

    from generator.git_index import untracked_destination
    from generator.source import lost_revision

    dest = dest.expanduser().resolve()
    check_destination(dest, force=force)
    missing_parents = [p for p in reversed(dest.parents) if not p.exists()]
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        # Named apart from DEST: a DEST name as long as the system allows still fits.
        staging = Path(tempfile.mkdtemp(prefix=".stackpick-", dir=dest.parent))
    except OSError as error:
        _remove_empty(missing_parents)
        raise UsageError(f"cannot create {dest}: {error.strerror or error}") from None
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; the project should not be
    moved = False
    try:
        with (
            warnings.catch_warnings(),
            as_stackpick_renders(),
            untracked_destination(),
        ):
            warnings.simplefilter("ignore")
            copier.run_copy(
                source.src_path,
                staging,
                data=answers,
                vcs_ref=source.vcs_ref,
                defaults=not interactive,
                quiet=True,
                unsafe=False,
                cleanup_on_error=False,
            )
        commit = _record_portable_source(staging, source)
        uncommitted = commit is not None and lost_revision(source.src_path, commit)
        with signals_deferred():
            if not dest.exists():
                staging.rename(dest)
                moved = True
                return RenderResult(dest=dest, uncommitted=uncommitted)
            # An existing folder, empty or not (--force), stays the same folder: its owner,
            # mode and mount, and the shell sitting in it (`stackpick new .`).
            backups = _merge_into(staging, dest)
            return RenderResult(dest=dest, backups=backups, uncommitted=uncommitted)
    except (CopierAnswersInterrupt, KeyboardInterrupt) as error:
        raise Aborted("interrupted: nothing was written") from error
    except InteractiveSessionError as error:  # Ctrl-D at one of copier's questions
        raise Aborted("interrupted: nothing was written") from error
    except (ValueError, TypeError, CopierError) as error:
        raise UsageError(_one_line(error)) from error
    except StackpickError:
        raise
    except ProcessExecutionError as error:  # git, fetching the template
        said = [line for line in str(error.stderr or "").splitlines() if line.strip()]
        fatal = [line for line in said if line.startswith("fatal:")]
        reason = (fatal or said or [f"git exited with {error.retcode}"])[0]
        raise StackpickError(f"could not fetch the template {source.src_path}: {reason}") from None
    except OSError as error:
        raise StackpickError(f"could not write the project: {_one_line(error)}") from error
    finally:
        if not moved:
            shutil.rmtree(staging, ignore_errors=True)
            _remove_empty(missing_parents)


def _remove_empty(folders: list[Path]) -> None:
    """Remove the folders that `render` created for DEST (given outermost first), if empty."""
    for folder in reversed(folders):
        with contextlib.suppress(OSError):
            folder.rmdir()
