"""The decision matrix: rows of `matrix.yml` turned into a scored, explained recommendation.

`copier.yml` walks the same file in `common/recommend.jinja`; a test proves both agree on
every combination of decision answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from generator.errors import UsageError
from generator.questions import read_yaml, template_root

#: The frameworks, simplest first: a tie goes to the earlier one.
FRAMEWORKS = ("django", "fastapi", "hybrid")


@dataclass(frozen=True)
class Source:
    """A published article the matrix cites: how a reader finds it."""

    id: str
    title: str
    publisher: str
    year: int
    opening: str
    author: str | None = None
    url: str | None = None

    @property
    def citation(self) -> str:
        """Title, who published it, the year and, when known, where: one line for a reader."""
        by = f"{self.author}, {self.publisher}" if self.author else self.publisher
        where = f", {self.url}" if self.url else ""
        return f"{self.title} ({by}, {self.year}{where})"

    def as_json(self) -> dict[str, str]:
        """The shape of a reason's `source` in `stackpick recommend --json`."""
        return {"id": self.id, "title": self.title, "publisher": self.publisher}


@dataclass(frozen=True)
class Row:
    """One signal of the matrix: when it applies, what it weighs, and why."""

    id: str
    signal: str
    when: Mapping[str, tuple[Any, ...]]
    weights: Mapping[str, int]
    why: str
    source: Source

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
                {
                    "signal": row.signal,
                    "favours": row.favours,
                    "why": row.why,
                    "source": row.source.as_json(),
                }
                for row in self.rows
            ],
        }


def _read(name: str) -> Any:
    with (template_root() / "generator" / name).open("rb") as stream:
        return read_yaml(stream)


@cache
def sources() -> dict[str, Source]:
    """The articles of `sources.yml` by id, in file order."""
    fields = ("id", "title", "publisher", "year", "opening", "author", "url")
    return {
        item["id"]: Source(**{key: item[key] for key in fields if key in item})
        for item in _read("sources.yml")
    }


@cache
def load() -> tuple[Row, ...]:
    """The rows of `matrix.yml`, in file order, each with its article."""
    raw = _read("matrix.yml")
    cited = sources()
    return tuple(
        Row(
            id=item["id"],
            signal=item["signal"],
            when={key: tuple(values) for key, values in item["when"].items()},
            weights={framework: int(item["weights"][framework]) for framework in FRAMEWORKS},
            why=item["why"],
            source=cited[item["source"]],
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


@dataclass(frozen=True)
class Preset:
    """A kind of project the articles name: decision answers to start from."""

    id: str
    title: str
    answers: Mapping[str, Any]
    why: str
    source: Source


@cache
def presets() -> dict[str, Preset]:
    """The presets of `presets.yml` by id, in file order."""
    cited = sources()
    return {
        item["id"]: Preset(
            id=item["id"],
            title=item["title"],
            answers=dict(item["answers"]),
            why=item["why"],
            source=cited[item["source"]],
        )
        for item in _read("presets.yml")
    }


def preset(name: str) -> Preset:
    """The preset called `name`, or a `UsageError` listing the known ones."""
    known = presets()
    if name not in known:
        raise UsageError(f"--preset: no preset {name!r} (known: {', '.join(known)})")
    return known[name]
