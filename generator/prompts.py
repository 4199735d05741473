"""The decision questions asked on a terminal, built from the questions in `copier.yml`."""

from __future__ import annotations

from typing import Any

from generator.errors import Aborted
from generator.questions import DECISION_KEYS, Question


def ask_decisions(questions: dict[str, Question], known: dict[str, Any]) -> dict[str, Any]:
    """Ask every decision question `known` does not answer yet; return all decision answers."""
    import questionary  # imported here: only a terminal session needs it

    answers = dict(known)
    for key in DECISION_KEYS:
        if key in answers:
            continue
        question = questions[key]
        prompt: questionary.Question
        if question.type == "bool":
            prompt = questionary.confirm(question.help, default=bool(question.default))
        else:
            choices = [questionary.Choice(title, value=value) for title, value in question.choices]
            default = next(c for c in choices if c.value == question.default)
            prompt = questionary.select(question.help, choices=choices, default=default)
        answer = prompt.unsafe_ask()  # raises KeyboardInterrupt on Ctrl-C
        if answer is None:
            raise Aborted("interrupted: nothing was written")
        answers[key] = answer
    return answers
