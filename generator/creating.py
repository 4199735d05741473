"""The `new` command's flow: merge the answers, show the recommendation, render the project."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from generator import decisions, matrix, questions, render, source
from generator.output import format_recommendation


def create_project(
    dest: Path,
    flags: dict[str, Any],
    *,
    preset: str | None,
    data: list[str],
    interactive: bool,
    template: str | None,
    force: bool,
    echo: Callable[..., Any],
) -> None:
    """Render a project into `dest`, asking what the answers leave open when `interactive`."""
    render.check_destination(dest.expanduser().resolve(), force=force)
    # One explicit merge: flags > --data > the preset > the template's defaults.
    answers = questions.parse_data(data, questions.load())
    answers.update(decisions.from_flags(**flags))
    known = {k: v for k, v in answers.items() if k in questions.DECISION_KEYS}
    chosen = decisions.start_from_preset(preset or answers.get("preset"), known, ask=interactive)
    decided, recorded = decisions.merge(chosen, known, ask=interactive)
    answers.update(decided)
    answers.update(recorded)
    result = matrix.recommend(decided)
    echo(format_recommendation(result, chosen))
    if (framework := answers.get("framework", result.framework)) != result.framework:
        echo(f"Rendering {framework}, as asked (not the recommended {result.framework}).")
    if not interactive:
        answers.setdefault("framework", result.framework)
    rendered = render.render(
        source.resolve(template), dest, answers, interactive=interactive, force=force
    )
    for backup in rendered.backups:
        echo(f"kept your previous file as {backup}", err=True)
    if rendered.uncommitted:
        echo(
            f"stackpick: warning: rendered the uncommitted changes of {template}: "
            "`stackpick update` cannot find the revision the project records; commit them "
            "and render again for a project that updates",
            err=True,
        )
    echo(f"\nCreated {rendered.dest}\n\n    cd {dest}\n    uv sync\n    uv run pytest")
