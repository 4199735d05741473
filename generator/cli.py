"""The `stackpick` command line: each command turns its flags into one call."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer

from generator import __version__, matrix, questions
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
    return sys.stdin.isatty() and sys.stdout.isatty()


def _decision_flags(**flags: Any) -> dict[str, Any]:
    """The decision answers the flags give, typed and checked against `copier.yml`."""
    return {key: QUESTIONS[key].cast(value) for key, value in flags.items() if value is not None}


def _complete_decisions(known: dict[str, Any], *, ask: bool) -> dict[str, Any]:
    """Fill the decision answers the user left open: asked on a terminal, else defaults."""
    if ask and any(key not in known for key in questions.DECISION_KEYS):
        from generator.prompts import ask_decisions

        return ask_decisions(QUESTIONS, known)
    return {key: known.get(key, QUESTIONS[key].default) for key in questions.DECISION_KEYS}


def _bar(score: int, top: int, width: int = 24) -> str:
    filled = round(width * max(score, 0) / top) if top > 0 else 0
    return "█" * filled + "·" * (width - filled)


def format_recommendation(result: matrix.Recommendation) -> str:
    """The recommendation as a score table with bars, then the reasons row by row."""
    top = max(max(result.scores.values()), 1)
    lines = [f"stackpick recommends: {result.framework}", ""]
    for framework in matrix.FRAMEWORKS:
        score = result.scores[framework]
        mark = "  <- recommended" if framework == result.framework else ""
        lines.append(f"  {framework:<8} {_bar(score, top)} {score:>3}{mark}")
    lines += ["", f"Why {result.framework} (each row of the decision matrix that applies):"]
    for row in result.rows:
        weight = row.weights[result.framework]
        sign = "+" if weight > 0 else "-" if weight < 0 else " "
        lines.append(
            f"  {sign} {row.signal} ({result.framework} {weight:+d}; favours {row.favours})"
        )
        lines.append(f"      {row.why} [{matrix.SEEDS_DIR}/{row.source}]")
    return "\n".join(lines)


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
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Recommend Django, FastAPI or the hybrid, and explain why."""
    known = _decision_flags(
        admin=admin, async_io=async_io, realtime=realtime, auth=auth, frontend=frontend, team=team
    )
    result = matrix.recommend(_complete_decisions(known, ask=_is_terminal()))
    if as_json:
        typer.echo(json.dumps(result.as_json(), indent=2))
    else:
        typer.echo(format_recommendation(result))


@app.command("matrix")
@_fail_cleanly
def show_matrix() -> None:
    """Print the whole decision matrix, one row per signal."""
    typer.echo(f"{'signal':<58} {'when':<34} django fastapi hybrid")
    for row in matrix.load():
        when = ", ".join(
            f"{key}={'|'.join(str(v).lower() for v in values)}" for key, values in row.when.items()
        )
        weights = "".join(f"{row.weights[f]:>+7d}" for f in matrix.FRAMEWORKS)
        typer.echo(f"{row.signal[:58]:<58} {when:<34}{weights}")
        typer.echo(f"    {row.why} [{matrix.SEEDS_DIR}/{row.source}]")


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
    framework: Annotated[
        str | None, typer.Option(help=_choices_help("framework") + " (default: recommended)")
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
    from generator import render, source

    interactive = not defaults
    if interactive and not _is_terminal():
        raise UsageError("no terminal to ask questions on: pass --defaults (and --data KEY=VALUE)")
    render.check_destination(dest.expanduser().resolve(), force=force)
    # One explicit merge: flags > --data > the template's defaults.
    answers = questions.parse_data(data or [], QUESTIONS)
    answers.update(
        _decision_flags(
            admin=admin,
            async_io=async_io,
            realtime=realtime,
            auth=auth,
            frontend=frontend,
            team=team,
            framework=framework,
        )
    )
    decisions = _complete_decisions(
        {k: v for k, v in answers.items() if k in questions.DECISION_KEYS}, ask=interactive
    )
    answers.update(decisions)
    result = matrix.recommend(decisions)
    typer.echo(format_recommendation(result))
    if not interactive:
        answers.setdefault("framework", result.framework)
    rendered = render.render(
        source.resolve(template), dest, answers, interactive=interactive, force=force
    )
    for backup in rendered.backups:
        typer.echo(f"kept your previous file as {backup}", err=True)
    typer.echo(f"\nCreated {rendered.dest}\n\n    cd {dest}\n    uv sync\n    uv run pytest")


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


def run() -> None:
    """Console entry point."""
    app()
