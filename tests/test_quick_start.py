"""A fresh clone of each framework's project, run the way its README says.

The served project (tests/outside.py) is copied as `git clone` would give it: no `.env`, no
database, no environment, no collected static files. Then the README's "From clone to
running server" commands run as written, its development server included, and what the
README says to open then answers: the API's docs, the pages, the admin, and the websocket,
which `manage.py runserver` would not serve.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.matrix import FRAMEWORKS
from tests.conftest import run
from tests.outside import ServedFactory
from tests.served import WS_CLIENT, bearer_token, follow_quick_start

#: What `git clone` leaves out of a project: the files its .gitignore names, made by use.
NOT_CLONED = shutil.ignore_patterns(
    ".env", "db.sqlite3*", ".venv", "staticfiles", "__pycache__", ".*_cache"
)


@pytest.mark.slow
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_fresh_clone_runs_as_its_readme_says(
    framework: str, served: ServedFactory, tmp_path: Path
) -> None:
    source = served(framework, "sqlite")
    slug = source.answers["project_slug"]
    clone = tmp_path / slug
    shutil.copytree(source.project, clone, ignore=NOT_CLONED)
    run(["uv", "sync"], clone)
    with follow_quick_start(clone, tmp_path / "dev-server.log") as server:
        for path in ("/api/docs", "/", "/admin/"):
            status, _, _ = server.request("GET", path)
            assert status in (200, 302), (path, status)
        if framework == "fastapi":
            # Its README leaves the first user to docs/accounts.md: that page's command.
            guide = (clone / "docs" / "accounts.md").read_text().splitlines()
            command = next(line for line in guide if "createsuperuser" in line)
            run(["sh", "-c", command.removeprefix("$ ")], clone)
        token = bearer_token(server, "admin", "change-me-now")
        client = ["uv", "run", "python", "-c", WS_CLIENT, str(server.port), token]
        assert "ws ok" in run(client, clone).stdout
