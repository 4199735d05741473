"""Brute force and several workers, from outside: login throttling and websocket fan-out.

The contract's rule: after repeated failed logins for one username from one client address
(the token endpoint, the page login and the admin login alike), further attempts are refused
for a while, 429 with `Retry-After` on the token endpoint, and a success resets the count.
The count lives in the database, so every worker shares it: the PostgreSQL projects run two
workers, and five failures spread over them still lock the sixth attempt (with a count per
worker, neither would have reached five).

With Redis configured, a websocket client hears of every change, whichever worker made it.
"""

from __future__ import annotations

import itertools
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest

from tests.conftest import run
from tests.outside import FRAMEWORKS, ServedFactory, ServedProject, add_user

#: The generated projects' default LOGIN_FAILURE_LIMIT and LOGIN_FAILURE_WINDOW.
LIMIT = 5
WINDOW = 300
MESSAGE = "Too many failed logins"
_users = itertools.count()


def token_attempt(project: ServedProject, username: str, password: str) -> tuple[int, dict, Any]:
    form = urllib.parse.urlencode({"username": username, "password": password}).encode()
    return project.server.request(
        "POST", "/api/auth/token", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("framework", "database"),
    [(framework, database) for database in ("sqlite", "postgresql") for framework in FRAMEWORKS],
)
def test_the_token_endpoint_throttles_failures_and_a_success_resets_them(
    served: ServedFactory, framework: str, database: str
) -> None:
    project = served(framework, database)
    username, password = f"guesser{next(_users)}", "amber-window-58"
    add_user(project, username, password)

    for _ in range(LIMIT - 1):
        assert token_attempt(project, username, "wrong")[0] == 401
    assert token_attempt(project, username, password)[0] == 200  # resets the count
    for _ in range(LIMIT):
        assert token_attempt(project, username, "wrong")[0] == 401
    status, headers, body = token_attempt(project, username, password)
    again, _, _ = token_attempt(project, username, "wrong")
    other, _, _ = token_attempt(project, f"{username}-other", "wrong")

    assert status == again == 429
    assert 0 < int(headers["retry-after"]) <= WINDOW
    # One message, in the same words everywhere, that says when to try again.
    wait = int(headers["retry-after"])
    assert body == {"detail": f"{MESSAGE} for this username: try again in {wait} seconds."}
    assert other == 401  # another username has a count of its own


class Browser:
    """Cookies and CSRF the way a browser sends them, over the proxy's HTTPS."""

    def __init__(self, project: ServedProject) -> None:
        self.server = project.server
        self.origin = f"https://127.0.0.1:{project.server.port}"
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple:
        headers = {**self.server.headers, "Origin": self.origin, "Referer": self.origin + path}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(
            self.server.base + path, data=body, method=method, headers=headers
        )
        opener = urllib.request.build_opener(NoRedirect)
        try:
            response = opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.read().decode(errors="replace")

    def log_in(self, path: str, username: str, password: str) -> tuple[int, str]:
        _, page = self.request("GET", path)
        form = {"username": username, "password": password}
        # Any CSRF field the form carries (Django's csrfmiddlewaretoken and the like).
        for name, value in re.findall(r'name="([^"]*csrf[^"]*)"\s+value="([^"]*)"', page):
            form[name] = value
        return self.request("POST", path, form)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


LOGIN_PAGES = {
    "django": {"page": "/accounts/login/", "admin": "/admin/login/"},
    "hybrid": {"page": "/accounts/login/", "admin": "/admin/login/"},
    "fastapi": {"page": "/login", "admin": "/admin/login"},
}


@pytest.mark.slow
@pytest.mark.parametrize("form", ["page", "admin"])
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_login_pages_say_clearly_when_they_are_throttled(
    served: ServedFactory, framework: str, form: str
) -> None:
    project = served(framework, "sqlite")
    path = LOGIN_PAGES[framework][form]
    browser = Browser(project)
    username = f"{form}-guesser{next(_users)}"

    answers = [browser.log_in(path, username, f"wrong-{n}") for n in range(LIMIT)]
    status, page = browser.log_in(path, username, "wrong-again")

    assert all(MESSAGE not in body for _, body in answers), answers[-1]
    assert all(code < 500 for code, _ in answers)
    assert MESSAGE in page, (status, page[-2000:])
    assert status in (200, 400, 429)


#: Run inside a project (`python -c WS_FANOUT PORT TOKEN COUNT`): one websocket client,
#: items created over separate connections (so by whichever worker takes each), and every
#: one of their "created" events must reach the client.
WS_FANOUT = """
import asyncio, json, sys, urllib.request
import websockets

async def main(port, token, count):
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws/items") as ws:
        def create(n):
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/items",
                data=json.dumps({"name": f"Fan-out {n}", "price": "1.00"}).encode(),
                headers={"Content-Type": "application/json", "X-Forwarded-Proto": "https",
                         "Authorization": f"Bearer {token}", "Connection": "close"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())["id"]
        created = [await asyncio.to_thread(create, n) for n in range(count)]
        heard = set()
        while not set(created) <= heard:
            message = json.loads(await asyncio.wait_for(ws.recv(), 20))
            if message["event"] == "created":
                heard.add(message["item"]["id"])
        print(json.dumps({"created": created, "heard": sorted(heard)}))

asyncio.run(main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3])))
"""


@pytest.mark.slow
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_websocket_events_cross_workers_through_redis(
    served: ServedFactory, framework: str
) -> None:
    project = served(framework, "postgresql")
    assert "REDIS_URL" in project.env
    count = "8"

    result = run(
        [
            "uv",
            "run",
            "--no-sync",
            "python",
            "-c",
            WS_FANOUT,
            str(project.server.port),
            project.token,
            count,
        ],
        project.project,
        timeout=180,
        **project.env,
    )

    heard = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(heard["created"]) <= set(heard["heard"])
    assert len(heard["created"]) == int(count)
