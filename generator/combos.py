"""The combinations of answers `stackpick verify` checks, read from the template's `copier.yml`.

The render level is exhaustive over the answers that change generated code, with every
other answer covered pairwise across those renders; the suite level is a pairwise covering
set of all answers (allpairspy), small enough to install and test each project.
"""

from __future__ import annotations

import itertools
import shlex
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

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
#: Whether answers (all of them, or some) can go together: copier's validators allow them.
Valid = Callable[[Answers], bool]


def _always(answers: Answers) -> bool:
    return True


class _Loader(yaml.SafeLoader):
    """Reads `copier.yml` for its validators, ignoring copier's `!include` tags."""


_Loader.add_constructor("!include", lambda loader, node: None)


def constraints(root: Path, values: dict[str, tuple[Any, ...]]) -> Valid:
    """A test of the template's validators over answers that are choices or booleans.

    A validator that needs an answer not given (or a file, or a filter copier adds) cannot
    refuse, so partial answers are judged only by the validators they can run.
    """
    from jinja2 import StrictUndefined, TemplateError, meta
    from jinja2.sandbox import SandboxedEnvironment

    with (root / "copier.yml").open("rb") as stream:
        config = yaml.load(stream, Loader=_Loader)
    env = SandboxedEnvironment(undefined=StrictUndefined)
    checks: list[tuple[Any, tuple[str, ...]]] = []
    for key, spec in config.items():
        validator = spec.get("validator") if isinstance(spec, dict) else None
        if key in values and validator and all(v is not None for v in values[key]):
            try:
                names = meta.find_undeclared_variables(env.parse(str(validator)))
                checks.append((env.from_string(str(validator)), tuple(sorted(names))))
            except TemplateError:
                continue
    verdicts: dict[tuple[Any, ...], bool] = {}

    def allows(index: int, given: tuple[tuple[str, Any], ...]) -> bool:
        if (index, given) not in verdicts:
            try:
                verdicts[index, given] = not checks[index][0].render(dict(given)).strip()
            except (TemplateError, TypeError, ValueError):
                verdicts[index, given] = True
        return verdicts[index, given]

    def valid(answers: Answers) -> bool:
        for index, (_, names) in enumerate(checks):
            if any(answers.get(name) is None for name in names):
                continue  # an answer it needs is not given: it cannot refuse
            if not allows(index, tuple((name, answers[name]) for name in names)):
                return False
        return True

    return valid


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


def all_pairs(values: dict[str, tuple[Any, ...]], valid: Valid = _always) -> set[Pair]:
    """Every allowed pair of values of two different questions (what pairwise must cover)."""
    keys = sorted(values)
    wanted = set()
    for first, second in itertools.combinations(keys, 2):
        for a, b in itertools.product(values[first], values[second]):
            if valid({first: a, second: b}):
                wanted.add(((first, a), (second, b)))
    return wanted


def uncovered(
    values: dict[str, tuple[Any, ...]], combinations: Iterable[Combination], valid: Valid = _always
) -> set[Pair]:
    """The allowed pairs of values no combination has: empty for a pairwise covering set."""
    missing = all_pairs(values, valid)
    for combination in combinations:
        missing.difference_update(_pairs(combination.answers))
    return missing


def pairwise(values: dict[str, tuple[Any, ...]], valid: Valid = _always) -> list[Combination]:
    """A pairwise covering set of `values` that `valid` allows (allpairspy's algorithm)."""
    from allpairspy import AllPairs  # type: ignore[import-untyped]

    keys = [key for key in values if len(values[key]) > 1]
    fixed = tuple((key, values[key][0]) for key in values if len(values[key]) == 1)

    def allowed(row: Sequence[Any]) -> bool:
        return valid({**dict(fixed), **dict(zip(keys, row, strict=False))})

    if len(keys) < 2:
        rows = [row for row in itertools.product(*(values[k] for k in keys)) if allowed(row)]
    else:
        rows = list(AllPairs([list(values[key]) for key in keys], filter_func=allowed))
    # allpairspy's filtered search can miss a pair: add a row for each one it missed.
    found = [Combination(tuple(zip(keys, row, strict=True)) + fixed) for row in rows]
    for (first, a), (second, b) in sorted(uncovered(values, found, valid), key=str):
        for combination in found:
            candidate = Combination(
                tuple(
                    (k, a if k == first else b if k == second else v)
                    for k, v in combination.answers
                )
            )
            if valid(candidate.data):
                found.append(candidate)
                break
    return found


def render_set(values: dict[str, tuple[Any, ...]], valid: Valid = _always) -> list[Combination]:
    """Every combination of the code answers; the other answers spread pairwise across them.

    Each exhaustive row takes, from a pairwise set of the other answers, the row that
    covers most pairs not yet covered, so every pair of any two answers appears somewhere.
    """
    code = [key for key in values if key in CODE_KEYS]
    other = [key for key in values if key not in CODE_KEYS]
    others = pairwise({k: values[k] for k in other}, valid) if other else []
    fillers = [c.answers for c in others] or [()]
    missing = all_pairs(values, valid)
    unused = list(fillers)
    result: list[Combination] = []
    for row in itertools.product(*(values[k] for k in code)):
        base = tuple(zip(code, row, strict=True))
        if not valid(dict(base)):
            continue  # the template's validators refuse it: not a combination to render
        allowed = [f for f in fillers if valid(dict(base + f))] or fillers
        # Every filler once first (that covers their own pairs), then the one adding most.
        fresh = [f for f in allowed if f in unused]
        if fresh:
            best = fresh[0]
            unused.remove(best)
        else:
            best = max(allowed, key=lambda f: len(missing.intersection(_pairs(base + f))))
        combination = Combination(base + best)
        missing.difference_update(_pairs(combination.answers))
        result.append(combination)
    return result
