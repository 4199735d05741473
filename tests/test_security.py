"""The contract's security baseline, checked from outside against each served project.

Every framework is served from its Procfile in production mode (`DEBUG=false`, see
tests/outside.py) and spoken to as a browser behind a TLS-terminating proxy would: cookies
kept by hand (they are `Secure`), `X-Forwarded-Proto: https`, and an `Origin` header that is
either the site's own or another site's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import re
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import run
from tests.outside import (
    FRAMEWORKS,
    PASSWORD,
    USERNAME,
    ServedFactory,
    ServedProject,
    add_staff_user,
    set_password,
)
from tests.served import bearer_token, procfile, run_process
from tests.services import free_port

EVIL = "https://evil.example"

#: Where each framework keeps its pages: login, the item form's target, the admin's.
PATHS = {
    "django": {
        "login": "/accounts/login/",
        "logout": "/accounts/logout/",
        "create": "/items/new",
        "admin_login": "/admin/login/",
        "admin_create": "/admin/items/item/add/",
    },
    "fastapi": {
        "login": "/login",
        "logout": "/logout",
        "create": "/items",
        "admin_login": "/admin/login",
        "admin_create": "/admin/item/create",
    },
}
PATHS["hybrid"] = PATHS["django"]

TOKEN_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Response:
    """One answer, with its Set-Cookie headers kept apart."""

    status: int
    headers: dict[str, str]
    body: bytes
    #: Headers sent more than once (Set-Cookie aside), in lower case.
    repeated: frozenset[str] = frozenset()

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode(errors="replace")


@dataclass
class Browser:
    """A browser behind a TLS proxy: keeps cookies, follows no redirect, sends an Origin."""

    served: ServedProject
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        """The site's own origin, as the browser sees it (HTTPS at the proxy)."""
        return f"https://127.0.0.1:{self.served.server.port}"

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        cookies: dict[str, str] | None = None,
    ) -> Response:
        """Send one request; remember the cookies the answer sets."""
        sent = {"X-Forwarded-Proto": "https", **(headers or {})}
        jar = self.cookies if cookies is None else cookies
        if jar:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in jar.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.served.server.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            raw = answer.read()
            for name, value in answer.getheaders():
                if name.lower() == "set-cookie":
                    cookie_name, _, rest = value.partition("=")
                    cookie_value = rest.split(";", 1)[0]
                    expired = "max-age=0" in value.lower() or "1970" in value
                    if expired or not cookie_value or cookie_value == '""':
                        jar.pop(cookie_name.strip(), None)
                    else:
                        jar[cookie_name.strip()] = cookie_value
            names = [name.lower() for name, _ in answer.getheaders()]
            repeated = {name for name in names if names.count(name) > 1} - {"set-cookie"}
            lowered = {name.lower(): value for name, value in answer.getheaders()}
            return Response(answer.status, lowered, raw, frozenset(repeated))
        finally:
            connection.close()

    def token(self, path: str) -> str:
        """The CSRF token of the form on the page at `path`."""
        page = self.request("GET", path)
        assert page.status == 200, (path, page.status, page.text[:500])
        match = TOKEN_FIELD.search(page.text)
        assert match, f"no CSRF token field on {path}"
        return match.group(1)

    def post(self, path: str, form: dict[str, str], origin: str | None = None) -> Response:
        """POST a form from `origin` (this site's own by default)."""
        headers = {"Origin": origin or self.origin, "Referer": (origin or self.origin) + "/"}
        return self.request("POST", path, form, headers)

    def log_in(self, username: str, password: str) -> None:
        """Log in through the page's login form."""
        paths = PATHS[self.served.framework]
        form = {"username": username, "password": password}
        answer = self.post(
            paths["login"], {**form, "csrfmiddlewaretoken": self.token(paths["login"])}
        )
        assert answer.status in (302, 303), (answer.status, answer.text[:500])

    def add_item(
        self,
        name: str,
        *,
        token: str | None = None,
        origin: str | None = None,
        cookies: dict[str, str] | None = None,
    ) -> Response:
        """Add an item through the page's form (htmx), with the page's token unless given."""
        form = {"name": name, "price": "1.50", "description": "", "in_stock": "true"}
        form["csrfmiddlewaretoken"] = token or self.token("/")
        headers = {"Origin": origin or self.origin, "HX-Request": "true"}
        return self.request("POST", PATHS[self.served.framework]["create"], form, headers, cookies)


def created(answer: Response, name: str) -> bool:
    """Whether the page's form answered with the new row."""
    return answer.status in (200, 201) and f"<td>{name}</td>" in answer.text


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_cross_origin_cookie_posts_are_refused(served: ServedFactory, framework: str) -> None:
    project = served(framework, "sqlite")
    paths = PATHS[framework]
    browser = Browser(project)
    browser.log_in(USERNAME, PASSWORD)

    # The page's form: refused from another site, or without the token; accepted otherwise.
    token = browser.token("/")
    assert browser.add_item("From evil", token=token, origin=EVIL).status == 403
    cross_site = browser.request(
        "POST",
        paths["create"],
        {"name": "Cross site", "price": "1", "csrfmiddlewaretoken": token},
        {"Sec-Fetch-Site": "cross-site", "Origin": EVIL},
    )
    assert cross_site.status == 403
    assert browser.add_item("No token", token="not-the-token").status == 403
    assert created(browser.add_item("Same origin", token=token), "Same origin")

    # Login CSRF: another site cannot log a visitor in, even with a token it obtained.
    visitor = Browser(project)
    login_token = visitor.token(paths["login"])
    form = {"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": login_token}
    assert visitor.post(paths["login"], form, origin=EVIL).status == 403
    assert "Log out" not in visitor.request("GET", "/").text

    # The admin: its login and its forms refuse other sites too.
    staff = Browser(project)
    admin_form = {"username": USERNAME, "password": PASSWORD, "next": "/admin/"}
    if framework != "fastapi":
        admin_form["csrfmiddlewaretoken"] = staff.token(paths["admin_login"])
    assert staff.post(paths["admin_login"], admin_form, origin=EVIL).status == 403
    answer = staff.post(paths["admin_login"], admin_form)
    assert answer.status in (302, 303), answer.text[:500]
    item = {"name": "Admin from evil", "price": "1.00", "description": "", "in_stock": "y"}
    if framework != "fastapi":
        item["csrfmiddlewaretoken"] = staff.token(paths["admin_create"])
    assert staff.post(paths["admin_create"], item, origin=EVIL).status == 403
    listed = project.server.request("GET", "/api/items?limit=100&offset=0")[2]
    names = {entry["name"] for entry in listed["items"]}
    total = listed["total"]
    if total > 100:
        _, _, tail = project.server.request("GET", f"/api/items?limit=100&offset={total - 100}")
        names |= {entry["name"] for entry in tail["items"]}
    assert not names & {"From evil", "Cross site", "No token", "Admin from evil"}


def header_problems(headers: dict[str, str], *, html: bool) -> list[str]:
    """What the baseline wants of a response's headers and this one lacks."""
    problems = []
    if headers.get("x-content-type-options") != "nosniff":
        problems.append("nosniff")
    if not headers.get("referrer-policy"):
        problems.append("Referrer-Policy")
    csp = headers.get("content-security-policy", "")
    if headers.get("x-frame-options", "").upper() != "DENY" and "frame-ancestors 'none'" not in csp:
        problems.append("framing refused")
    if not re.match(r"max-age=\d*[1-9]", headers.get("strict-transport-security", "")):
        problems.append("HSTS")
    if html:
        directives = dict(
            [*part.strip().split(" ", 1), ""][:2] for part in csp.split(";") if part.strip()
        )
        if directives.get("default-src") != "'self'":
            problems.append(f"CSP default-src 'self' (got {csp!r})")
        # Only this origin: no host, scheme or wildcard source anywhere in the policy.
        if re.search(r"https?:|\*|wss?:", csp):
            problems.append(f"CSP names another origin: {csp!r}")
    return problems


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_security_headers_on_pages_api_and_admin(served: ServedFactory, framework: str) -> None:
    project = served(framework, "sqlite")
    browser = Browser(project)
    admin_login = PATHS[framework]["admin_login"]
    static = re.search(r'<script src="(/static/[^"]+)"', browser.request("GET", "/").text)
    assert static, "the page loads a script from /static"
    checked: dict[str, bool | None] = {
        "/": True,
        "/api/items": False,
        "/api/health": False,
        "/api/items/999999999": False,
        "/api/docs": True,
        "/admin/": None,  # a redirect to the login page, HTML or not
        admin_login: True,
        static.group(1): False,
    }
    problems = {}
    policies = {}
    for path, html in checked.items():
        answer = browser.request("GET", path)
        assert answer.status in (200, 302, 404), (path, answer.status)
        is_html = answer.headers.get("content-type", "").startswith("text/html")
        assert html is None or is_html == html, (path, answer.headers.get("content-type"))
        found = header_problems(answer.headers, html=is_html)
        found += [f"{name} sent twice" for name in sorted(answer.repeated)]
        if found:
            problems[path] = found
        policies[path] = answer.headers.get("strict-transport-security")
    assert not problems, problems
    # One site, one HSTS policy: the API's and the pages' alike.
    assert len(set(policies.values())) == 1, policies

    # HSTS only over HTTPS: plain HTTP (no X-Forwarded-Proto from the proxy) gets none.
    connection = http.client.HTTPConnection("127.0.0.1", project.server.port, timeout=30)
    connection.request("GET", "/api/health")
    plain = connection.getresponse()
    plain.read()
    connection.close()
    assert plain.status == 200
    assert plain.getheader("Strict-Transport-Security") is None
    assert plain.getheader("X-Content-Type-Options") == "nosniff"


def _claims(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    claims: dict[str, object] = json.loads(base64.urlsafe_b64decode(payload + "=" * 4))
    return claims


def _signed_with(token: str, key: str) -> bool:
    head, payload, signature = token.split(".")
    digest = hmac.new(key.encode(), f"{head}.{payload}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == signature


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_tokens_carry_issuer_and_audience_and_a_derived_key(
    served: ServedFactory, framework: str
) -> None:
    project = served(framework, "sqlite")
    claims = _claims(project.token)
    assert claims.get("iss"), claims
    assert claims.get("aud"), claims
    secret = project.env["SECRET_KEY"]
    assert len(secret) >= 50
    assert not _signed_with(project.token, secret), "signed with the raw SECRET_KEY"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_password_change_ends_tokens_and_page_sessions(
    served: ServedFactory, framework: str
) -> None:
    project = served(framework, "sqlite")
    username, old, new = f"changer_{framework}", "first-Secret-4821", "second-Secret-9317"
    add_staff_user(project, username, old)
    token = bearer_token(project.server, username, old)
    browser = Browser(project)
    browser.log_in(username, old)
    me = {"Authorization": f"Bearer {token}"}
    assert project.server.request("GET", "/api/users/me", headers=me)[0] == 200
    form_token = browser.token("/")
    assert created(browser.add_item("Before the change", token=form_token), "Before the change")
    assert "Log out" in browser.request("GET", "/").text

    set_password(project, username, new)

    status, headers, _ = project.server.request("GET", "/api/users/me", headers=me)
    assert status == 401
    assert headers.get("www-authenticate", "").startswith("Bearer")
    assert "Log out" not in browser.request("GET", "/").text
    assert browser.add_item("After the change", token=form_token).status == 403
    assert bearer_token(project.server, username, new)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_logging_out_ends_the_page_session_on_the_server(
    served: ServedFactory, framework: str
) -> None:
    project = served(framework, "sqlite")
    browser = Browser(project)
    browser.log_in(USERNAME, PASSWORD)
    assert "Log out" in browser.request("GET", "/").text
    stolen = dict(browser.cookies)
    token = browser.token("/")
    assert created(browser.add_item("Logged in", token=token), "Logged in")

    answer = browser.post(PATHS[framework]["logout"], {"csrfmiddlewaretoken": token})
    assert answer.status in (200, 302, 303)

    # The cookie copied before logging out no longer logs anybody in.
    replay = browser.add_item("Replayed", cookies=dict(stolen), token=token)
    assert replay.status == 403
    assert "Log out" not in Browser(project, dict(stolen)).request("GET", "/").text


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("secret", ["change-me", "", "short-but-not-empty-0123456789"])
def test_a_weak_secret_key_refuses_to_start(
    served: ServedFactory, framework: str, secret: str, tmp_path: Path
) -> None:
    project = served(framework, "sqlite")
    log = tmp_path / "web.log"
    env = {**project.env, "DEBUG": "false", "SECRET_KEY": secret, "PORT": str(free_port())}
    started = time.monotonic()
    with run_process(project.project, procfile(project.project)["web"], log, **env) as proc:
        returncode = proc.wait(timeout=60)
    elapsed = time.monotonic() - started
    output = log.read_text()
    assert returncode != 0, output
    assert elapsed < 30, elapsed
    assert "Traceback" not in output, output
    # One line, from gunicorn's master before any worker starts: not one per worker among
    # gunicorn's own lines.
    assert returncode == 3, output
    [refusal] = output.splitlines()
    assert refusal.startswith("Configuration refused: SECRET_KEY"), output
    assert "50 characters" in refusal, output


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_strong_key_is_read_as_written(served: ServedFactory, framework: str) -> None:
    project = served(framework, "sqlite")
    # Django's key alphabet has "$", which django-environ takes for a variable's name.
    key = "$x2k9!m@q7(w-=+r^t&e*y#u8i0o1p2a3s4d5f6g7h8j9k0l1z"
    slug = project.answers["project_slug"]
    if framework == "fastapi":
        code = f"from {slug}.config import settings; print(settings.SECRET_KEY)"
    else:
        code = "import django; django.setup(); from django.conf import settings; "
        code += "print(settings.SECRET_KEY)"
    env = {**project.env, "DEBUG": "false", "SECRET_KEY": key}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    printed = run(["uv", "run", "--no-sync", "python", "-c", code], project.project, **env)
    assert printed.stdout.strip() == key


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_large_and_deeply_nested_bodies(served: ServedFactory, framework: str) -> None:
    project = served(framework, "sqlite")
    server = project.server
    headers = {"Content-Type": "application/json", **project.bearer}
    large = json.dumps({"name": "x", "price": "1", "description": "d" * (5 * 1024 * 1024)})
    status, answered, body = server.request("POST", "/api/items", large.encode(), headers)
    assert status == 413, body
    assert "detail" in body
    assert header_problems(answered, html=False) == []

    for nested in ("[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000):
        status, _, body = server.request("POST", "/api/items", nested.encode(), headers)
        assert status in (400, 422), (status, body)
        assert "detail" in body
    # The server is still well.
    assert server.request("GET", "/api/health")[0] == 200


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_odd_input_is_a_4xx_with_the_baselines_headers(
    served: ServedFactory, framework: str
) -> None:
    project = served(framework, "sqlite")
    server = project.server
    headers = {"Content-Type": "application/json", **project.bearer}
    # Half of a UTF-16 surrogate pair, escaped in JSON, is no text a database can store.
    for lone in (
        b'{"name": "\\ud800", "price": "1"}',
        b'{"name": "L", "price": "1", "description": "x\\udfff"}',
    ):
        status, _, body = server.request("POST", "/api/items", lone, headers)
        assert status in (400, 422), (lone, status, body)
        assert "detail" in body
    # Only ASCII digits are numbers: not U+0665, the Arabic-Indic five.
    assert server.request("GET", "/api/items?limit=%D9%A5")[0] == 422
    assert server.request("OPTIONS", "/api/docs")[0] < 500
    # The host check's refusal is an API error like any other, with the baseline's headers.
    status, answered, body = server.request("GET", "/api/health", headers={"Host": "evil.example"})
    assert (status, body) == (400, {"detail": "Invalid host header"})
    assert header_problems(answered, html=False) == []


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_bad_token_is_refused_on_every_endpoint(served: ServedFactory, framework: str) -> None:
    server = served(framework, "sqlite").server
    document = server.request("GET", "/api/openapi.json")[2]
    paths = [
        re.sub(r"\{\w+\}", "1", path)
        for path, operations in document["paths"].items()
        if "get" in operations
    ]
    assert "/api/items/1" in paths
    tampered = {"Authorization": "Bearer not.a.token"}
    for path in [*paths, "/api/openapi.json", "/api/docs"]:
        status, headers, body = server.request("GET", path, headers=tampered)
        assert (status, headers.get("www-authenticate")) == (401, "Bearer"), path
        assert "detail" in body, path


#: Run inside a project (`python -c WS_LIMITS PORT CAP`): a Host not allowed is refused, and
#: one client address may hold CAP websockets at once, no more.
WS_LIMITS = """
import asyncio, sys
import websockets

async def refused(uri, port):
    try:
        async with websockets.connect(uri, host="127.0.0.1", port=port, open_timeout=10):
            return False
    except websockets.exceptions.InvalidStatus as exc:
        return exc.response.status_code in (400, 403)

async def main(port, cap):
    path = "/ws/items"
    assert await refused(f"ws://evil.example:{port}{path}", port), "foreign Host accepted"
    sockets = [
        await websockets.connect(f"ws://localhost:{port}{path}", open_timeout=10)
        for _ in range(cap)
    ]
    assert await refused(f"ws://localhost:{port}{path}", port), "connection past the cap"
    await sockets.pop().close()
    await asyncio.sleep(0.5)
    sockets.append(await websockets.connect(f"ws://localhost:{port}{path}", open_timeout=10))
    for ws in sockets:
        await ws.close()
    print("limits ok")

asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
"""


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_websockets_check_the_host_and_cap_each_client(
    served: ServedFactory, framework: str
) -> None:
    project = served(framework, "sqlite")
    port = str(project.server.port)
    command = ["uv", "run", "--no-sync", "python", "-c", WS_LIMITS, port, "20"]
    assert "limits ok" in run(command, project.project, timeout=120).stdout
