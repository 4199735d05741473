"""The SPA answer: one front end (common/frontend) for all three backends.

The front end is the same whichever the framework (a test below compares them), so what its
own CI checks of it alone (`npm ci`, ESLint, `tsc`, Vitest, the build) runs once for each
shape it takes: with user accounts and without. Then, for each framework, an SPA project is
rendered, built and served from its Procfile (release, a staff user, web) with the built app
at `/`, and Playwright's end-to-end tests run against it. Then the client is regenerated
from that backend's OpenAPI document, and it must come out exactly as committed (what the
generated CI's drift check demands), because the three documents agree: the app checked
above is the app each backend serves. The backend is started once, with the project's own
`scripts/backend.mjs` (the command of Playwright's webServer), and Playwright reuses it.

Chromium is Debian's (`PLAYWRIGHT_CHROMIUM_EXECUTABLE`, else `chromium` on PATH): nothing
downloads a browser. The first project of a test process to need its front end installed
runs `npm ci`; the later ones, whose package files are the same, link the files of that
install into their own `node_modules` (`npm_ci` below) rather than unpacking them again.
"""

from __future__ import annotations

import difflib
import filecmp
import hashlib
import http.client
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.matrix import FRAMEWORKS
from generator.services import free_port
from tests.conftest import run
from tests.outside import ANSWERS, ServedFactory, ServedProject, render_project
from tests.served import run_process
from tests.test_security import PATHS, TOKEN_FIELD, header_problems

SPA: dict[str, Any] = {**ANSWERS, "frontend": "spa", "database": "sqlite"}
#: Prose that the frameworks word their own way and no generated client reads: schema
#: titles (pydantic derives them from names, drf-spectacular writes none), operations'
#: summaries and descriptions (each framework's docstrings), tags, examples. The
#: descriptions of error responses are compared on their own (`error_descriptions`).
PROSE = {"description", "summary", "title", "tags", "example", "examples"}


def chromium() -> str:
    """The browser Playwright drives: the one the environment names, else Debian's."""
    path = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE") or shutil.which("chromium")
    assert path, "no Chromium: apt-get install chromium (or set PLAYWRIGHT_CHROMIUM_EXECUTABLE)"
    return path


def wait_healthy(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 180) -> None:
    """Wait until the backend on `port` answers its health check."""
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, f"backend exited {proc.returncode}:\n{log.read_text()}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        assert time.monotonic() < deadline, f"backend never got healthy:\n{log.read_text()}"
        time.sleep(1)


def status_of(port: str, method: str, path: str) -> tuple[int, bytes]:
    """The status and body of an unauthenticated `method` request to the backend."""
    connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
    try:
        connection.request(method, path, body=b"{}", headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def get(port: str, path: str) -> bytes:
    """The body of a successful GET from the backend."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
        assert response.status == 200, path
        return bytes(response.read())


def page_headers(port: str) -> tuple[dict[str, str], list[str]]:
    """The headers of the app's page as a TLS proxy forwards it, and those sent twice."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/", headers={"X-Forwarded-Proto": "https"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        names = [name.lower() for name in response.headers]
        headers = {name.lower(): value for name, value in response.headers.items()}
    return headers, sorted({name for name in names if names.count(name) > 1})


def admin_login_through(dev_port: int, framework: str) -> int:
    """Log in to the admin through `npm run dev`'s proxy, as a browser on localhost would.

    The status of the login form's POST (a redirect when the login is accepted).
    """
    host = f"localhost:{dev_port}"
    path = PATHS[framework]["admin_login"]
    connection = http.client.HTTPConnection("127.0.0.1", dev_port, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": host})
        page = connection.getresponse()
        form = {"username": E2E_USERNAME, "password": E2E_PASSWORD, "next": "/admin/"}
        if token := TOKEN_FIELD.search(page.read().decode()):
            form["csrfmiddlewaretoken"] = token[1]
        cookies = "; ".join(
            value.split(";", 1)[0]
            for name, value in page.getheaders()
            if name.lower() == "set-cookie"
        )
        headers = {
            "Host": host,
            "Origin": f"http://{host}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookies,
        }
        connection.request("POST", path, urllib.parse.urlencode(form), headers)
        answer = connection.getresponse()
        answer.read()
        return answer.status
    finally:
        connection.close()


def wait_serving(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    """Wait until the server on `port` answers `GET /`."""
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, f"exited {proc.returncode}:\n{log.read_text()}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        assert time.monotonic() < deadline, f"never served:\n{log.read_text()}"
        time.sleep(0.5)


def lines(path: Path) -> list[str]:
    """A file's lines, none when it does not exist."""
    return path.read_text().splitlines(keepends=True) if path.is_file() else []


def differing_files(left: Path, right: Path) -> list[str]:
    """Files that differ between two folders, or exist in only one of them."""
    comparison = filecmp.dircmp(left, right)
    found = [*comparison.diff_files, *comparison.left_only, *comparison.right_only]
    for name in comparison.common_dirs:
        found += [f"{name}/{file}" for file in differing_files(left / name, right / name)]
    return found


def client_drift(committed: Path, regenerated: Path) -> list[str]:
    """How the regenerated client differs from the committed one, a diff per file."""
    return [
        "".join(
            difflib.unified_diff(
                lines(committed / name), lines(regenerated / name), name, f"{name} now"
            )
        )
        for name in differing_files(committed, regenerated)
    ]


#: The staff user that the front end's scripts/backend.mjs creates (its e2e/user.js).
E2E_USERNAME, E2E_PASSWORD = "e2e-admin", "e2e-password-1"

#: `npm_ci(frontend)`, the session fixture below.
Installer = Callable[[Path], None]


@pytest.fixture(scope="session")
def npm_ci(tmp_path_factory: pytest.TempPathFactory) -> Installer:
    """`npm_ci(frontend)`: `npm ci`, once per test process for each lock file.

    Later front ends with the same `package.json` and `package-lock.json` get hard links
    to the files of that install (`cp -al`: their own folders, the same files), the
    `node_modules` that `npm ci` would unpack again from npm's cache.
    """
    kept = tmp_path_factory.mktemp("node_modules")
    installs: dict[str, Path] = {}

    def install(frontend: Path) -> None:
        files = (frontend / "package.json", frontend / "package-lock.json")
        key = hashlib.sha256(b"\0".join(path.read_bytes() for path in files)).hexdigest()
        if key in installs:
            run(["cp", "-al", str(installs[key]), str(frontend / "node_modules")], frontend)
            return
        run(["npm", "ci", "--prefer-offline", "--no-audit", "--no-fund"], frontend)
        run(["cp", "-al", str(frontend / "node_modules"), str(kept / key)], frontend)
        installs[key] = kept / key

    return install


#: The two shapes of the front end: with user accounts (log in, "who am I") and without.
FRONT_ENDS = {"accounts": {}, "no-accounts": {"auth": "none", "realtime": False}}


@pytest.mark.slow
@pytest.mark.parametrize("shape", FRONT_ENDS)
def test_the_front_end_passes_its_own_checks(shape: str, tmp_path: Path, npm_ci: Installer) -> None:
    """ESLint, `tsc`, Vitest and the build, as the generated CI runs them: no backend needed.

    Without accounts the app has no login form, and lists, adds, edits and deletes items
    with no login; its committed client has no account operations.
    """
    project = render_project(tmp_path / "project", {**SPA, **FRONT_ENDS[shape]})
    frontend = project / "frontend"
    accounts = shape == "accounts"
    assert ("authToken" in (frontend / "src" / "client" / "sdk.gen.ts").read_text()) == accounts
    assert (frontend / "src" / "LoginForm.tsx").exists() == accounts
    assert (frontend / "src" / "session.ts").exists() == accounts
    npm_ci(frontend)
    run(["npm", "run", "lint"], frontend)
    run(["npm", "run", "typecheck"], frontend)
    unit = run(["npm", "test"], frontend)
    assert " passed" in unit.stdout, unit.stdout
    assert " failed" not in unit.stdout, unit.stdout
    run(["npm", "run", "build"], frontend)
    page = (frontend / "dist" / "index.html").read_text()
    assert '<div id="root"></div>' in page
    assert "/assets/" in page


@pytest.mark.slow
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_spa_builds_and_passes_its_tests_against_the_served_backend(
    framework: str, tmp_path: Path, npm_ci: Installer
) -> None:
    project = render_project(tmp_path / "project", {**SPA, "framework": framework})
    frontend = project / "frontend"
    committed_client = tmp_path / "committed-client"
    shutil.copytree(frontend / "src" / "client", committed_client)
    run(["uv", "sync"], project)
    npm_ci(frontend)
    run(["npm", "run", "build"], frontend)
    page = (frontend / "dist" / "index.html").read_text()

    # The backend exactly as Playwright's webServer starts it (scripts/backend.mjs: the
    # Procfile's release, a staff user, web), started here once for both checks below.
    port = str(free_port())
    log = tmp_path / "backend.log"
    with run_process(frontend, "node scripts/backend.mjs", log, E2E_PORT=port) as backend:
        wait_healthy(int(port), backend, log)
        # One origin: the backend serves the built app at `/`, its assets beside it.
        assert get(port, "/") == page.encode()
        asset = re.search(r'src="(/assets/[^"]+\.js)"', page)
        assert asset, page
        assert get(port, asset[1]) == (frontend / "dist" / asset[1].lstrip("/")).read_bytes()
        # Only `/` and its assets are the app's: an unknown API path is the API's 404,
        # whatever the method (not a 405 from the files beside it).
        for method in ("POST", "PATCH", "DELETE"):
            status, body = status_of(port, method, "/api/nope")
            assert (status, b'"detail"' in body) == (404, True), (method, body)
        # The page has the security baseline's headers, its Content-Security-Policy included.
        headers, repeated = page_headers(port)
        assert header_problems(headers, html=True) == [], headers
        assert repeated == [], repeated
        e2e = run(
            ["npx", "playwright", "test", "--reporter=list"],
            frontend,
            CI="",  # not CI: Playwright reuses the backend already serving E2E_PORT
            E2E_PORT=port,
            PLAYWRIGHT_CHROMIUM_EXECUTABLE=chromium(),
        )
        url = f"http://127.0.0.1:{port}/api/openapi.json"
        run(["npm", "run", "generate-client"], frontend, OPENAPI_URL=url)
        # `npm run dev` (Vite) forwards the backend's paths: the admin's login form, posted
        # from the dev server's origin, is accepted there as from the backend's own.
        dev_port = free_port()
        dev_log = tmp_path / "vite.log"
        vite = f"npx vite --host 127.0.0.1 --port {dev_port} --strictPort"
        backend_url = f"http://127.0.0.1:{port}"
        with run_process(frontend, vite, dev_log, BACKEND_URL=backend_url) as dev:
            wait_serving(dev_port, dev, dev_log)
            assert admin_login_through(dev_port, framework) in (302, 303), dev_log.read_text()
    assert "5 passed" in e2e.stdout, e2e.stdout
    # Nothing was skipped or passed only on a retry.
    assert "skipped" not in e2e.stdout, e2e.stdout
    assert "flaky" not in e2e.stdout, e2e.stdout
    # The committed client, which the app type-checks against (above), is exactly what this
    # backend's own document generates, whichever the framework: the generated CI's drift
    # check passes.
    drift = client_drift(committed_client, frontend / "src" / "client")
    assert drift == [], "\n".join(drift)


@pytest.mark.slow
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_spa_without_accounts_regenerates_its_own_client(
    framework: str, tmp_path: Path, npm_ci: Installer
) -> None:
    """`auth=none`: the backend has no account operations (no log in, no "who am I", no
    401 or 403), so the project commits the client its own document generates: the
    generated CI's drift check passes, for the app checked without accounts above.
    """
    project = render_project(
        tmp_path / "project", {**SPA, "framework": framework, **FRONT_ENDS["no-accounts"]}
    )
    frontend = project / "frontend"
    source = frontend / "src"
    committed_client = tmp_path / "committed-client"
    shutil.copytree(source / "client", committed_client)
    run(["uv", "sync"], project)
    npm_ci(frontend)

    port = str(free_port())
    log = tmp_path / "backend.log"
    with run_process(frontend, "node scripts/backend.mjs", log, E2E_PORT=port) as backend:
        wait_healthy(int(port), backend, log)
        url = f"http://127.0.0.1:{port}/api/openapi.json"
        run(["npm", "run", "generate-client"], frontend, OPENAPI_URL=url)
    drift = client_drift(committed_client, source / "client")
    assert drift == [], "\n".join(drift)


@pytest.mark.parametrize("frontend", ["server", "none"])
def test_python_only_projects_have_no_front_end_to_build(frontend: str, tmp_path: Path) -> None:
    answers = {**SPA, "framework": "fastapi", "frontend": frontend, "docker": True}
    project = render_project(tmp_path / "project", {**answers, "ci": "github"})

    assert not (project / "frontend").exists()
    assert "node" not in (project / "Dockerfile").read_text()
    assert "npm" not in (project / ".github" / "workflows" / "ci.yml").read_text()
    assert not (project / ".github" / "workflows" / "frontend.yml").exists()


@pytest.mark.parametrize("shape", FRONT_ENDS)
def test_every_spa_project_gets_the_same_front_end(shape: str, tmp_path: Path) -> None:
    sources: dict[str, dict[str, bytes]] = {}
    for framework in FRAMEWORKS:
        answers = {**SPA, **FRONT_ENDS[shape], "framework": framework, "docker": True}
        project = render_project(tmp_path / framework, {**answers, "ci": "github"})
        frontend = project / "frontend"
        sources[framework] = {
            str(path.relative_to(frontend)): path.read_bytes()
            for path in sorted(frontend.rglob("*"))
            if path.is_file() and path.name != "backend.mjs"  # starts its framework's way
        }
        assert "src/client/sdk.gen.ts" in sources[framework]
        assert "package-lock.json" in sources[framework]
        assert b"FROM node:" in (project / "Dockerfile").read_bytes()
        workflow = (project / ".github" / "workflows" / "frontend.yml").read_text()
        assert "npm run generate-client" in workflow
        assert "git diff --exit-code" in workflow
        assert "npm run e2e" in workflow
        assert "npm run generate-client" in (project / "docs" / "spa.md").read_text()
    assert sources["django"] == sources["fastapi"] == sources["hybrid"]


def document(project: ServedProject) -> dict[str, Any]:
    """The served project's OpenAPI document."""
    status, headers, body = project.server.request("GET", "/api/openapi.json")
    assert status == 200
    # JSON as every other body of the API (the contract), whatever the client accepts.
    assert headers["content-type"].startswith("application/json"), headers["content-type"]
    assert isinstance(body, dict)
    return body


def shape(node: Any) -> Any:
    """`node` without prose, its `required` lists as sets (their order means nothing)."""
    if isinstance(node, list):
        return [shape(value) for value in node]
    if not isinstance(node, dict):
        return node
    return {
        key: (
            {name: shape(schema) for name, schema in value.items()}  # a field may be "title"
            if key == "properties"
            else sorted(value)
            if key == "required" and isinstance(value, list)
            else shape(value)
        )
        for key, value in node.items()
        if key not in PROSE
    }


def agreed(document: dict[str, Any]) -> dict[str, Any]:
    """What a client generated from `document` rests on: every operation (path, method, id,
    parameters, request body, statuses and their bodies) and every component schema.

    Security is left out: the app sends its bearer token itself, and each framework names
    the credentials it accepts (Django's document also lists its session cookie).
    """
    operations = {
        f"{method.upper()} {path}": {
            key: (
                [{"required": False, **parameter} for parameter in value]  # OpenAPI's default
                if key == "parameters"
                else value
            )
            for key, value in operation.items()
            if key != "security"
        }
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }
    return shape(
        {
            "openapi": document["openapi"],
            "operations": operations,
            "schemas": document["components"]["schemas"],
        }
    )


def error_descriptions(document: dict[str, Any]) -> dict[str, str]:
    """What each error response says it means, by operation and status."""
    return {
        f"{operation['operationId']} {status}": response.get("description", "")
        for methods in document["paths"].values()
        for operation in methods.values()
        for status, response in operation["responses"].items()
        if status >= "400"
    }


def test_the_three_frameworks_document_the_same_api(served: ServedFactory) -> None:
    """One client fits all three: their documents agree on everything a client reads.

    Operation ids, paths, methods, parameters, request bodies, status codes and the shape of
    every schema are the same; the prose may differ (see PROSE), but not what an error
    response says it means.
    """
    documents = {framework: document(served(framework, "sqlite")) for framework in FRAMEWORKS}
    fastapi = agreed(documents["fastapi"])
    for framework in ("django", "hybrid"):
        other = agreed(documents[framework])
        assert other["operations"].keys() == fastapi["operations"].keys(), framework
        for name, operation in fastapi["operations"].items():
            assert other["operations"][name] == operation, (framework, name)
        assert other["schemas"].keys() == fastapi["schemas"].keys(), framework
        for name, schema in fastapi["schemas"].items():
            assert other["schemas"][name] == schema, (framework, name)
        assert other == fastapi, framework
        assert error_descriptions(documents[framework]) == error_descriptions(
            documents["fastapi"]
        ), framework
