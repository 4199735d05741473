"""The questions, read from the template's `copier.yml`: they are defined there and only there."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, Any

import yaml

from generator.errors import UsageError

# libyaml's loader where PyYAML was built with it: the same data in a tenth of the time
# (every run reads copier.yml, and `new` the matrix and its articles).
try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

#: The questions that feed the decision matrix, in the order they are asked.
DECISION_KEYS = ("admin", "async_io", "realtime", "auth", "frontend", "team")

_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


def template_root() -> Path:
    """The template that ships with stackpick: a packaged copy, or this checkout."""
    packaged = Path(__file__).resolve().parent / "template"
    if (packaged / "copier.yml").is_file():
        return packaged
    return Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Question:
    """One copier question, as declared in `copier.yml`."""

    key: str
    type: str
    help: str
    default: Any
    choices: tuple[tuple[str, Any], ...]
    hidden: bool

    @property
    def values(self) -> tuple[Any, ...]:
        """The allowed values, or an empty tuple when the answer is free."""
        return tuple(value for _, value in self.choices)

    def cast(self, raw: Any) -> Any:
        """Turn a command-line string into this question's type, or raise `UsageError`."""
        value = raw
        if self.type == "bool" and isinstance(raw, str):
            lowered = raw.strip().lower()
            if lowered not in _TRUE | _FALSE:
                raise UsageError(f"{self.key}: expected true or false, got {raw!r}")
            value = lowered in _TRUE
        elif self.type == "str" and not isinstance(raw, str):
            value = str(raw)
        if self.choices and value not in self.values:
            allowed = ", ".join(str(v) for v in self.values)
            raise UsageError(f"{self.key}: {raw!r} is not one of: {allowed}")
        return value


class _Loader(_SafeLoader):
    """Reads `copier.yml`, leaving copier's `!include` tags as their path."""


def _include_path(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_Loader.add_constructor("!include", _include_path)


def _choices(raw: Any) -> tuple[tuple[str, Any], ...]:
    if raw is None:
        return ()
    if isinstance(raw, dict):
        return tuple((str(title), value) for title, value in raw.items())
    return tuple((str(value), value) for value in raw)


def read_yaml(data: bytes | IO[bytes]) -> Any:
    """Safely load one YAML document (PyYAML's `safe_load`, in C where it can)."""
    return yaml.load(data, Loader=_SafeLoader)


@cache
def _config(root: Path | None = None) -> dict[str, Any]:
    path = (root or template_root()) / "copier.yml"
    with path.open("rb") as stream:
        config: dict[str, Any] = yaml.load(stream, Loader=_Loader)
    return config


def setting(key: str, root: Path | None = None) -> Any:
    """One of copier's settings in `copier.yml` (a key starting with `_`), or None."""
    return _config(root).get(key)


@cache
def load(root: Path | None = None) -> dict[str, Question]:
    """All questions of `copier.yml` in declaration order (settings starting with `_` left out)."""
    config = _config(root)
    questions: dict[str, Question] = {}
    for key, spec in config.items():
        if key.startswith("_"):
            continue
        questions[key] = Question(
            key=key,
            type=str(spec.get("type", "str")),
            help=str(spec.get("help", key)),
            default=spec.get("default"),
            choices=_choices(spec.get("choices")),
            hidden=spec.get("when") is False,
        )
    return questions


def parse_data(
    pairs: list[str], questions: dict[str, Question], *, flag: str = "--data"
) -> dict[str, Any]:
    """Parse `--data KEY=VALUE` pairs into typed answers, refusing unknown or hidden keys.

    `flag` names the option the pairs came from in the errors (`verify --only`).
    """
    answers: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep:
            raise UsageError(f"{flag} {pair!r}: expected KEY=VALUE")
        question = questions.get(key)
        if question is None or question.hidden:
            known = ", ".join(k for k, q in questions.items() if not q.hidden)
            raise UsageError(f"{flag} {key}: no such question (known: {known})")
        answers[key] = question.cast(raw)
    return answers
