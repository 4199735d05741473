"""The questions stackpick asks itself on a terminal, in copier's look.

The decision questions come from `copier.yml`, the presets from `presets.yml`. copier asks
the rest (framework, project name, ...) with questionary, a 🎤 before each question and the
help on its own line; these prompts are built the same way, so the whole session reads as
one questionnaire.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from generator.errors import Aborted
from generator.questions import DECISION_KEYS, Question

if TYPE_CHECKING:
    import questionary

    from generator.matrix import Preset

#: copier's mark before every question it asks (`copier/_user_data.py`).
QMARK = "🎤"

#: The preset question's answer for "answer the questions one by one".
NO_PRESET = "none"


def _message(text: str) -> str:
    """The question's text as copier lays it out: its own line, answers indented below."""
    return text.rstrip("\n") + "\n  "


def _ask(prompt: questionary.Question) -> Any:
    try:
        answer = prompt.unsafe_ask()  # raises KeyboardInterrupt on Ctrl-C
    except EOFError:  # Ctrl-D
        raise Aborted("interrupted: nothing was written") from None
    if answer is None:
        raise Aborted("interrupted: nothing was written")
    return answer


def ask_preset(presets: Mapping[str, Preset]) -> str:
    """Ask whether to start from a preset; its id, or `NO_PRESET`."""
    import questionary  # imported here: only a terminal session needs it

    choices = [questionary.Choice("No preset: answer the questions one by one", NO_PRESET)]
    choices += [questionary.Choice(f"{p.title} ({p.id})", p.id) for p in presets.values()]
    prompt = questionary.select(
        _message("Start from a preset, or answer the questions?"),
        choices=choices,
        default=choices[0],
        qmark=QMARK,
    )
    return str(_ask(prompt))


def ask_decisions(questions: dict[str, Question], known: dict[str, Any]) -> dict[str, Any]:
    """Ask every decision question `known` does not answer yet; return all decision answers."""
    import questionary  # imported here: only a terminal session needs it

    answers = dict(known)
    for key in DECISION_KEYS:
        if key in answers:
            continue
        question = questions[key]
        message = _message(question.help)
        prompt: questionary.Question
        if question.type == "bool":
            prompt = questionary.confirm(message, default=bool(question.default), qmark=QMARK)
        else:
            choices = [questionary.Choice(title, value=value) for title, value in question.choices]
            default = next(c for c in choices if c.value == question.default)
            prompt = questionary.select(message, choices=choices, default=default, qmark=QMARK)
        answers[key] = _ask(prompt)
    return answers
