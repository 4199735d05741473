"""Update a generated project to a newer template version, or grow Django into the hybrid.

`update_project` never touches the project until the whole update has worked in a
temporary clone of it. There copier merges the template's changes with the team's edits
(`copier.run_update`, conflicts as inline markers); stackpick then takes back what copier
would have lost:

- a file the new render no longer has is deleted by copier, edited or not; stackpick keeps
  it when the team edited or created it (it differs from the old render);
- a binary file the team changed is replaced by copier with the template's; stackpick
  keeps the team's.

The result is copied into the project (conflicted files keep git's unmerged state, so they
cannot be committed by accident), or with `pretend` only reported.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.errors import Aborted, StackpickError, UsageError
from generator.render import signals_deferred

ANSWERS_FILE = ".copier-answers.yml"
FRAMEWORKS = ("django", "fastapi", "hybrid")

#: The lines copier's inline merge writes around a conflict.
CONFLICT_MARKERS = (b"<<<<<<< before updating", b">>>>>>> after updating")

#: Framework switches that grow a project: everything the team wrote stays.
GROWTHS = frozenset({("django", "hybrid")})

_HYBRID = (
    "The hybrid offers the middle way: it is the Django project plus a FastAPI API on the "
    "same database and models"
)

#: Framework switches stackpick refuses, and why: each would be a rewrite, not an update.
REFUSED_SWITCHES: Mapping[tuple[str, str], str] = {
    ("django", "fastapi"): (
        "django -> fastapi is a rewrite, not an update: your models, migrations, admin, "
        "views, templates and their tests are Django code the FastAPI project cannot run, "
        "and its SQLAlchemy models and Alembic migrations would replace them. "
        f"{_HYBRID}; grow into it with `--framework hybrid` and keep all of it."
    ),
    ("fastapi", "django"): (
        "fastapi -> django is a rewrite, not an update: your routers, schemas, "
        "dependencies, SQLAlchemy models and Alembic migrations have no place in a Django "
        "project and every query would have to be rewritten for Django's ORM. "
        f"{_HYBRID}, but its models are Django's too, so it is not a shortcut from FastAPI: "
        "generate a new project and port your code."
    ),
    ("fastapi", "hybrid"): (
        "fastapi -> hybrid is refused: the hybrid's FastAPI routes run over Django models, "
        "so your SQLAlchemy models, Alembic migrations, users table and every query would "
        "have to be rewritten for Django's ORM; copier cannot merge that, it would only "
        "delete your database layer. If you need an admin, your FastAPI project can have "
        "one (`--data admin=true`, SQLAdmin); otherwise generate a hybrid project and port "
        "your routers to it."
    ),
    ("hybrid", "django"): (
        "hybrid -> django is refused: it would remove the FastAPI API (its routers, schemas "
        "and the ASGI composition) and serve the API from DRF views instead, so every "
        "endpoint you added to the FastAPI app would be left unreachable. The hybrid already "
        "is a complete Django project; keep it, or move your endpoints to DRF by hand and "
        "delete the API package yourself (copier will not bring deleted files back)."
    ),
    ("hybrid", "fastapi"): (
        "hybrid -> fastapi is a rewrite, not an update: your Django models, migrations, "
        "admin and pages would be deleted and the API moved onto SQLAlchemy. Keep the "
        "hybrid: its FastAPI API already serves the hot paths."
    ),
}

_DRF_NOTE = (
    "The hybrid serves /api with FastAPI ({slug}/api/), not Django REST framework: kept DRF "
    "files are no longer routed and DRF is no longer a dependency; port what you changed "
    "to the routers in {slug}/api/routes/, then delete them."
)

_GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "stackpick",
    "GIT_AUTHOR_EMAIL": "stackpick@localhost",
    "GIT_COMMITTER_NAME": "stackpick",
    "GIT_COMMITTER_EMAIL": "stackpick@localhost",
}


class UpdateRefused(UsageError):
    """The project cannot be updated as asked; nothing was written (exit 2)."""


class UpdateFailed(StackpickError):
    """The update broke down (git or copier failed); nothing was written (exit 1)."""


@dataclass(frozen=True)
class KeptFile:
    """A file stackpick kept although the update would have deleted or replaced it."""

    path: str
    reason: str


@dataclass
class UpdateReport:
    """What an update changed in a project (or, with `pretend`, would change).

    Paths are relative to the project. `conflicts` lists files left with inline conflict
    markers; the caller exits with `exit_code` (1 when there are conflicts) so CI notices.
    """

    project: Path
    pretend: bool
    old_version: str
    new_version: str
    old_framework: str
    new_framework: str
    added: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    kept: list[KeptFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the update changes any file."""
        return bool(self.added or self.modified or self.removed)

    @property
    def exit_code(self) -> int:
        """The exit status for the command: 1 when conflicts are left to resolve, else 0."""
        return 1 if self.conflicts else 0

    def __str__(self) -> str:
        """Describe the update as the user reads it at the end of `stackpick update`."""
        switch = (
            f", {self.old_framework} -> {self.new_framework}"
            if self.old_framework != self.new_framework
            else ""
        )
        versions = f"template {self.old_version} -> {self.new_version}{switch}"
        if not self.changed and not self.kept:
            return f"{self.project} is up to date ({versions})."
        verb = "Would update" if self.pretend else "Updated"
        lines = [f"{verb} {self.project} ({versions}):"]
        lines += [f"  added     {path}" for path in self.added]
        lines += [f"  modified  {path}" for path in self.modified]
        lines += [f"  removed   {path}" for path in self.removed]
        if self.kept:
            lines.append("Kept as you left them (the update would have lost your edits):")
            lines += [f"  {kept.path}: {kept.reason}" for kept in self.kept]
        lines += self.notes
        if self.conflicts:
            would = "would be left" if self.pretend else "left"
            lines.append(
                f"Conflicts {would} as inline markers (<<<<<<< before updating ... "
                ">>>>>>> after updating) in:"
            )
            lines += [f"  {path}" for path in self.conflicts]
            if not self.pretend:
                lines.append("Resolve them, `git add` each file, run the tests, then commit.")
        elif not self.pretend:
            lines.append("Review with `git diff`, run the tests, then commit.")
        return "\n".join(lines)


# --- git ------------------------------------------------------------------------------------


def _git_bytes(*args: str, cwd: Path, stdin: bytes | None = None) -> bytes:
    env = {**os.environ, **_GIT_IDENTITY}
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(name, None)
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=env, input=stdin, capture_output=True, check=False
    )
    if proc.returncode != 0:
        detail = proc.stderr.decode(errors="replace").strip().splitlines()
        raise UpdateFailed(f"git {args[0]} failed in {cwd}: {detail[-1] if detail else ''}")
    return proc.stdout


def _git(*args: str, cwd: Path) -> str:
    return _git_bytes(*args, cwd=cwd).decode().strip()


def _zsplit(output: bytes) -> list[str]:
    return [item.decode() for item in output.split(b"\0") if item]


# --- checks before anything is done -----------------------------------------------------------


def _read_answers(project: Path) -> dict[str, Any]:
    answers_path = project / ANSWERS_FILE
    if not answers_path.is_file():
        raise UpdateRefused(
            f"{project} has no {ANSWERS_FILE}: it was not generated by stackpick or copier"
        )
    answers = yaml.safe_load(answers_path.read_text(encoding="utf-8"))
    if not isinstance(answers, dict) or not answers.get("_src_path"):
        raise UpdateRefused(f"{answers_path} does not name its template (_src_path)")
    if not answers.get("_commit"):
        raise UpdateRefused(
            f"{answers_path} records no template revision (_commit): the project was rendered "
            "from a folder that is not a git repository, so there is no old version to merge "
            "from"
        )
    return answers


def _git_top(project: Path) -> Path:
    proc = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise UpdateRefused(
            f"{project} is not in a git repository: updates are merged with git, so run "
            "`git init && git add -A && git commit -m 'Generated by stackpick'` first"
        )
    top = Path(proc.stdout.strip()).resolve()
    if not _git("rev-list", "--max-count=1", "--all", cwd=top):
        raise UpdateRefused(
            f"{project}'s git repository has no commit yet: commit the project first"
        )
    return top


def _require_clean(project: Path) -> None:
    dirty = _zsplit(
        _git_bytes("status", "--porcelain", "-z", "--untracked-files=all", "--", ".", cwd=project)
    )
    paths = [entry[3:] for entry in dirty if len(entry) > 3]
    if paths:
        example = ", ".join(paths[:3]) + (", ..." if len(paths) > 3 else "")
        raise UpdateRefused(
            f"{project} is not a clean git work tree ({len(paths)} uncommitted: {example}); "
            "commit or stash first, so the update can be merged and reviewed with `git diff`"
        )


def check_framework_switch(old: str, new: str) -> None:
    """Refuse a framework switch that would be a rewrite rather than an update."""
    if old == new or (old, new) in GROWTHS:
        return
    if new not in FRAMEWORKS:
        raise UpdateRefused(f"unknown framework {new!r}: choose one of {', '.join(FRAMEWORKS)}")
    reason = REFUSED_SWITCHES.get((old, new))
    raise UpdateRefused(reason or f"cannot switch a {old or 'unknown'} project to {new}")


def _check_old_revision(src_path: str, commit: str) -> None:
    """Refuse early when a local template no longer holds the project's recorded revision."""
    template = Path(src_path)
    if "://" in src_path or not template.is_absolute():
        return  # a URL: copier will say whether it can fetch the revision
    if not template.is_dir():
        raise UpdateRefused(
            f"the project's template {src_path} is gone; if it moved, write its new "
            f"location as `_src_path` in {ANSWERS_FILE} and commit"
        )
    proc = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}"],
        cwd=template,
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        raise UpdateRefused(
            f"the template {src_path} has no revision {commit}, the one the project was "
            "rendered from (rendered from uncommitted template files, or a deleted tag?); "
            "the update needs it to tell your edits from the template's"
        )


def _follow_framework_defaults(answers: Mapping[str, Any], old: str, new: str) -> dict[str, Any]:
    """Answers left at a default that names the framework follow a switch (the description)."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    from generator.questions import load

    context = {key: value for key, value in answers.items() if not key.startswith("_")}
    environment = SandboxedEnvironment()
    updates: dict[str, Any] = {}
    for key, question in load().items():
        default = question.default
        if key == "framework" or not isinstance(default, str) or "framework" not in default:
            continue
        try:
            before = environment.from_string(default).render({**context, "framework": old})
            after = environment.from_string(default).render({**context, "framework": new})
        except jinja2.TemplateError:
            continue
        if answers.get(key) == before != after:
            updates[key] = after
    return updates


def _refresh_shipped_template(src_path: str) -> None:
    """Snapshot the template shipped with this stackpick if the project was made from it."""
    from generator import source
    from generator.questions import template_root

    if Path(src_path) == source.data_home() / "template":
        source.snapshot(template_root())


# --- the update, in a clone -----------------------------------------------------------------------


@contextlib.contextmanager
def _copier_errors() -> Iterator[None]:
    """Turn copier's errors into stackpick's; nothing has been written to the project yet."""
    from copier.errors import CopierAnswersInterrupt, InteractiveSessionError, UserMessageError

    try:
        yield
    except (CopierAnswersInterrupt, KeyboardInterrupt) as error:
        raise Aborted("update interrupted; the project was not changed") from error
    except InteractiveSessionError as error:
        raise UpdateRefused(
            "the new template version asks a new question and there is no terminal to ask "
            "it on: pass --defaults, or answer it with --data KEY=VALUE"
        ) from error
    except UserMessageError as error:
        raise UpdateRefused(str(error).strip().splitlines()[0]) from error
    except ValueError as error:
        raise UpdateRefused(str(error).strip().splitlines()[0]) from error


def _clone(top: Path, dest: Path) -> None:
    head = _git("rev-parse", "HEAD", cwd=top)
    dest.parent.mkdir(parents=True, exist_ok=True)
    _git("clone", "--quiet", "--no-checkout", str(top), str(dest), cwd=dest.parent)
    _git("checkout", "--quiet", "--detach", head, cwd=dest)


def _point_at(clone: Path, src_path: str) -> None:
    """Record another template source in the clone's answers file, as a commit there."""
    answers_path = clone / ANSWERS_FILE
    lines = answers_path.read_text(encoding="utf-8").splitlines(keepends=True)
    quoted = yaml.safe_dump(src_path, default_style='"').strip()
    new = [f"_src_path: {quoted}\n" if line.startswith("_src_path:") else line for line in lines]
    answers_path.write_text("".join(new), encoding="utf-8")
    _git("commit", "--quiet", "--no-verify", "-m", "stackpick: template source", "--",
         ANSWERS_FILE, cwd=clone)  # fmt: skip


def _render_old(answers: Mapping[str, Any], src_path: str, dest: Path) -> None:
    """Render the project's recorded template version with its recorded answers."""
    import copier

    data = {key: value for key, value in answers.items() if not key.startswith("_")}
    try:
        with _copier_errors():
            copier.run_copy(
                src_path,
                dest,
                data=data,
                vcs_ref=str(answers["_commit"]),
                defaults=True,
                quiet=True,
                unsafe=False,
                overwrite=True,
            )
    except UpdateRefused as error:
        raise UpdateRefused(
            f"cannot re-render the project's template version {answers['_commit']} from "
            f"{src_path} ({error.message}); the update merges from it: is the template still "
            "there, with that revision committed (not rendered from uncommitted files)?"
        ) from error
    except Exception as error:  # copier surfaces git's failures as plumbum errors
        raise UpdateRefused(
            f"cannot re-render the project's template version {answers['_commit']} from "
            f"{src_path}: is the template still there, with that revision committed?"
        ) from error


def _run_update(
    clone: Path, data: Mapping[str, Any], *, defaults: bool, vcs_ref: str | None
) -> None:
    import copier

    try:
        with _copier_errors():
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


# --- what the update did, and what stackpick takes back -------------------------------------------


class _OldRender:
    """The project's recorded template version with its recorded answers, rendered on demand.

    Only needed when the update deletes a file or touches a binary one, so a plain update
    does not pay for a fourth render.
    """

    def __init__(self, answers: Mapping[str, Any], src_path: str, dest: Path) -> None:
        self.answers, self.src_path, self.dest = answers, src_path, dest
        self.rendered = False

    def content(self, path: str) -> bytes | None:
        """The old render's bytes of `path` (a symlink's target), or None if it had no such file."""
        if not self.rendered:
            _render_old(self.answers, self.src_path, self.dest)
            self.rendered = True
        target = self.dest / path
        if target.is_symlink():
            return os.readlink(target).encode()
        return target.read_bytes() if target.is_file() else None


@dataclass(frozen=True)
class _Change:
    status: str  # git's letter: A, M, D or T
    path: str  # relative to the project
    binary: bool  # git cannot diff it as text, so copier cannot merge it


def _changes(clone: Path) -> list[_Change]:
    """Every change in the clone's project against HEAD."""
    _git("add", "--all", "--", ".", cwd=clone)
    diff = ("diff", "--cached", "--no-renames", "--relative", "-z", "HEAD")
    items = _zsplit(_git_bytes(*diff, "--name-status", cwd=clone))
    binary = {
        line.split("\t", 2)[2]
        for line in _zsplit(_git_bytes(*diff, "--numstat", cwd=clone))
        if line.startswith("-\t-\t")
    }
    return [
        _Change(items[i][0], items[i + 1], items[i + 1] in binary) for i in range(0, len(items), 2)
    ]


def _take_back(clone: Path, old: _OldRender, changes: list[_Change]) -> list[KeptFile]:
    """Restore the team's version of files copier deleted or replaced though they edited them."""
    kept: list[KeptFile] = []
    for change in changes:
        if not (change.status == "D" or (change.status == "M" and change.binary)):
            continue
        theirs = _git_bytes("show", f"HEAD:./{change.path}", cwd=clone)
        before = old.content(change.path)
        if theirs == before:
            continue  # untouched by the team: the template may change or remove it
        if change.status == "D":
            reason = (
                "you edited it and the new template no longer has it"
                if before is not None
                else "you created it and the new template would delete it"
            )
        else:
            template_changed = before is not None and (clone / change.path).read_bytes() != before
            reason = "a binary file you changed (copier cannot merge binary files)" + (
                "; the new template changed it too: compare by hand" if template_changed else ""
            )
        _git("checkout", "HEAD", "--", change.path, cwd=clone)
        kept.append(KeptFile(change.path, reason))
    return kept


def _has_markers(path: Path) -> bool:
    if path.is_symlink() or not path.is_file():
        return False
    with path.open("rb") as handle:
        return any(line.rstrip() in CONFLICT_MARKERS for line in handle)


def _unmerged(clone: Path) -> dict[str, list[str]]:
    """Copier's unmerged index entries ("mode sha stage") by path relative to the project."""
    entries: dict[str, list[str]] = {}
    for item in _zsplit(_git_bytes("ls-files", "--unmerged", "-z", cwd=clone)):
        info, path = item.split("\t", 1)
        entries.setdefault(path, []).append(info)
    return entries


# --- copying the result into the project ---------------------------------------------------------


def _copy_in(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink() or target.is_file():
        target.unlink()
    if source.is_symlink():
        target.symlink_to(os.readlink(source))
    else:
        shutil.copy2(source, target)


def _remove(project: Path, path: str) -> None:
    target = project / path
    if target.is_symlink() or target.is_file():
        target.unlink()
    parent = target.parent
    while parent != project:
        with contextlib.suppress(OSError):
            parent.rmdir()  # only when empty
        parent = parent.parent


def _mark_unmerged(clone: Path, project: Path, top: Path, entries: dict[str, list[str]]) -> None:
    """Give the project's index the clone's conflict stages, so git shows them unmerged."""
    lines: list[str] = []
    for path, infos in entries.items():
        from_top = (project / path).relative_to(top).as_posix()
        lines.append(f"0 {'0' * 40}\t{from_top}")
        for info in infos:
            _mode, sha, _stage = info.split()
            blob = _git_bytes("cat-file", "blob", sha, cwd=clone)
            _git_bytes("hash-object", "-w", "--stdin", cwd=top, stdin=blob)
            lines.append(f"{info}\t{from_top}")
    if lines:
        _git_bytes("update-index", "--index-info", cwd=top, stdin="\n".join(lines).encode())


def _apply(
    clone: Path, project: Path, top: Path, report: UpdateReport, unmerged: dict[str, list[str]]
) -> None:
    with signals_deferred():
        for path in report.added + report.modified:
            _copy_in(clone / path, project / path)
        for path in report.removed:
            _remove(project, path)
        conflicted = {p: e for p, e in unmerged.items() if p in report.conflicts}
        _mark_unmerged(clone, project, top, conflicted)


def _overrides(
    answers: Mapping[str, Any], framework: str | None, data: Mapping[str, Any]
) -> dict[str, Any]:
    """The answers to pass copier: `data`, plus the framework switch if it is a growth."""
    overrides = dict(data)
    old = str(answers.get("framework", ""))
    new = str(framework or overrides.get("framework") or old)
    check_framework_switch(old, new)
    if new != old:
        overrides["framework"] = new
        for key, value in _follow_framework_defaults(answers, old, new).items():
            overrides.setdefault(key, value)
    return overrides


def _report(
    project: Path,
    clone: Path,
    answers: Mapping[str, Any],
    kept: list[KeptFile],
    unmerged: Mapping[str, list[str]],
    *,
    pretend: bool,
) -> UpdateReport:
    """Describe the update as it stands in the clone."""
    changes = [(change.status, change.path) for change in _changes(clone)]
    new_answers = yaml.safe_load((clone / ANSWERS_FILE).read_text(encoding="utf-8"))
    old_framework = str(answers.get("framework", ""))
    report = UpdateReport(
        project=project,
        pretend=pretend,
        old_version=str(answers["_commit"]),
        new_version=str(new_answers.get("_commit", "?")),
        old_framework=old_framework,
        new_framework=str(new_answers.get("framework", old_framework)),
        added=sorted(p for s, p in changes if s == "A"),
        modified=sorted(p for s, p in changes if s not in "AD"),
        removed=sorted(p for s, p in changes if s == "D"),
        kept=kept,
    )
    if kept and (old_framework, report.new_framework) == ("django", "hybrid"):
        report.notes.append(_DRF_NOTE.format(slug=answers.get("project_slug", "<package>")))
    report.conflicts = sorted(
        {p for p in unmerged if (clone / p).exists()}
        | {p for p in report.added + report.modified if _has_markers(clone / p)}
        | {p.removesuffix(".rej") for p in report.added if p.endswith(".rej")}
    )
    return report


# --- the public function -------------------------------------------------------------------------


def update_project(
    path: Path,
    *,
    framework: str | None = None,
    data: Mapping[str, Any] | None = None,
    defaults: bool = False,
    pretend: bool = False,
    src_path: str | None = None,
    vcs_ref: str | None = None,
) -> UpdateReport:
    """Update the project at `path` from its template, keeping every edit its team made.

    Args:
        path: The project (a folder with `.copier-answers.yml`, in a clean git work tree).
        framework: Switch framework; only django -> hybrid is accepted (a growth), the
            others are rewrites and refused with the reason.
        data: Answers to change or add (`--data KEY=VALUE`), typed or as strings.
        defaults: Never ask: new questions take their defaults.
        pretend: Do everything in a temporary clone and report it; write nothing.
        src_path: Another location of the template (the project's `_src_path` moved); it
            must hold the project's recorded revision.
        vcs_ref: The template version to update to (default: the latest version tag).

    Returns:
        The report; its `exit_code` is 1 when files were left with conflict markers.

    Raises:
        UpdateRefused: Not a stackpick project, not a clean git work tree, a refused
            framework switch, or copier refused; nothing was written.
        UpdateFailed: git failed; nothing was written.
        Aborted: Ctrl-C at a question; nothing was written.

    """
    project = path.expanduser().resolve()
    if not project.is_dir():
        raise UpdateRefused(f"{path} is not a directory")
    top = _git_top(project)
    answers = _read_answers(project)
    _require_clean(project)
    overrides = _overrides(answers, framework, data or {})
    stored_src = str(answers["_src_path"])
    source = src_path or stored_src
    if src_path is None:
        _refresh_shipped_template(stored_src)
    _check_old_revision(source, str(answers["_commit"]))
    head = _git("rev-parse", "HEAD", cwd=top)

    with tempfile.TemporaryDirectory(prefix="stackpick-update-") as tmp:
        clone_top = Path(tmp, "project", top.name)
        _clone(top, clone_top)
        clone = clone_top / project.relative_to(top)
        if source != stored_src:
            _point_at(clone, source)
        _run_update(clone, overrides, defaults=defaults, vcs_ref=vcs_ref)
        unmerged = _unmerged(clone)
        old = _OldRender(answers, source, Path(tmp, "old", project.name))
        kept = _take_back(clone, old, _changes(clone))
        report = _report(project, clone, answers, kept, unmerged, pretend=pretend)
        if not pretend:
            if _git("rev-parse", "HEAD", cwd=top) != head:
                raise UpdateRefused(f"{project} got a new commit during the update; run it again")
            _require_clean(project)
            _apply(clone, project, top, report, unmerged)
    return report
