"""The decision matrix: rows of `matrix.yml` turned into a scored, explained recommendation.

`copier.yml` walks the same file in `common/recommend.jinja`; a test proves both agree on
every combination of decision answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from generator.questions import template_root

#: The frameworks, simplest first: a tie goes to the earlier one.
FRAMEWORKS = ("django", "fastapi", "hybrid")

SEEDS_DIR = "shared/seeds"


@dataclass(frozen=True)
class Row:
    """One signal of the matrix: when it applies, what it weighs, and why."""

    id: str
    signal: str
    when: Mapping[str, tuple[Any, ...]]
    weights: Mapping[str, int]
    why: str
    source: str

    def applies(self, answers: Mapping[str, Any]) -> bool:
        """Whether every condition of the row holds for these answers."""
        return all(answers.get(key) in values for key, values in self.when.items())

    @property
    def favours(self) -> str:
        """The framework this row weighs highest (the simpler one on a tie)."""
        return max(FRAMEWORKS, key=lambda f: (self.weights[f], -FRAMEWORKS.index(f)))


@dataclass(frozen=True)
class Recommendation:
    """The winner, every score, and the rows that applied, strongest for the winner first."""

    framework: str
    scores: Mapping[str, int]
    rows: tuple[Row, ...]

    def as_json(self) -> dict[str, Any]:
        """The shape `stackpick recommend --json` prints."""
        return {
            "framework": self.framework,
            "scores": dict(self.scores),
            "reasons": [
                {"signal": row.signal, "favours": row.favours, "why": row.why, "source": row.source}
                for row in self.rows
            ],
        }


@cache
def load() -> tuple[Row, ...]:
    """The rows of `matrix.yml`, in file order."""
    with (template_root() / "generator" / "matrix.yml").open("rb") as stream:
        raw = yaml.safe_load(stream)
    return tuple(
        Row(
            id=item["id"],
            signal=item["signal"],
            when={key: tuple(values) for key, values in item["when"].items()},
            weights={framework: int(item["weights"][framework]) for framework in FRAMEWORKS},
            why=item["why"],
            source=item["source"],
        )
        for item in raw
    )


def recommend(answers: Mapping[str, Any]) -> Recommendation:
    """Score the decision answers against every row and pick the winner."""
    scores = dict.fromkeys(FRAMEWORKS, 0)
    applied = [row for row in load() if row.applies(answers)]
    for row in applied:
        for framework in FRAMEWORKS:
            scores[framework] += row.weights[framework]
    winner = max(FRAMEWORKS, key=lambda f: (scores[f], -FRAMEWORKS.index(f)))
    applied.sort(key=lambda row: -row.weights[winner])
    return Recommendation(framework=winner, scores=scores, rows=tuple(applied))
