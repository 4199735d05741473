"""The decision matrix: the articles' verdicts, and stackpick agreeing with plain copier."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import matrix, questions
from tests.conftest import ROOT

#: Where the articles' texts are, when they are on this machine (`.ci/run` sets it).
ARTICLES_ENV = "STACKPICK_ARTICLES"

BASE = {
    "admin": False,
    "async_io": False,
    "realtime": False,
    "auth": "none",
    "frontend": "none",
    "team": "neither",
}

# (id, answers on top of BASE, expected framework, source id, the passage that says so)
CASES: list[tuple[str, dict[str, Any], str, str, str]] = [
    (
        "staff-portal-crud",
        {"admin": True, "auth": "sessions", "frontend": "server"},
        "django",
        "rulesets-2026",
        "Django for “internal tools, content sites, and CRUD apps with a staff portal.”",
    ),
    (
        "content-site-django-team",
        {"admin": True, "auth": "sessions", "frontend": "server", "team": "django"},
        "django",
        "mgsoftware-2026",
        "Django is the right framework when building a complete web application with admin "
        "panel, ORM, authentication, and server-side rendering.",
    ),
    (
        "server-pages-no-admin",
        {"auth": "sessions", "frontend": "server"},
        "django",
        "outplane-2026",
        "You are building a full-stack web application with server-rendered HTML",
    ),
    (
        "pure-microservice",
        {},
        "fastapi",
        "drf-freelancer-2026",
        "Building a pure API microservice with no UI requirements",
    ),
    (
        "api-for-spa",
        {"auth": "tokens", "frontend": "spa"},
        "fastapi",
        "rulesets-2026",
        "New API for a Next.js or React Native frontend: FastAPI.",
    ),
    (
        "ml-serving-async",
        {"async_io": True, "frontend": "none", "auth": "tokens"},
        "fastapi",
        "rulesets-2026",
        "ML inference API: FastAPI; async wins for tail latency.",
    ),
    (
        "websocket-service",
        {"realtime": True, "async_io": True, "frontend": "spa", "auth": "tokens"},
        "fastapi",
        "mgsoftware-2026",
        "The framework is ideal for real-time applications thanks to native WebSocket support.",
    ),
    (
        "fastapi-team-api",
        {"team": "fastapi", "auth": "tokens", "frontend": "spa"},
        "fastapi",
        "drf-freelancer-2026",
        "Your team prefers Pydantic's validation model",
    ),
    (
        "admin-plus-busy-api",
        {"admin": True, "async_io": True, "auth": "both", "frontend": "spa"},
        "hybrid",
        "rulesets-2026",
        "many teams run Django for the admin and CMS, FastAPI for the public API, on the same "
        "database. The split is durable.",
    ),
    (
        "admin-plus-realtime-pricing",
        {"admin": True, "realtime": True, "async_io": True, "auth": "sessions", "frontend": "spa"},
        "hybrid",
        "drf-freelancer-2026",
        "use Django for the main application (auth, admin, business logic) and FastAPI for a "
        "specific high-throughput microservice (real-time pricing, streaming endpoints).",
    ),
    # A staff admin and an SPA at ordinary load, without websockets: Django + DRF, not the
    # hybrid, whose FastAPI half is for a high-throughput or streaming part.
    (
        "staff-admin-and-spa-at-ordinary-load",
        {"admin": True, "auth": "tokens", "frontend": "spa"},
        "django",
        "drf-freelancer-2026",
        "For a new web application in 2026: Django + DRF is the safer, faster path to production.",
    ),
    (
        "staff-portal-behind-an-spa",
        {"admin": True, "auth": "sessions", "frontend": "spa"},
        "django",
        "rulesets-2026",
        "Multi-tenant SaaS with staff portals and complex permissions: Django.",
    ),
    (
        "admin-and-api-in-one-framework",
        {"admin": True, "auth": "both", "frontend": "spa"},
        "django",
        "mgsoftware-2026",
        "A simpler alternative is Django REST Framework for existing Django projects",
    ),
    (
        "admin-behind-mobile-api-fastapi-team",
        {"admin": True, "auth": "tokens", "frontend": "spa", "team": "fastapi"},
        "django",
        "rulesets-2026",
        "Replacing it in FastAPI costs three to six engineer-weeks",
    ),
]


@pytest.mark.parametrize(
    ("answers", "expected"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES]
)
def test_articles_verdicts(answers: dict[str, Any], expected: str) -> None:
    assert matrix.recommend({**BASE, **answers}).framework == expected


def all_decision_answers() -> list[dict[str, Any]]:
    qs = questions.load()
    domains = [qs[key].values or (True, False) for key in questions.DECISION_KEYS]
    return [
        dict(zip(questions.DECISION_KEYS, combo, strict=True))
        for combo in itertools.product(*domains)
    ]


def test_the_hybrid_only_for_an_admin_with_a_high_throughput_or_live_part() -> None:
    # drf-freelancer-2026: the Django + FastAPI split "is a legitimate architecture when you
    # actually need it", for "a specific high-throughput microservice (real-time pricing,
    # streaming endpoints)".
    hybrids = [a for a in all_decision_answers() if matrix.recommend(a).framework == "hybrid"]
    assert hybrids
    for answers in hybrids:
        assert answers["admin"], answers
        assert answers["async_io"] or answers["realtime"], answers


def test_every_row_cites_a_source_and_weighs_every_framework() -> None:
    rows = matrix.load()
    assert len({row.id for row in rows}) == len(rows)
    raw = yaml.safe_load((ROOT / "generator" / "matrix.yml").read_text())
    assert {item["source"] for item in raw} <= set(matrix.sources())
    decision = {key: questions.load()[key] for key in questions.DECISION_KEYS}
    for row in rows:
        assert set(row.weights) == set(matrix.FRAMEWORKS)
        for key, values in row.when.items():
            allowed = decision[key].values or (True, False)
            assert set(values) <= set(allowed), (row.id, key)
    for source in matrix.sources().values():
        assert source.title, source.id
        assert source.publisher, source.id
        assert source.opening, source.id
        assert 2000 < source.year < 2100, source.id
        assert source.id in {row.source.id for row in rows} | {
            p.source.id for p in matrix.presets().values()
        }, f"{source.id} is cited nowhere"


def test_every_preset_is_a_valid_row_of_answers() -> None:
    decision = {key: questions.load()[key] for key in questions.DECISION_KEYS}
    assert len(matrix.presets()) >= 7
    for preset in matrix.presets().values():
        assert re.fullmatch(r"[a-z][a-z0-9-]*", preset.id)
        assert set(preset.answers) == set(questions.DECISION_KEYS) - {"team"}, preset.id
        for key, value in preset.answers.items():
            assert value in (decision[key].values or (True, False)), (preset.id, key)


@pytest.mark.parametrize(
    ("preset", "expected"),
    [
        ("internal-tool", "django"),
        ("content-site", "django"),
        ("saas-public-api", "hybrid"),
        ("spa-api", "fastapi"),
        ("ml-inference", "fastapi"),
        ("webhook-receiver", "fastapi"),
        ("realtime-app", "fastapi"),
    ],
)
def test_presets_recommend_what_their_article_says(preset: str, expected: str) -> None:
    answers = {**BASE, **matrix.preset(preset).answers}
    assert matrix.recommend(answers).framework == expected


def _plain(text: str) -> str:
    """Text compared as a reader would: straight quotes, single spaces, any case."""
    for curly, straight in (("\u201c", '"'), ("\u201d", '"'), ("\u2019", "'"), ("\u2018", "'")):
        text = text.replace(curly, straight)
    return " ".join(text.split()).casefold()


def test_every_quoted_phrase_is_in_its_article() -> None:
    """Each phrase in double quotes, each table case's passage, and each source's details.

    Needs the articles' texts: set STACKPICK_ARTICLES to their folder (`.ci/run` sets it to
    ../shared/seeds). The source table tells each text by its `opening` sentence.
    """
    folder = os.environ.get(ARTICLES_ENV)
    if not folder:
        pytest.skip(
            f"{ARTICLES_ENV} is not set: the articles' texts are not on this machine, so "
            "the quotations cannot be compared with them (CI sets it to ../shared/seeds)"
        )
    texts = [_plain(path.read_text()) for path in sorted(Path(folder).glob("*.txt"))]
    assert texts, f"{ARTICLES_ENV}={folder} holds no article (*.txt)"
    article: dict[str, str] = {}
    for source in matrix.sources().values():
        found = [text for text in texts if _plain(source.opening) in text]
        assert len(found) == 1, f"{source.id}: its opening is in {len(found)} texts"
        text = article[source.id] = found[0]
        assert str(source.year) in text, source.id
        if not source.title.startswith("Untitled; opens "):
            assert source.url or _plain(source.title) in text, source.id
        else:
            opens = source.title.removeprefix("Untitled; opens ")
            assert _plain(opens.strip("“”")) in text, source.id
        # What the text does not give was read on the page at `url`.
        if source.author:
            assert source.url or _plain(source.author) in text, source.id
        elif not source.publisher.startswith("an unnamed "):
            assert _plain(source.publisher) in text, source.id
    quoted = [
        (item.id, item.source.id, phrase)
        for item in (*matrix.load(), *matrix.presets().values())
        for phrase in re.findall(r'"([^"]+)"', item.why)
    ]
    quoted += [(case_id, source, passage) for case_id, _, _, source, passage in CASES]
    assert len(quoted) > 30
    missing = [
        (who, phrase) for who, source, phrase in quoted if _plain(phrase) not in article[source]
    ]
    assert not missing, missing


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


@pytest.fixture(scope="module")
def questions_only_template(tmp_path_factory: pytest.TempPathFactory, template_root: Path) -> Path:
    """copier.yml and everything it includes, with three folders that hold only the answers file."""
    root = tmp_path_factory.mktemp("questions-only")
    shutil.copy(template_root / "copier.yml", root)
    shutil.copytree(template_root / "common", root / "common")
    (root / "generator").mkdir()
    for name in ("matrix.yml", "sources.yml", "presets.yml", "reserved_names.yml"):
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

    from generator.jinja_compiled import compiled_once
    from generator.render import copier_trimmed

    combos = all_decision_answers()
    assert len(combos) == 2 * 2 * 2 * 4 * 3 * 3
    seen = set()
    # As `stackpick new` renders: each source compiled once, copier's repeated work trimmed.
    with compiled_once(), copier_trimmed():
        for index, answers in enumerate(combos):
            dest = tmp_path / str(index)
            run_copy(str(questions_only_template), dest, data=answers, defaults=True, quiet=True)
            recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text())
            expected = matrix.recommend(answers).framework
            assert recorded["framework"] == expected, answers
            seen.add(expected)
    assert seen == set(matrix.FRAMEWORKS)


def test_reserved_names_cover_the_standard_library() -> None:
    names = set(yaml.safe_load((ROOT / "generator" / "reserved_names.yml").read_text()).split())
    stdlib = {n for n in sys.stdlib_module_names if not n.startswith("_") and n.islower()}
    assert stdlib <= names
    assert {"test", "django", "fastapi", "config", "class"} <= names


def test_nothing_shipped_names_an_article_file() -> None:
    """Users have the articles' titles, never the names of the text files kept beside CI."""
    from generator.source import TEMPLATE_PARTS

    seed_file = re.compile(r"\d{3}_[0-9a-f]{16}|shared/seeds")
    shipped = [ROOT / part for part in TEMPLATE_PARTS] + [ROOT / "generator"]
    files = [p for path in shipped for p in ([path] if path.is_file() else path.rglob("*"))]
    checked = 0
    for path in files:
        if path.is_file() and "__pycache__" not in path.parts:
            assert not seed_file.search(path.read_text(errors="replace")), path
            checked += 1
    assert checked > 100
    # The README may say where CI keeps the texts, never a file's name.
    assert not re.search(r"\d{3}_[0-9a-f]{16}", (ROOT / "README.md").read_text())
