"""HEAD from outside: every path that answers GET answers HEAD, as RFC 9110 asks of a server.

Uptime monitors and link checkers probe with HEAD (`curl -I`), and FastAPI's routes answered
it with 405 where Django answered 200. Each framework's served project (production mode, its
Procfile, tests/outside.py) must answer HEAD with GET's status and headers and no body, on
the API, its documentation, the pages and the admin's login page; and a 405 names HEAD
wherever it names GET.
"""

from __future__ import annotations

import pytest

from tests.outside import FRAMEWORKS, ServedFactory

#: Where each framework keeps its login page and its admin's.
LOGIN = {"django": "/accounts/login/", "fastapi": "/login", "hybrid": "/accounts/login/"}
ADMIN_LOGIN = {"django": "/admin/login/", "fastapi": "/admin/login", "hybrid": "/admin/login/"}
#: Headers that say what the body is; each answer has its own cookies, nonce and date.
DESCRIBING = ("content-type", "content-length", "cache-control", "content-security-policy")


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_head_is_answered_as_get_without_the_body(served: ServedFactory, framework: str) -> None:
    project = served(framework, "sqlite")
    server = project.server
    status, _, item = server.json(
        "POST", "/api/items", {"name": "Headed", "price": "2.50"}, project.token
    )
    assert status == 201, item
    paths = [
        "/api/health",
        "/api/items?limit=1",
        f"/api/items/{item['id']}",
        "/api/items/999999999",
        "/api/openapi.json",
        "/api/docs",
        "/",
        LOGIN[framework],
        ADMIN_LOGIN[framework],
    ]
    for path in paths:
        got_status, got, _ = server.request("GET", path)
        head_status, head, body = server.request("HEAD", path)

        assert (head_status, body) == (got_status, b""), path
        for name in DESCRIBING:
            if name == "content-security-policy" or name not in got:
                continue
            # The same status and kind of body, announced at the same length.
            assert head.get(name) == got[name], (path, name, head, got)
        assert ("content-security-policy" in head) == ("content-security-policy" in got), path


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_405_names_head_wherever_it_names_get(served: ServedFactory, framework: str) -> None:
    project = served(framework, "sqlite")
    server = project.server

    # With a token: Django's API checks who asks before it checks the method.
    status, headers, body = server.json("PUT", "/api/items", {}, project.token)

    assert status == 405, body
    allowed = {method.strip() for method in headers["allow"].split(",")}
    assert {"GET", "HEAD", "POST"} <= allowed, headers["allow"]
    status, headers, _ = server.request("HEAD", "/api/auth/token")
    assert status == 405
    allowed = {method.strip() for method in headers["allow"].split(",")}
    assert "POST" in allowed, allowed
    assert "HEAD" not in allowed, allowed
