"""Update a generated project to a newer template version, or grow Django into the hybrid.

`update_project` never touches the project until the whole update has worked in a
temporary clone of it: there copier merges the template's changes with the team's edits
(`update_copier`), stackpick takes back what copier would have lost and sorts every file
into the report (`update_changes`), and only then is the result copied into the project
(`update_apply`). With `pretend` or `check` the result is only reported: whether the
project lags behind its template (`stackpick update --check`), and what updating would do.
Where the template versions come from on this machine is `source.locate`'s job.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from generator import answers as answers_file
from generator import git, source
from generator.errors import UpdateRefused
from generator.framework_switch import overrides as switch_overrides
from generator.update_apply import apply
from generator.update_changes import OldRender, changes, report, take_back, unmerged
from generator.update_checks import git_top, require_clean
from generator.update_copier import UNCOMMITTED_MERGED, run_update
from generator.update_report import UpdateReport


def _clone(top: Path, dest: Path) -> None:
    head = git.text("rev-parse", "HEAD", cwd=top)
    dest.parent.mkdir(parents=True, exist_ok=True)
    git.output("clone", "--quiet", "--no-checkout", str(top), str(dest), cwd=dest.parent)
    git.output("checkout", "--quiet", "--detach", head, cwd=dest)


def _point_at(clone: Path, src_path: str) -> None:
    """Record another template source in the clone's answers file, as a commit there."""
    answers_file.set_src_path(clone, src_path)
    git.output("commit", "--quiet", "--no-verify", "-m", "stackpick: template source", "--",
               answers_file.ANSWERS_FILE, cwd=clone)  # fmt: skip


def _recorded_after(recorded: str, used: str, template: str | None) -> str:
    """What the updated answers file names: where the user pointed, or the most portable."""
    if template is not None or used == recorded:
        return used
    # A local fallback stands in for a published URL this machine could not reach.
    return recorded if source.is_url(recorded) else used


def update_project(
    path: Path,
    *,
    framework: str | None = None,
    data: Mapping[str, Any] | None = None,
    defaults: bool = False,
    pretend: bool = False,
    check: bool = False,
    template: str | None = None,
    vcs_ref: str | None = None,
) -> UpdateReport:
    """Update the project at `path` from its template, keeping every edit its team made.

    Args:
        path: The project (a folder with the answers file, in a clean git work tree).
        framework: Switch framework; only django -> hybrid is accepted (a growth), the
            others are rewrites and refused with the reason.
        data: Answers to change or add (`--data KEY=VALUE`), typed or as strings.
        defaults: Never ask: new questions take their defaults.
        pretend: Do everything in a temporary clone and report it; write nothing.
        check: Like `pretend`, for CI: the committed project is checked, even in a work
            tree with uncommitted changes, and nothing is ever asked.
        template: The template's location (a path or URL) when the recorded one is gone;
            it must hold the project's recorded revision.
        vcs_ref: The template version to update to (default: the latest version tag).

    Returns:
        The report; its `exit_code` is 1 when files were left with conflict markers.

    Raises:
        UpdateRefused: Not a stackpick project, not a clean git work tree, a refused
            framework switch, no reachable template, or copier refused; nothing was written.
        UpdateFailed: git or copier failed; nothing was written.
        Aborted: Ctrl-C at a question; nothing was written.

    """
    project = path.expanduser().resolve()
    if not project.is_dir():
        raise UpdateRefused(f"{path} is not a directory")
    top = git_top(project)
    answers = answers_file.read(project)
    pretend, defaults = pretend or check, defaults or check
    if not check:
        require_clean(project)
    overrides = switch_overrides(answers, framework, data or {})
    recorded, commit = str(answers["_src_path"]), str(answers["_commit"])
    used = source.locate(recorded, commit, template)
    head = git.text("rev-parse", "HEAD", cwd=top)

    # copier renders the template three times here (the old version, and the new one into
    # the project and into a scratch folder), and `OldRender` the old one again when it must
    # take an edit back: each as `stackpick new` renders, and no file probed by git for each.
    from generator.git_index import file_modes_asked_once
    from generator.render import as_stackpick_renders

    with (
        as_stackpick_renders(),
        file_modes_asked_once(),
        tempfile.TemporaryDirectory(prefix="stackpick-update-") as tmp,
    ):
        clone_top = Path(tmp, "project", top.name)
        _clone(top, clone_top)
        clone = clone_top / project.relative_to(top)
        if used != recorded:
            _point_at(clone, used)
        run_update(clone, overrides, defaults=defaults, vcs_ref=vcs_ref)
        if source.lost_revision(used, str(answers_file.read(clone)["_commit"])):
            print(UNCOMMITTED_MERGED, file=sys.stderr)
        if (final := _recorded_after(recorded, used, template)) != used:
            answers_file.set_src_path(clone, final)
        conflicted = unmerged(clone)
        old = OldRender(answers, used, Path(tmp, "old", project.name))
        kept = take_back(clone, old, changes(clone))
        result = report(project, clone, answers, old, kept, conflicted, pretend=pretend)
        if not pretend:
            if git.text("rev-parse", "HEAD", cwd=top) != head:
                raise UpdateRefused(f"{project} got a new commit during the update; run it again")
            require_clean(project)
            apply(clone, project, top, result, conflicted)
    return result
