"""The `stackpick` command line: each command turns its flags into one call."""

from __future__ import annotations

import functools
import json
import shutil
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer

from generator import __version__, matrix, questions
from generator.errors import Aborted, StackpickError, UsageError
from generator.prompts import NO_PRESET

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
    return sys.stdin.isatty() and sys.stdout.isatty()


def _decision_flags(**flags: Any) -> dict[str, Any]:
    """The decision answers the flags give, typed and checked against `copier.yml`."""
    return {key: QUESTIONS[key].cast(value) for key, value in flags.items() if value is not None}


def _start_from_preset(name: str | None, flags: dict[str, Any], *, ask: bool) -> str:
    """The preset to start from: the one named, else asked on a terminal when no flag answers."""
    if name is not None:
        return matrix.preset(name).id
    if ask and not flags:
        from generator.prompts import ask_preset

        return ask_preset(matrix.presets())
    return NO_PRESET


def _decisions(
    preset: str, known: dict[str, Any], *, ask: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every decision answer and the answers copier records about them (`preset`).

    One explicit merge: the answers given (`known`) > the preset's > asked on a terminal >
    the template's defaults.
    """
    merged = {**(matrix.preset(preset).answers if preset != NO_PRESET else {}), **known}
    if ask and any(key not in merged for key in questions.DECISION_KEYS):
        from generator.prompts import ask_decisions

        merged = ask_decisions(QUESTIONS, merged)
    decisions = {key: merged.get(key, QUESTIONS[key].default) for key in questions.DECISION_KEYS}
    return decisions, {"preset": preset}


def _width() -> int:
    """The terminal's width (COLUMNS when set), never narrower than 40 columns."""
    return max(shutil.get_terminal_size().columns, 40)


def _wrap(text: str, first: str, rest: str) -> list[str]:
    """`text` wrapped to the terminal's width with a hanging indent, never cut inside a word."""
    return textwrap.wrap(
        text,
        width=_width(),
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _reason(row: matrix.Row, first: str, rest: str) -> list[str]:
    return _wrap(row.why, first, rest) + _wrap(f"Source: {row.source.citation}", rest, rest)


def _bar(score: int, top: int, width: int = 24) -> str:
    filled = round(width * max(score, 0) / top) if top > 0 else 0
    return "█" * filled + "·" * (width - filled)


def format_recommendation(result: matrix.Recommendation, preset: str = NO_PRESET) -> str:
    """The recommendation as a score table with bars, then the reasons row by row."""
    top = max(max(result.scores.values()), 1)
    lines = [f"stackpick recommends: {result.framework}", ""]
    if preset != NO_PRESET:
        chosen = matrix.preset(preset)
        lines[1:1] = _wrap(f"starting from the preset {chosen.id}: {chosen.title}", "", "  ")
    for framework in matrix.FRAMEWORKS:
        score = result.scores[framework]
        mark = "  <- recommended" if framework == result.framework else ""
        lines.append(f"  {framework:<8} {_bar(score, top)} {score:>3}{mark}")
    lines += ["", f"Why {result.framework} (each row of the decision matrix that applies):"]
    for row in result.rows:
        weight = row.weights[result.framework]
        sign = "+" if weight > 0 else "-" if weight < 0 else " "
        heading = f"{row.signal} ({result.framework} {weight:+d}; favours {row.favours})"
        lines += _wrap(heading, f"  {sign} ", "      ")
        lines += _reason(row, "      ", "      ")
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
    preset: PresetOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Recommend Django, FastAPI or the hybrid, and explain why."""
    known = _decision_flags(
        admin=admin, async_io=async_io, realtime=realtime, auth=auth, frontend=frontend, team=team
    )
    ask = _is_terminal()
    chosen = _start_from_preset(preset, known, ask=ask)
    decisions, _ = _decisions(chosen, known, ask=ask)
    result = matrix.recommend(decisions)
    if as_json:
        typer.echo(json.dumps({**result.as_json(), "preset": chosen}, indent=2))
    else:
        typer.echo(format_recommendation(result, chosen))


@app.command("matrix")
@_fail_cleanly
def show_matrix() -> None:
    """Print the whole decision matrix: each signal, when it applies, its weights and why."""
    for index, row in enumerate(matrix.load()):
        when = " and ".join(
            f"{key}={'|'.join(str(v).lower() for v in values)}" for key, values in row.when.items()
        )
        weights = "  ".join(f"{f} {row.weights[f]:+d}" for f in matrix.FRAMEWORKS)
        lines = [""] if index else []
        lines += _wrap(f"{row.signal} [{row.id}]", "", "    ")
        lines += _wrap(f"when {when}: {weights}", "    ", "      ")
        lines += _reason(row, "    ", "    ")
        typer.echo("\n".join(lines))


@app.command("presets")
@_fail_cleanly
def show_presets() -> None:
    """List the presets: kinds of project the articles name, and what each recommends."""
    for index, chosen in enumerate(matrix.presets().values()):
        answers = {"team": QUESTIONS["team"].default, **chosen.answers}
        framework = matrix.recommend(answers).framework
        given = ", ".join(f"{key}={str(value).lower()}" for key, value in chosen.answers.items())
        lines = [""] if index else []
        lines += _wrap(f"{chosen.id}: {chosen.title} (recommends {framework})", "", "    ")
        lines += _wrap(given, "    ", "    ")
        lines += _wrap(chosen.why, "    ", "    ")
        lines += _wrap(f"Source: {chosen.source.citation}", "    ", "    ")
        typer.echo("\n".join(lines))


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
    # One explicit merge: flags > --data > the preset > the template's defaults.
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
    known = {k: v for k, v in answers.items() if k in questions.DECISION_KEYS}
    chosen = _start_from_preset(preset or answers.get("preset"), known, ask=interactive)
    decisions, recorded = _decisions(chosen, known, ask=interactive)
    answers.update(decisions)
    answers.update(recorded)
    result = matrix.recommend(decisions)
    typer.echo(format_recommendation(result, chosen))
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
