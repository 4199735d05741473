"""The decision matrix: the articles' verdicts, and stackpick agreeing with plain copier."""

from __future__ import annotations

import itertools
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import matrix, questions
from tests.conftest import ROOT

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

BASE = {
    "admin": False,
    "async_io": False,
    "realtime": False,
    "auth": "none",
    "frontend": "none",
    "team": "neither",
}

# (id, answers on top of BASE, expected framework, the article that says so)
CASES: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "staff-portal-crud",
        {"admin": True, "auth": "sessions", "frontend": "server"},
        "django",
        "003: Django for 'internal tools, content sites, and CRUD apps with a staff portal'",
    ),
    (
        "content-site-django-team",
        {"admin": True, "auth": "sessions", "frontend": "server", "team": "django"},
        "django",
        "002: a complete web application with admin panel, ORM, auth and server-side rendering",
    ),
    (
        "server-pages-no-admin",
        {"auth": "sessions", "frontend": "server"},
        "django",
        "001: content-heavy applications and monoliths where convention matters",
    ),
    (
        "pure-microservice",
        {},
        "fastapi",
        "000: 'a pure API microservice with no UI requirements'",
    ),
    (
        "api-for-spa",
        {"auth": "tokens", "frontend": "spa"},
        "fastapi",
        "003: FastAPI for 'API plus SPA or mobile frontend'",
    ),
    (
        "ml-serving-async",
        {"async_io": True, "frontend": "none", "auth": "tokens"},
        "fastapi",
        "002: machine learning model serving, data pipelines and microservices",
    ),
    (
        "websocket-service",
        {"realtime": True, "async_io": True, "frontend": "spa", "auth": "tokens"},
        "fastapi",
        "002: native websockets via Starlette; Django needs Channels and Redis",
    ),
    (
        "fastapi-team-api",
        {"team": "fastapi", "auth": "tokens", "frontend": "spa"},
        "fastapi",
        "000: a team that prefers Pydantic's validation model",
    ),
    (
        "admin-plus-busy-api",
        {"admin": True, "async_io": True, "auth": "both", "frontend": "spa"},
        "hybrid",
        "003: 'Django for the admin and CMS, FastAPI for the public API, on the same database'",
    ),
    (
        "admin-plus-realtime-pricing",
        {"admin": True, "realtime": True, "async_io": True, "auth": "sessions", "frontend": "spa"},
        "hybrid",
        "000: Django for the main app, FastAPI for real-time pricing and streaming endpoints",
    ),
    (
        "admin-behind-mobile-api",
        {"admin": True, "auth": "tokens", "frontend": "spa", "team": "fastapi"},
        "hybrid",
        "002: keep Django's admin panel while FastAPI serves specific endpoints",
    ),
]


@pytest.mark.parametrize(
    ("answers", "expected"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES]
)
def test_articles_verdicts(answers: dict[str, Any], expected: str) -> None:
    assert matrix.recommend({**BASE, **answers}).framework == expected


def test_every_row_cites_an_existing_article_and_weighs_every_framework() -> None:
    rows = matrix.load()
    assert len({row.id for row in rows}) == len(rows)
    decision = {key: questions.load()[key] for key in questions.DECISION_KEYS}
    for row in rows:
        assert (SEEDS / row.source).is_file(), row.source
        assert set(row.weights) == set(matrix.FRAMEWORKS)
        for key, values in row.when.items():
            allowed = decision[key].values or (True, False)
            assert set(values) <= set(allowed), (row.id, key)


def test_tie_goes_to_the_simpler_stack() -> None:
    # admin + async + sessions + server + django team scores django 12 and hybrid 12.
    answers = {
        **BASE,
        "admin": True,
        "async_io": True,
        "auth": "sessions",
        "frontend": "server",
        "team": "django",
    }
    result = matrix.recommend(answers)
    assert result.scores["django"] == result.scores["hybrid"]
    assert result.framework == "django"


def test_reasons_come_strongest_first_for_the_winner() -> None:
    result = matrix.recommend({**BASE, "admin": True, "async_io": True, "frontend": "spa"})
    weights = [row.weights[result.framework] for row in result.rows]
    assert weights == sorted(weights, reverse=True)
    assert result.as_json()["reasons"][0]["favours"] == "hybrid"


def all_decision_answers() -> list[dict[str, Any]]:
    qs = questions.load()
    domains = [qs[key].values or (True, False) for key in questions.DECISION_KEYS]
    return [
        dict(zip(questions.DECISION_KEYS, combo, strict=True))
        for combo in itertools.product(*domains)
    ]


@pytest.fixture(scope="module")
def questions_only_template(tmp_path_factory: pytest.TempPathFactory, template_root: Path) -> Path:
    """copier.yml and everything it includes, with three folders that hold only the answers file."""
    root = tmp_path_factory.mktemp("questions-only")
    shutil.copy(template_root / "copier.yml", root)
    shutil.copytree(template_root / "common", root / "common")
    (root / "generator").mkdir()
    for name in ("matrix.yml", "reserved_names.yml"):
        shutil.copy(template_root / "generator" / name, root / "generator")
    for framework in matrix.FRAMEWORKS:
        folder = root / f"template_{framework}"
        folder.mkdir()
        (folder / "{{ _copier_conf.answers_file }}.jinja").write_text(
            "{{ _copier_answers|to_nice_yaml -}}\n"
        )
    return root


def test_copier_and_stackpick_agree_on_every_combination(
    questions_only_template: Path, tmp_path: Path
) -> None:
    from copier import run_copy

    combos = all_decision_answers()
    assert len(combos) == 2 * 2 * 2 * 4 * 3 * 3
    seen = set()
    for index, answers in enumerate(combos):
        dest = tmp_path / str(index)
        run_copy(str(questions_only_template), dest, data=answers, defaults=True, quiet=True)
        recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text())
        expected = matrix.recommend(answers).framework
        assert recorded["framework"] == expected, answers
        seen.add(expected)
    assert seen == set(matrix.FRAMEWORKS)


def test_reserved_names_cover_the_standard_library() -> None:
    names = set(yaml.safe_load((ROOT / "generator" / "reserved_names.yml").read_text()))
    stdlib = {n for n in sys.stdlib_module_names if not n.startswith("_") and n.islower()}
    assert stdlib <= names
    assert {"test", "django", "fastapi", "config", "class"} <= names
