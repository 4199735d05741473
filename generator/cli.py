"""The `stackpick` command line: each command turns its flags into one call."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer

from generator import __version__, decisions, matrix, output, questions
from generator.errors import Aborted, StackpickError, UsageError

P = ParamSpec("P")
R = TypeVar("R")

QUESTIONS = questions.load()

app = typer.Typer(
    name="stackpick",
    help="Answer a few questions, get the right Python web stack: Django, FastAPI or a hybrid.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _choices_help(key: str) -> str:
    question = QUESTIONS[key]
    return f"{question.help} [{'|'.join(str(v) for v in question.values)}]"


AdminOpt = Annotated[bool | None, typer.Option("--admin/--no-admin", help=QUESTIONS["admin"].help)]
AsyncOpt = Annotated[
    bool | None, typer.Option("--async-io/--no-async-io", help=QUESTIONS["async_io"].help)
]
RealtimeOpt = Annotated[
    bool | None, typer.Option("--realtime/--no-realtime", help=QUESTIONS["realtime"].help)
]
AuthOpt = Annotated[str | None, typer.Option(help=_choices_help("auth"))]
FrontendOpt = Annotated[str | None, typer.Option(help=_choices_help("frontend"))]
TeamOpt = Annotated[str | None, typer.Option(help=_choices_help("team"))]
PresetOpt = Annotated[
    str | None,
    typer.Option(
        help="Start from a preset's answers (see `stackpick presets`); decision flags override it."
    ),
]


def _fail_cleanly(command: Callable[P, R]) -> Callable[P, R]:
    """Turn stackpick's errors into one line on stderr and their exit code; never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except StackpickError as error:
            typer.echo(f"stackpick: error: {error.message}", err=True)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            typer.echo(f"stackpick: error: {Aborted('interrupted').message}", err=True)
            raise typer.Exit(Aborted.exit_code) from None

    return wrapper


def _is_terminal() -> bool:
    # A closed stdin or stdout (`<&-`) is None in Python: no terminal either.
    return bool(sys.stdin and sys.stdin.isatty() and sys.stdout and sys.stdout.isatty())


def _version(value: bool) -> None:
    if value:
        typer.echo(f"stackpick {__version__}")
        raise typer.Exit


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Answer a few questions, get the right Python web stack: Django, FastAPI or a hybrid."""


@app.command()
@_fail_cleanly
def recommend(
    admin: AdminOpt = None,
    async_io: AsyncOpt = None,
    realtime: RealtimeOpt = None,
    auth: AuthOpt = None,
    frontend: FrontendOpt = None,
    team: TeamOpt = None,
    preset: PresetOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Recommend Django, FastAPI or the hybrid, and explain why."""
    known = decisions.from_flags(
        admin=admin, async_io=async_io, realtime=realtime, auth=auth, frontend=frontend, team=team
    )
    ask = _is_terminal()
    chosen = decisions.start_from_preset(preset, known, ask=ask)
    decided, _ = decisions.merge(chosen, known, ask=ask)
    result = matrix.recommend(decided)
    if as_json:
        typer.echo(json.dumps({**result.as_json(), "preset": chosen}, indent=2))
    else:
        typer.echo(output.format_recommendation(result, chosen))


@app.command("matrix")
@_fail_cleanly
def show_matrix() -> None:
    """Print the whole decision matrix: each signal, when it applies, its weights and why."""
    typer.echo(output.format_matrix())


@app.command("presets")
@_fail_cleanly
def show_presets() -> None:
    """List the presets: kinds of project the articles name, and what each recommends."""
    typer.echo(output.format_presets())


@app.command()
@_fail_cleanly
def new(
    dest: Annotated[Path, typer.Argument(help="Where to create the project.")],
    admin: AdminOpt = None,
    async_io: AsyncOpt = None,
    realtime: RealtimeOpt = None,
    auth: AuthOpt = None,
    frontend: FrontendOpt = None,
    team: TeamOpt = None,
    preset: PresetOpt = None,
    framework: Annotated[
        str | None,
        typer.Option(
            help=f"The framework [{'|'.join(QUESTIONS['framework'].values)}] (default: the "
            "recommended one)."
        ),
    ] = None,
    data: Annotated[
        list[str] | None,
        typer.Option("--data", "-d", help="Answer any question: KEY=VALUE (repeatable)."),
    ] = None,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Never ask: use defaults for what is not given.")
    ] = False,
    template: Annotated[
        str | None, typer.Option(help="Template path or git URL (default: the one shipped).")
    ] = None,
    force: Annotated[
        bool,
        typer.Option(help="Render into a non-empty DEST; changed files are kept as *.orig."),
    ] = False,
) -> None:
    """Create a project: ask, recommend, then render it safely into DEST."""
    from generator.creating import create_project

    interactive = not defaults
    if interactive and not _is_terminal():
        raise UsageError("no terminal to ask questions on: pass --defaults (and --data KEY=VALUE)")
    flags = {
        "admin": admin,
        "async_io": async_io,
        "realtime": realtime,
        "auth": auth,
        "frontend": frontend,
        "team": team,
        "framework": framework,
    }
    create_project(
        dest,
        flags,
        preset=preset,
        data=data or [],
        interactive=interactive,
        template=template,
        force=force,
        echo=typer.echo,
    )


@app.command()
@_fail_cleanly
def update(
    path: Annotated[Path, typer.Argument(help="The project to update.")] = Path("."),
    framework: Annotated[
        str | None, typer.Option(help="Grow the project into another framework (hybrid).")
    ] = None,
    data: Annotated[
        list[str] | None,
        typer.Option("--data", "-d", help="Change an answer: KEY=VALUE (repeatable)."),
    ] = None,
    defaults: Annotated[bool, typer.Option("--defaults", help="Never ask.")] = False,
    pretend: Annotated[
        bool, typer.Option("--pretend", help="Show what would change; write nothing.")
    ] = False,
    vcs_ref: Annotated[
        str | None,
        typer.Option("--vcs-ref", help="The template version to update to (default: latest)."),
    ] = None,
    template: Annotated[
        str | None, typer.Option(help="The template's new location, if it moved (path or URL).")
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Only say whether the template moved on and what updating would change: "
            "exit 0 up to date, 2 update available, 1 error.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Pull the template's improvements into a project, keeping every local edit."""
    from generator import updating

    try:
        answers = questions.parse_data(data or [], QUESTIONS)
        if framework is not None:
            answers["framework"] = QUESTIONS["framework"].cast(framework)
        report = updating.update_project(
            path,
            framework=answers.pop("framework", None),
            data=answers,
            defaults=defaults,
            pretend=pretend,
            check=check,
            template=template,
            vcs_ref=vcs_ref,
        )
    except StackpickError as error:
        if not check:
            raise
        typer.echo(f"stackpick: error: {error.message}", err=True)
        raise typer.Exit(1) from None  # --check: 2 means "update available", never an error
    typer.echo(json.dumps(report.as_json(), indent=2) if as_json else str(report))
    if check and report.available:
        raise typer.Exit(2)
    if report.exit_code and not check:
        raise typer.Exit(report.exit_code)


@app.command()
@_fail_cleanly
def verify(
    template: Annotated[
        str | None, typer.Option(help="Template path or git URL (default: the one shipped).")
    ] = None,
    render_only: Annotated[
        bool, typer.Option("--render-only", help="Only render and check files; run no suites.")
    ] = False,
    jobs: Annotated[int, typer.Option(help="Worker processes (renders) and projects at once.")] = 2,
    junit: Annotated[Path | None, typer.Option(help="Also write JUnit XML to this file.")] = None,
    only: Annotated[
        list[str] | None,
        typer.Option(help="Verify only combinations with this answer: KEY=VALUE (repeatable)."),
    ] = None,
) -> None:
    """Render every combination of the answers and test a pairwise set: exit 1 on any failure."""
    from generator.verify import verify as run_verify

    code = run_verify(
        template, render_only=render_only, jobs=jobs, junit=junit, only=only, echo=typer.echo
    )
    if code:
        raise typer.Exit(code)


def run() -> None:
    """Console entry point."""
    app()
