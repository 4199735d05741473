"""Fixtures shared by every test: the template path, real servers and generated projects."""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from generator.services import project_env
from tests.services import create_database, postgres_server, redis_server

if TYPE_CHECKING:
    from tests.outside import ServedFactory

ROOT = Path(__file__).resolve().parent.parent


def xdist_group(item: pytest.Item) -> str | None:
    """The pytest-xdist group a test must share a worker with, if any.

    Session and module fixtures are per worker: tests sharing an expensive one go to one
    worker (`--dist loadgroup`), so it is built once. A served project (tests/outside.py)
    is grouped by framework, both databases together: some tests pick the database
    themselves. The Kubernetes tests share every combination rendered and built once, the
    SPA tests an installed front end.
    """
    fixtures = getattr(item, "fixturenames", ())
    params: dict[str, object] = getattr(getattr(item, "callspec", None), "params", {})
    if "served" in fixtures:
        # test_browser parametrizes its `site` fixture with (framework, database).
        site = params.get("site")
        framework = params.get("framework") or (site[0] if isinstance(site, tuple) else None)
        # A test using every framework's project is left ungrouped: correct, only slower.
        return f"served-{framework}" if framework else None
    if "built" in fixtures:
        return "kubernetes"
    if "npm_ci" in fixtures:
        return "spa"  # one `npm ci` for the front ends of all of them (tests/test_spa.py)
    return None


def _suffix_group(item: pytest.Item, group: str) -> None:
    """Append "@group" to the test's id, which is how xdist's scheduler sees groups.

    pytest-xdist 3.8 does this for the xdist_group mark by setting `item._nodeid`, which
    pytest 9.2 no longer reads (a node's id is `item._id`): without this, loadgroup
    silently schedules every test on its own and each worker builds every served project.
    """
    node_id = getattr(item, "_id", None)
    if node_id is not None and not str(node_id).endswith(f"@{group}"):
        item._id = type(node_id).parse(f"{node_id}@{group}")


# First: xdist's own hook reads the groups, and pytest calls a conftest's hook after it.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Group tests for pytest-xdist; under xdist, hand out the slow tests first.

    Groups with the most tests are scheduled first; the ungrouped tests then go out in
    collection order, so putting the slow ones (minutes each) first keeps one long test
    from starting last while the other worker idles. A serial run keeps the file order.
    """
    grouping = hasattr(config, "workerinput") and bool(config.getvalue("loadgroup"))
    for item in items:
        group = xdist_group(item)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
            if grouping:
                _suffix_group(item, group)
    if hasattr(config, "workerinput"):
        # Stable: every worker computes the same order, which xdist requires.
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def stackpick_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Template snapshots go to a temporary folder, never to the user's home."""
    home = tmp_path_factory.getbasetemp() / "stackpick-home"
    monkeypatch.setenv("STACKPICK_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for mypy's caches, kept for this test process (each xdist worker has its own)."""
    return tmp_path_factory.mktemp("mypy")


@pytest.fixture(scope="session")
def template_root() -> Path:
    """The template repository: this checkout."""
    return ROOT


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a real PostgreSQL server's admin database on 127.0.0.1 (one per test session)."""
    with postgres_server() as url:
        yield url


_databases = itertools.count()


@pytest.fixture
def postgres_database(postgres_url: str, request: pytest.FixtureRequest) -> str:
    """URL of a new, empty PostgreSQL database for one test (unique across modules)."""
    words = "".join(c if c.isalnum() else "_" for c in request.node.name.lower())
    # Short: Django and the FastAPI suite derive "test_<name>" from it, within 63 bytes.
    return create_database(postgres_url, f"db{next(_databases)}_{words}"[:40])


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a real Redis server on 127.0.0.1 (one per test session)."""
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


def run(
    cmd: list[str], cwd: Path, timeout: float = 900, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run a command in a generated project and fail the test with its output if it fails."""
    proc = subprocess.run(
        cmd, cwd=cwd, env=project_env(**env), capture_output=True, text=True, timeout=timeout
    )
    if proc.returncode != 0:
        pytest.fail(
            f"{' '.join(cmd)} exited {proc.returncode} in {cwd}\n"
            f"--- stdout ---\n{proc.stdout[-8000:]}\n--- stderr ---\n{proc.stderr[-8000:]}"
        )
    return proc


@pytest.fixture(scope="session")
def served(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[ServedFactory]:
    """`served(framework, database)`: one project per pair, served for the whole session.

    See tests/outside.py; every outside-in test (HTTP, browser, fuzz, security) shares it.
    """
    from tests.outside import served_factory

    with ExitStack() as stack:
        yield served_factory(stack, tmp_path_factory, request)
