"""What the commands print: the recommendation, the matrix and the presets, wrapped to fit."""

from __future__ import annotations

import shutil
import textwrap

from generator import matrix, questions
from generator.prompts import NO_PRESET


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


def format_matrix() -> str:
    """The whole decision matrix: each signal, when it applies, its weights and why."""
    lines: list[str] = []
    for index, row in enumerate(matrix.load()):
        when = " and ".join(
            f"{key}={'|'.join(str(v).lower() for v in values)}" for key, values in row.when.items()
        )
        weights = "  ".join(f"{f} {row.weights[f]:+d}" for f in matrix.FRAMEWORKS)
        lines += [""] if index else []
        lines += _wrap(f"{row.signal} [{row.id}]", "", "    ")
        lines += _wrap(f"when {when}: {weights}", "    ", "      ")
        lines += _reason(row, "    ", "    ")
    return "\n".join(lines)


def format_presets() -> str:
    """The presets: kinds of project the articles name, and what each recommends."""
    team = questions.load()["team"].default
    lines: list[str] = []
    for index, chosen in enumerate(matrix.presets().values()):
        framework = matrix.recommend({"team": team, **chosen.answers}).framework
        given = ", ".join(f"{key}={str(value).lower()}" for key, value in chosen.answers.items())
        lines += [""] if index else []
        lines += _wrap(f"{chosen.id}: {chosen.title} (recommends {framework})", "", "    ")
        lines += _wrap(given, "    ", "    ")
        lines += _wrap(chosen.why, "    ", "    ")
        lines += _wrap(f"Source: {chosen.source.citation}", "    ", "    ")
    return "\n".join(lines)
