"""copier.yml read with libyaml's parser rather than PyYAML's pure-Python one.

copier (9.19) reads a template's `copier.yml` and the files it `!include`s with a loader
derived from `yaml.SafeLoader`, whose scanner and parser are Python: 19 ms of a render for
stackpick's copier.yml. `yaml.CSafeLoader` is the same loader (the same resolver and safe
constructor, so the same values and the same `!include` handling) over libyaml's parser,
and takes 2 ms. Within the block copier's template module sees `CSafeLoader` as
`yaml.SafeLoader`; the `yaml` module itself, which everything else uses, is untouched.
Without libyaml, copier reads as before.
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Iterator

import yaml

_YAML = "yaml"


@contextlib.contextmanager
def config_read_by_libyaml() -> Iterator[None]:
    """Within the block, copier parses `copier.yml` and its includes with libyaml."""
    from copier import _template

    original = getattr(_template, _YAML, None)
    if original is not yaml or not getattr(yaml, "__with_libyaml__", False):
        yield  # no libyaml, or a later copier that reads its config another way
        return
    libyaml = types.ModuleType(yaml.__name__, yaml.__doc__)
    libyaml.__dict__.update({k: v for k, v in vars(yaml).items() if not k.startswith("__")})
    libyaml.SafeLoader = yaml.CSafeLoader  # type: ignore[attr-defined]
    setattr(_template, _YAML, libyaml)
    try:
        yield
    finally:
        setattr(_template, _YAML, original)
