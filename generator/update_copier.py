"""The two copier runs of an update: the merge itself, and a re-render of the old version."""

from __future__ import annotations

import contextlib
import io
import sys
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from generator.answers import user_answers
from generator.errors import Aborted, StackpickError, UpdateFailed, UpdateRefused

#: Said when an update merged a local template's uncommitted changes.
UNCOMMITTED_MERGED = (
    "stackpick: warning: merged the template's uncommitted changes: the project now records "
    "a revision that exists nowhere, and its next update cannot find it; commit the "
    "template's changes and update again"
)


@contextlib.contextmanager
def copier_errors() -> Iterator[None]:
    """Turn copier's errors into stackpick's; nothing has been written to the project yet."""
    from copier.errors import CopierAnswersInterrupt, InteractiveSessionError, UserMessageError

    try:
        yield
    except (CopierAnswersInterrupt, KeyboardInterrupt) as error:
        raise Aborted("update interrupted; the project was not changed") from error
    except InteractiveSessionError as error:
        if sys.stdin is not None and sys.stdin.isatty():  # Ctrl-D at one of its questions
            raise Aborted("update interrupted; the project was not changed") from error
        raise UpdateRefused(
            "the new template version asks a new question and there is no terminal to ask "
            "it on: pass --defaults, or answer it with --data KEY=VALUE"
        ) from error
    except (UserMessageError, ValueError) as error:
        raise UpdateRefused(str(error).strip().splitlines()[0]) from error


@contextlib.contextmanager
def notes_once() -> Iterator[None]:
    """Show each line copier prints to stderr once, when the block ends.

    copier prints some notes itself, once for each of an update's renders: "No git tags
    found in template; using HEAD as ref" three times. Its warnings are one line each; the
    one about a local template's uncommitted changes is left to `update_project`, which
    knows whether they were rendered.
    """
    from copier.errors import DirtyLocalWarning

    said = io.StringIO()
    try:
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(said):
            yield
    finally:
        for warning in caught:
            if not issubclass(warning.category, DirtyLocalWarning):
                print(f"{warning.category.__name__}: {warning.message}", file=said)
        for line in dict.fromkeys(said.getvalue().splitlines()):
            print(line, file=sys.stderr)


def render_old(answers: Mapping[str, Any], src_path: str, dest: Path) -> None:
    """Render the project's recorded template version with its recorded answers."""
    import copier

    commit = answers["_commit"]
    try:
        with copier_errors():
            copier.run_copy(
                src_path,
                dest,
                data=user_answers(dict(answers)),
                vcs_ref=str(commit),
                defaults=True,
                quiet=True,
                unsafe=False,
                overwrite=True,
            )
    except UpdateRefused as error:
        raise UpdateRefused(
            f"cannot re-render the project's template version {commit} from {src_path} "
            f"({error.message}); the update merges from it: is the template still there, "
            "with that revision committed (not rendered from uncommitted files)?"
        ) from error
    except Exception as error:  # copier surfaces git's failures as plumbum errors
        raise UpdateRefused(
            f"cannot re-render the project's template version {commit} from "
            f"{src_path}: is the template still there, with that revision committed?"
        ) from error


def run_update(
    clone: Path, data: Mapping[str, Any], *, defaults: bool, vcs_ref: str | None
) -> None:
    """`copier update` in the clone: template changes merged, conflicts as inline markers."""
    import copier

    try:
        with copier_errors(), notes_once():
            copier.run_update(
                clone,
                data=dict(data),
                defaults=defaults,
                overwrite=True,
                conflict="inline",
                unsafe=False,
                quiet=True,
                skip_answered=True,
                vcs_ref=vcs_ref,
            )
    except StackpickError:
        raise
    except Exception as error:  # git or a template error inside copier: still nothing written
        detail = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise UpdateFailed(
            f"copier update failed ({detail}); the project was not changed"
        ) from error
