"""Schemathesis against every framework's served API: its OpenAPI document tells the truth.

Each run uses all of schemathesis's checks: no 5xx, every response matches its documented
schema and status code, no request the schema forbids is accepted and none it allows is
refused, `Allow` headers list the documented methods, and so on. Runs are seeded (a failure
reproduces with the same seed, shown in the output) and capped in examples and time.

The same document names every operation and schema the contract's way in all three
frameworks, so that one generated client works against any of them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.outside import FRAMEWORKS, ServedFactory, ServedProject, add_user
from tests.served import bearer_token

SEED = 20261130
#: Per operation, and for the whole run: 8 operations x 3 phases (coverage, fuzzing,
#: stateful) in at most 25 s, so the nine runs take about 4 minutes on top of serving the
#: six projects, which every outside-in test shares. How many cases fit depends on the
#: machine's load: at least three per operation, or the run says too little.
MAX_EXAMPLES = 20
MAX_SECONDS = 25
MIN_CASES = 24
FUZZ_USER = "fuzzer"
FUZZ_PASSWORD = "amber-window-58"

CASES = [
    *[(framework, "sqlite", auth) for framework in FRAMEWORKS for auth in ("token", "anonymous")],
    *[(framework, "postgresql", "token") for framework in FRAMEWORKS],
]

OPERATIONS = {
    ("get", "/api/health"): "health",
    ("post", "/api/auth/token"): "auth_token",
    ("get", "/api/users/me"): "users_me",
    ("get", "/api/items"): "items_list",
    ("post", "/api/items"): "items_create",
    ("get", "/api/items/{item_id}"): "items_read",
    ("patch", "/api/items/{item_id}"): "items_update",
    ("delete", "/api/items/{item_id}"): "items_delete",
}
#: The operations anyone may call, with or without a token.
ANONYMOUS = {"health", "auth_token", "items_list", "items_read"}
SCHEMAS = {
    "Item",
    "ItemCreate",
    "ItemUpdate",
    "ItemPage",
    "Token",
    "User",
    "Health",
    "Error",
    "ValidationError",
}


def fuzz_token(project: ServedProject) -> str:
    """A bearer token of a user who is not staff: the fuzzer changes only its own items."""
    if "fuzz_token" not in project.extra:
        add_user(project, FUZZ_USER, FUZZ_PASSWORD)
        project.extra["fuzz_token"] = bearer_token(project.server, FUZZ_USER, FUZZ_PASSWORD)
    return str(project.extra["fuzz_token"])


def schemathesis(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run stackpick's schemathesis (a dev dependency) as its CLI.

    In `cwd` (a temporary folder), so its example database never lands in the checkout.
    """
    command = [str(Path(sys.executable).with_name("schemathesis")), *args]
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("framework", "database", "auth"), CASES, ids=["-".join(case) for case in CASES]
)
def test_schemathesis_finds_no_failure(
    served: ServedFactory, framework: str, database: str, auth: str, tmp_path: Path
) -> None:
    project = served(framework, database)
    headers = ["--header", "X-Forwarded-Proto: https"]
    if auth == "token":
        headers += ["--header", f"Authorization: Bearer {fuzz_token(project)}"]

    result = schemathesis(
        "run",
        f"{project.server.base}/api/openapi.json",
        "--checks=all",
        f"--seed={SEED}",
        f"--max-examples={MAX_EXAMPLES}",
        f"--max-time={MAX_SECONDS}",
        "--workers=1",
        "--request-timeout=20",
        "--report=junit",
        f"--report-dir={tmp_path}",
        *headers,
        cwd=tmp_path,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-30000:]
    tested = re.search(r"(\d+) generated, (\d+) passed", output)
    assert tested, output[-3000:]
    assert int(tested[1]) == int(tested[2]) >= MIN_CASES, tested[0]


def _document(project: ServedProject) -> dict[str, Any]:
    status, _, document = project.server.request("GET", "/api/openapi.json")
    assert status == 200
    assert isinstance(document, dict)
    return document


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        own = {node["$ref"].rpartition("/")[2]} if "$ref" in node else set()
        return own.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node))
    return set()


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_framework_documents_the_contracts_names(
    served: ServedFactory, framework: str
) -> None:
    """One generated client fits all three: same operation ids, same schema names.

    One case per framework, so each runs on the worker that serves that framework.
    """
    document = _document(served(framework, "sqlite"))
    operations = {
        (method, path): operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }
    ids = {key: operation["operationId"] for key, operation in operations.items()}
    assert ids == OPERATIONS, framework
    assert set(document["components"]["schemas"]) >= SCHEMAS, framework
    for (method, path), operation in operations.items():
        responses = operation["responses"]
        errors = {code: _refs(body) for code, body in responses.items() if code >= "400"}
        assert errors.get("422", {"ValidationError"}) == {"ValidationError"}, (framework, path)
        for code, refs in errors.items():
            if code not in ("422", "503"):
                assert refs == {"Error"}, (framework, method, path, code)
        assert "401" in responses, (framework, method, path)
        # A token is optional where anyone may call; every scheme named is declared.
        security = operation["security"]
        assert {"OAuth2PasswordBearer": []} in security, (framework, method, path)
        assert ({} in security) == (ids[(method, path)] in ANONYMOUS), (framework, method, path)
        named = {scheme for requirement in security for scheme in requirement}
        assert named <= set(document["components"]["securitySchemes"]), (framework, path)
    # Django's session cookie signs API calls in too (the hybrid's API reads it as Django's).
    cookie = {"cookieAuth": []} in operations[("post", "/api/items")]["security"]
    assert cookie == (framework != "fastapi"), framework
    request = operations[("post", "/api/items")]["requestBody"]["content"]
    assert _refs(request) == {"ItemCreate"}, framework
    update = operations[("patch", "/api/items/{item_id}")]["requestBody"]["content"]
    assert _refs(update) == {"ItemUpdate"}, framework
    assert _refs(operations[("get", "/api/items")]["responses"]["200"]) == {"ItemPage"}
    item_create = document["components"]["schemas"]["ItemCreate"]["properties"]
    price = item_create["price"]["anyOf"]
    assert {choice["type"] for choice in price} == {"number", "string"}, framework


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_body_of_another_media_type_is_invalid_input(
    served: ServedFactory, framework: str
) -> None:
    """Schemathesis sends only the documented media types; a client may send others."""
    project = served(framework, "sqlite")
    document = _document(project)
    server = project.server
    item = {"name": "Typed", "price": "1"}
    _, _, created = server.json("POST", "/api/items", item, project.token)
    bodies = {
        # A JSON body where a form is taken, and text where JSON is.
        ("post", "/api/auth/token", "/api/auth/token"): ("application/json", item),
        ("post", "/api/items", "/api/items"): ("text/plain", item),
        ("patch", "/api/items/{item_id}", f"/api/items/{created['id']}"): ("text/plain", item),
    }
    for (method, path, url), (media_type, body) in bodies.items():
        headers = {"Content-Type": media_type, **project.bearer}
        status, _, answer = server.request(method.upper(), url, json.dumps(body).encode(), headers)
        documented = document["paths"][path][method]["responses"]
        # Invalid input, as the three answer it alike (Django's own answer would be a 415).
        assert status == 422, (method, path, status, answer)
        assert str(status) in documented, (method, path, status, sorted(documented))
        assert answer["detail"][0]["loc"][0] == "body", (method, path, answer)
