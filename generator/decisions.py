"""The decision answers: flags, a preset and the prompts merged into one typed set."""

from __future__ import annotations

from typing import Any

from generator import matrix, questions
from generator.prompts import NO_PRESET


def from_flags(**flags: Any) -> dict[str, Any]:
    """The answers the flags give, typed and checked against `copier.yml`."""
    known = questions.load()
    return {key: known[key].cast(value) for key, value in flags.items() if value is not None}


def start_from_preset(name: str | None, flags: dict[str, Any], *, ask: bool) -> str:
    """The preset to start from: the one named, else asked on a terminal when no flag answers."""
    if name is not None:
        return matrix.preset(name).id
    if ask and not flags:
        from generator.prompts import ask_preset

        return ask_preset(matrix.presets())
    return NO_PRESET


def merge(
    preset: str, known: dict[str, Any], *, ask: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every decision answer and the answers copier records about them (`preset`).

    One explicit merge: the answers given (`known`) > the preset's > asked on a terminal >
    the template's defaults.
    """
    merged = {**(matrix.preset(preset).answers if preset != NO_PRESET else {}), **known}
    if ask and any(key not in merged for key in questions.DECISION_KEYS):
        from generator.prompts import ask_decisions

        merged = ask_decisions(questions.load(), merged)
    defaults = questions.load()
    decisions = {key: merged.get(key, defaults[key].default) for key in questions.DECISION_KEYS}
    return decisions, {"preset": preset}
