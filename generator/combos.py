"""The combinations of answers `stackpick verify` checks, read from the template's `copier.yml`.

The render level is exhaustive over the answers that change generated code, with every
other answer covered pairwise across those renders; the suite level is a pairwise covering
set of all answers (allpairspy), small enough to install and test each project.
"""

from __future__ import annotations

import itertools
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from generator.questions import Question

#: The answers that change generated code: every combination of their values is rendered.
CODE_KEYS = ("framework", "admin", "realtime", "auth", "frontend", "database", "background_tasks")

#: Free-text answers get their default (None: copier derives it) and one value that is hard
#: to render: quotes and backslashes in names, the longest package name, a long description.
TEXT_VALUES: dict[str, tuple[Any, ...]] = {
    "project_name": (None, 'O\'Hara "Quoted" \\ Shop'),
    "project_slug": (None, "a" * 64),
    "description": (None, "An unusually long description, " * 4 + 'with "quotes" and \\ too'),
}

Answers = dict[str, Any]


@dataclass(frozen=True)
class Combination:
    """One set of answers to render, named by the answers that change code."""

    answers: tuple[tuple[str, Any], ...]

    @property
    def data(self) -> Answers:
        """The answers as copier's `data` (free-text defaults left out: copier derives them)."""
        return {key: value for key, value in self.answers if value is not None}

    @property
    def name(self) -> str:
        """A readable, unique id: the framework, then the other code answers."""
        data = self.data
        rest = ",".join(f"{k}={_show(data[k])}" for k in CODE_KEYS[1:] if k in data)
        return f"{data.get('framework', 'template')}[{rest}]"

    def reproduce(self, template: str | None) -> str:
        """The `stackpick new` command that renders this combination."""
        words = ["stackpick", "new", "DEST", "--defaults"]
        if template:
            words += ["--template", template]
        for key, value in self.answers:
            if value is not None:
                words += ["-d", f"{key}={_show(value)}"]
        return shlex.join(words)


def _show(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def answer_values(questions: dict[str, Question]) -> dict[str, tuple[Any, ...]]:
    """Each asked question's values to try: its choices, both booleans, or TEXT_VALUES."""
    values: dict[str, tuple[Any, ...]] = {}
    for key, question in questions.items():
        if question.hidden:
            continue
        if question.type == "bool":
            values[key] = (False, True)
        elif question.choices:
            values[key] = question.values
        else:
            values[key] = TEXT_VALUES.get(key, (None,))
    return values


Pair = tuple[tuple[str, Any], tuple[str, Any]]


def _pairs(row: Sequence[tuple[str, Any]]) -> Iterable[Pair]:
    return itertools.combinations(sorted(row, key=lambda answer: answer[0]), 2)


def all_pairs(values: dict[str, tuple[Any, ...]]) -> set[Pair]:
    """Every pair of values of two different questions (the goal of a pairwise set)."""
    keys = sorted(values)
    wanted = set()
    for first, second in itertools.combinations(keys, 2):
        for a, b in itertools.product(values[first], values[second]):
            wanted.add(((first, a), (second, b)))
    return wanted


def uncovered(values: dict[str, tuple[Any, ...]], combinations: Iterable[Combination]) -> set[Pair]:
    """The pairs of values no combination has: empty for a pairwise covering set."""
    missing = all_pairs(values)
    for combination in combinations:
        missing.difference_update(_pairs(combination.answers))
    return missing


def pairwise(values: dict[str, tuple[Any, ...]]) -> list[Combination]:
    """A pairwise covering set of `values` (allpairspy's greedy algorithm)."""
    from allpairspy import AllPairs  # type: ignore[import-untyped]

    keys = [key for key in values if len(values[key]) > 1]
    fixed = tuple((key, values[key][0]) for key in values if len(values[key]) == 1)
    if len(keys) < 2:
        grid = itertools.product(*(values[k] for k in keys))
        return [Combination(tuple(zip(keys, row, strict=True)) + fixed) for row in grid]
    rows = AllPairs([list(values[key]) for key in keys])
    return [Combination(tuple(zip(keys, row, strict=True)) + fixed) for row in rows]


def render_set(values: dict[str, tuple[Any, ...]]) -> list[Combination]:
    """Every combination of the code answers; the other answers spread pairwise across them.

    Each exhaustive row takes, from a pairwise set of the other answers, the row that
    covers most pairs not yet covered, so every pair of any two answers appears somewhere.
    """
    code = [key for key in values if key in CODE_KEYS]
    other = [key for key in values if key not in CODE_KEYS]
    fillers = [c.answers for c in pairwise({k: values[k] for k in other})] if other else [()]
    missing = all_pairs(values)
    result = []
    for index, row in enumerate(itertools.product(*(values[k] for k in code))):
        base = tuple(zip(code, row, strict=True))
        # Use every filler once first (their own pairs), then the one adding most new pairs.
        if index < len(fillers):
            best = fillers[index]
        else:
            best = max(fillers, key=lambda f: len(missing.intersection(_pairs(base + f))))
        combination = Combination(base + best)
        missing.difference_update(_pairs(combination.answers))
        result.append(combination)
    return result
