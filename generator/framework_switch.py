"""Which framework switches an update accepts: growth (Django into the hybrid), never rewrites.

A switch that would be a rewrite is refused with the reason and the way that works instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.errors import UpdateRefused
from generator.matrix import FRAMEWORKS

#: Framework switches that grow a project: everything the team wrote stays.
GROWTHS = frozenset({("django", "hybrid")})

_HYBRID = (
    "The hybrid offers the middle way: it is the Django project plus a FastAPI API on the "
    "same database and models"
)

#: Framework switches stackpick refuses, and why: each would be a rewrite, not an update.
REFUSED_SWITCHES: Mapping[tuple[str, str], str] = {
    ("django", "fastapi"): (
        "django -> fastapi is a rewrite, not an update: your models, migrations, admin, "
        "views, templates and their tests are Django code the FastAPI project cannot run, "
        "and its SQLAlchemy models and Alembic migrations would replace them. "
        f"{_HYBRID}; grow into it with `--framework hybrid` and keep all of it."
    ),
    ("fastapi", "django"): (
        "fastapi -> django is a rewrite, not an update: your routers, schemas, "
        "dependencies, SQLAlchemy models and Alembic migrations have no place in a Django "
        "project and every query would have to be rewritten for Django's ORM. "
        f"{_HYBRID}, but its models are Django's too, so it is not a shortcut from FastAPI: "
        "generate a new project and port your code."
    ),
    ("fastapi", "hybrid"): (
        "fastapi -> hybrid is refused: the hybrid's FastAPI routes run over Django models, "
        "so your SQLAlchemy models, Alembic migrations, users table and every query would "
        "have to be rewritten for Django's ORM; copier cannot merge that, it would only "
        "delete your database layer. If you need an admin, your FastAPI project can have "
        "one (`--data admin=true`, SQLAdmin); otherwise generate a hybrid project and port "
        "your routers to it."
    ),
    ("hybrid", "django"): (
        "hybrid -> django is refused: it would remove the FastAPI API (its routers, schemas "
        "and the ASGI composition) and serve the API from DRF views instead, so every "
        "endpoint you added to the FastAPI app would be left unreachable. The hybrid already "
        "is a complete Django project; keep it, or move your endpoints to DRF by hand and "
        "delete the API package yourself (copier will not bring deleted files back)."
    ),
    ("hybrid", "fastapi"): (
        "hybrid -> fastapi is a rewrite, not an update: your Django models, migrations, "
        "admin and pages would be deleted and the API moved onto SQLAlchemy. Keep the "
        "hybrid: its FastAPI API already serves the hot paths."
    ),
}

#: Said when a Django project grown into the hybrid kept DRF files the team edited.
DRF_NOTE = (
    "The hybrid serves /api with FastAPI ({slug}/api/), not Django REST framework: kept DRF "
    "files are no longer routed and DRF is no longer a dependency; port what you changed "
    "to the routers in {slug}/api/routes/, then delete them."
)


def check_framework_switch(old: str, new: str) -> None:
    """Refuse a framework switch that would be a rewrite rather than an update."""
    if old == new or (old, new) in GROWTHS:
        return
    if new not in FRAMEWORKS:
        raise UpdateRefused(f"unknown framework {new!r}: choose one of {', '.join(FRAMEWORKS)}")
    reason = REFUSED_SWITCHES.get((old, new))
    raise UpdateRefused(reason or f"cannot switch a {old or 'unknown'} project to {new}")


def follow_framework_defaults(answers: Mapping[str, Any], old: str, new: str) -> dict[str, Any]:
    """Answers left at a default that names the framework follow a switch (the description)."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    from generator.questions import load

    context = {key: value for key, value in answers.items() if not key.startswith("_")}
    environment = SandboxedEnvironment()
    updates: dict[str, Any] = {}
    for key, question in load().items():
        default = question.default
        if key == "framework" or not isinstance(default, str) or "framework" not in default:
            continue
        try:
            before = environment.from_string(default).render({**context, "framework": old})
            after = environment.from_string(default).render({**context, "framework": new})
        except jinja2.TemplateError:
            continue
        if answers.get(key) == before != after:
            updates[key] = after
    return updates


def overrides(
    answers: Mapping[str, Any], framework: str | None, data: Mapping[str, Any]
) -> dict[str, Any]:
    """The answers to pass copier: `data`, plus the framework switch if it is a growth."""
    overrides = dict(data)
    old = str(answers.get("framework", ""))
    new = str(framework or overrides.get("framework") or old)
    check_framework_switch(old, new)
    if new != old:
        overrides["framework"] = new
        for key, value in follow_framework_defaults(answers, old, new).items():
            overrides.setdefault(key, value)
    return overrides
