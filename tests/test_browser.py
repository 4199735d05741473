"""Every page of a served project works in a real browser, offline, in production mode.

Headless Chromium (Debian's `chromium`, driven by Playwright; no browser is ever
downloaded: STACKPICK_CHROMIUM names another binary) opens the pages of projects that the
`served` fixture rendered with every option on and started from their Procfile alone
(`release`, then `web` with DEBUG=false). Each test checks that

- every request the browser makes, websockets included, goes to the project itself on
  127.0.0.1 (a route handler records each host and refuses any other);
- no page logs a console error or an uncaught exception, and no request fails (so no
  missing static file, no 404 for /favicon.ico);

and keeps a screenshot of every page it visits in
`<pytest's base temporary folder>/screenshots/<framework>-<database>/` (with pytest's
defaults: /tmp/pytest-of-$USER/pytest-current/popen-gw<N>/screenshots/, one folder per
xdist worker, `-n 0` runs without one; pytest keeps the last three
base folders, so STACKPICK_SCREENSHOTS=DIR keeps them in DIR/screenshots/ instead).

HTTPS: the served `web` redirects plain HTTP to HTTPS (DEBUG=false) and expects a
TLS-terminating proxy that sends `X-Forwarded-Proto: https`. A browser speaking plain HTTP
to loopback is the case the contract names for `SECURE_SSL_REDIRECT=false`, so the browser
talks to a second `web` process of the same project, started from the same Procfile line
with that one variable added. (Adding the proxy's header to the browser's requests instead
would make the server believe the page is on https:// while the browser sends
`Origin: http://…`, and Django's CSRF check would rightly refuse every form.) The redirect
itself is checked against the served process: a page over plain HTTP gets a 301 to https://,
`/api/health` never does.
"""

from __future__ import annotations

import os
import re
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    Route,
    WebSocket,
    expect,
    sync_playwright,
)

from tests.outside import PASSWORD, USERNAME, ServedFactory, ServedProject
from tests.served import Server, procfile, serve_web

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("STACKPICK_CHROMIUM", "/usr/bin/chromium")

# A loaded 2-core machine: pages and websockets get more than the default 5 s.
expect.set_options(timeout=20_000)

#: (framework, database): every framework on SQLite, and the hybrid (Django and FastAPI
#: over one database, events through Redis) on PostgreSQL.
SITES = [
    ("django", "sqlite"),
    ("fastapi", "sqlite"),
    ("hybrid", "sqlite"),
    ("hybrid", "postgresql"),
]

#: The contract's operations, as Swagger UI lists them.
OPERATIONS = {
    ("GET", "/api/health"),
    ("POST", "/api/auth/token"),
    ("GET", "/api/users/me"),
    ("GET", "/api/items"),
    ("POST", "/api/items"),
    ("GET", "/api/items/{id}"),
    ("PATCH", "/api/items/{id}"),
    ("DELETE", "/api/items/{id}"),
}


@dataclass
class Site:
    """A served project and a `web` process of it that a browser can speak plain HTTP to."""

    project: ServedProject
    browser_server: Server
    screenshots: Path

    @property
    def base(self) -> str:
        return self.browser_server.base

    @property
    def name(self) -> str:
        return f"{self.project.framework}-{self.project.database}"


@dataclass
class Watch:
    """What the pages of one browser context did: hosts asked for, errors, failures."""

    hosts: set[str] = field(default_factory=set)
    foreign: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    sockets: list[str] = field(default_factory=list)

    def check(self) -> None:
        assert not self.foreign, f"requests to other hosts: {self.foreign}"
        assert self.hosts <= {"127.0.0.1"}, self.hosts
        assert not self.errors, f"console errors: {self.errors}"
        assert not self.failed, f"failed requests: {self.failed}"
        for url in self.sockets:
            assert urllib.parse.urlsplit(url).hostname == "127.0.0.1", url


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium"
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def sites(
    served: ServedFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str, str], Site]]:
    """`sites(framework, database)`: the served project plus a plain-HTTP `web` for browsers."""
    cache: dict[tuple[str, str], Site] = {}
    with ExitStack() as stack:

        def site(framework: str, database: str) -> Site:
            if (framework, database) not in cache:
                project = served(framework, database)
                web = procfile(project.project)["web"]
                workers = "2" if "REDIS_URL" in project.env else "1"
                log = tmp_path_factory.mktemp(f"browser-web-{framework}-{database}") / "web.log"
                env = {**project.env, "SECURE_SSL_REDIRECT": "false"}
                server = stack.enter_context(
                    serve_web(project.project, web, log, WEB_CONCURRENCY=workers, **env)
                )
                shots_root = os.environ.get("STACKPICK_SCREENSHOTS")
                root = Path(shots_root) if shots_root else tmp_path_factory.getbasetemp()
                shots = root / "screenshots" / f"{framework}-{database}"
                shots.mkdir(parents=True, exist_ok=True)
                cache[framework, database] = Site(project, server, shots)
            return cache[framework, database]

        yield site


@pytest.fixture(params=SITES, ids=[f"{fw}-{db}" for fw, db in SITES])
def site(request: pytest.FixtureRequest, sites: Callable[[str, str], Site]) -> Site:
    framework, database = request.param
    return sites(framework, database)


@pytest.fixture
def open_context(
    browser: Browser, site: Site
) -> Iterator[Callable[[], tuple[BrowserContext, Watch]]]:
    """New browser contexts (separate cookie jars) on the site, each watched; checked at the end."""
    opened: list[tuple[BrowserContext, Watch]] = []

    def open_one() -> tuple[BrowserContext, Watch]:
        context = browser.new_context(base_url=site.base, viewport={"width": 1100, "height": 800})
        context.set_default_timeout(20_000)
        watch = Watch()

        def route(route: Route, request: Request) -> None:
            host = urllib.parse.urlsplit(request.url).hostname or ""
            watch.hosts.add(host)
            if host != "127.0.0.1":
                watch.foreign.append(request.url)
                route.abort()
            else:
                route.continue_()

        context.route("**/*", route)

        def console(message: ConsoleMessage) -> None:
            if message.type == "error":
                watch.errors.append(f"{message.text} ({message.location.get('url')})")

        def page_opened(page: Page) -> None:
            page.on("console", console)
            page.on("pageerror", lambda error: watch.errors.append(f"uncaught: {error}"))
            page.on("websocket", lambda socket: _watch_socket(socket, watch))
            page.on(
                "requestfailed",
                lambda request: watch.failed.append(f"{request.url}: {request.failure}"),
            )
            page.on(
                "response",
                lambda response: (
                    watch.failed.append(f"{response.status} {response.url}")
                    if response.status >= 400
                    else None
                ),
            )

        context.on("page", page_opened)
        opened.append((context, watch))
        return context, watch

    yield open_one
    for context, watch in opened:
        context.close()
        watch.check()


def _watch_socket(socket: WebSocket, watch: Watch) -> None:
    watch.sockets.append(socket.url)


def shoot(page: Page, site: Site, name: str) -> None:
    path = site.screenshots / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    print(f"screenshot: {path}")


def api_items(site: Site) -> list[dict[str, Any]]:
    """Every item, through the API of the served process (as the TLS proxy would ask)."""
    items: list[dict[str, Any]] = []
    offset = 0
    while True:
        query = f"/api/items?limit=100&offset={offset}"
        status, _, body = site.browser_server.request("GET", query)
        assert status == 200, body
        items += body["items"]
        offset += 100
        if offset >= body["total"]:
            return items


def unique(label: str) -> str:
    return f"{label} {time.monotonic_ns() % 10**9}"


# --- Production mode over plain HTTP ---------------------------------------------------


def test_plain_http_is_redirected_but_health_is_not(site: Site) -> None:
    server = Server(site.project.server.port)
    server.headers = {}  # no proxy in front: plain HTTP
    for path in ("/", "/admin/", "/api/items", "/api/docs"):
        status, headers, _ = _no_redirect_request(server, path)
        assert status == 301, (path, status)
        assert headers["location"] == f"https://127.0.0.1:{server.port}{path}", headers
    status, _, body = server.request("GET", "/api/health")
    assert (status, body) == (200, {"status": "ok", "database": "ok"})


def _no_redirect_request(server: Server, path: str) -> tuple[int, dict[str, str], bytes]:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


# --- The pages -------------------------------------------------------------------------


def test_docs_page_lists_every_operation_and_tries_one(
    site: Site, open_context: Callable[[], tuple[BrowserContext, Watch]]
) -> None:
    context, _ = open_context()
    page = context.new_page()
    page.goto("/api/docs")
    blocks = page.locator(".opblock-summary")
    expect(blocks.first).to_be_visible()
    page.wait_for_function(
        f"document.querySelectorAll('.opblock-summary').length >= {len(OPERATIONS)}"
    )
    listed = set()
    for block in blocks.all():
        method = block.locator(".opblock-summary-method").inner_text().strip()
        path = block.locator(".opblock-summary-path").inner_text().strip().replace("\u200b", "")
        # The parameter's name is the framework's own ({id}, {item_id}).
        listed.add((method, re.sub(r"\{[^}]+\}", "{id}", path)))
    assert listed >= OPERATIONS, OPERATIONS - listed
    shoot(page, site, "docs")

    operation = page.locator(".opblock-get").filter(
        has=page.locator(".opblock-summary-path", has_text=re.compile(r"^/api/items$"))
    )
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    expect(status).to_have_text("200")
    body = operation.locator(".live-responses-table tbody .response-col_description pre").first
    assert '"total"' in body.inner_text()
    shoot(page, site, "docs-try-it-out")


def test_admin_logs_in_and_adds_an_item(
    site: Site, open_context: Callable[[], tuple[BrowserContext, Watch]]
) -> None:
    # Someone watches the items page meanwhile.
    watcher_context, _ = open_context()
    watcher = watcher_context.new_page()
    watcher.goto("/")
    expect(watcher.locator("#item-count")).to_be_visible()

    context, _ = open_context()
    page = context.new_page()
    page.goto("/admin/")
    expect(page.locator("input[name=password]")).to_be_visible()
    shoot(page, site, "admin-login")
    page.locator("input[name=username]").fill(USERNAME)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_load_state()
    name = unique("Admin lamp")
    if site.project.framework == "fastapi":
        _sqladmin_add_item(page, name)
    else:
        _django_admin_add_item(page, name)
    expect(page.get_by_text(name).first).to_be_visible()
    shoot(page, site, "admin-items")

    added = [item for item in api_items(site) if item["name"] == name]
    assert len(added) == 1, added
    assert Decimal(added[0]["price"]) == Decimal("12.50")
    # The admin's change reached the items page live (websockets), without a reload.
    expect(watcher.locator(f"#item-{added[0]['id']} td")).to_have_text([name, "12.50", "yes", ""])

    icon = page.request.get("/favicon.ico")
    assert icon.status == 200
    assert icon.headers["content-type"].startswith("image/")


def _django_admin_add_item(page: Page, name: str) -> None:
    expect(
        page.get_by_role("link", name="Log out").or_(page.get_by_role("button", name="Log out"))
    ).to_be_visible()
    page.goto("/admin/items/item/add/")
    page.locator("#id_name").fill(name)
    page.locator("#id_description").fill("Added in the Django admin")
    page.locator("#id_price").fill("12.50")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()


def _sqladmin_add_item(page: Page, name: str) -> None:
    expect(page.get_by_text("Logout").or_(page.get_by_text("Log out")).first).to_be_attached()
    page.goto("/admin/item/create")
    page.locator("input[name=name]").fill(name)
    page.locator("[name=description]").fill("Added in the admin")
    page.locator("input[name=price]").fill("12.50")
    page.locator("button[type=submit], input[type=submit]").filter(
        has_text=re.compile("^Save$")
    ).first.click()
    page.wait_for_url(re.compile(r"/admin/item/list"))
    # The list shows its first page only: other tests may have added many items before.
    page.goto(f"/admin/item/list?search={urllib.parse.quote(name)}")


def test_items_page_logs_in_adds_without_reload_and_updates_live(
    site: Site, open_context: Callable[[], tuple[BrowserContext, Watch]]
) -> None:
    # A second visitor, anonymous, watches the items page.
    watcher_context, _ = open_context()
    watcher = watcher_context.new_page()
    watcher.goto("/")
    expect(watcher.locator("#item-count")).to_be_visible()
    watcher.evaluate("window.notReloaded = true")

    # The first logs in from the page's own "Log in" link.
    context, _ = open_context()
    page = context.new_page()
    page.goto("/")
    expect(page).to_have_title("Items")
    shoot(page, site, "items-anonymous")
    page.get_by_role("navigation").get_by_role("link", name="Log in").click()
    expect(page).to_have_title("Log in")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    shoot(page, site, "login")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/$"))
    # Under load the form can be filled before htmx has run; it would then post natively.
    page.wait_for_function("() => window.htmx !== undefined")

    total = int(page.locator("#item-count").get_attribute("data-total") or "-1")
    page.evaluate("window.notReloaded = true")
    name = unique("Page lamp")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Description").fill("Added on the items page")
    page.get_by_label("Price").fill("19.9")
    page.get_by_role("button", name="Add").click()

    row = page.locator("#items tr", has_text=name)
    expect(row).to_have_count(1)
    expect(row.locator("td")).to_have_text([name, "19.90", "yes", USERNAME])
    expect(page.locator("#item-count")).to_have_text(f"{total + 1} item{'' if total == 0 else 's'}")
    expect(page.get_by_label("Name")).to_have_value("")
    assert page.evaluate("window.notReloaded") is True
    shoot(page, site, "items-added")

    item = next(item for item in api_items(site) if item["name"] == name)
    assert item["owner"] == USERNAME

    # The watcher saw it arrive, then change, then go, without reloading.
    live = watcher.locator(f"#item-{item['id']}")
    expect(live.locator("td")).to_have_text([name, "19.90", "yes", USERNAME])
    expect(watcher.locator("#item-count")).to_have_text(
        f"{total + 1} item{'' if total == 0 else 's'}"
    )
    shoot(watcher, site, "items-live-created")

    # Through the API of the process the pages are connected to: on SQLite, without Redis,
    # events stay inside the process that made the change.
    server, bearer = site.browser_server, site.project.token
    status, _, changed = server.json(
        "PATCH", f"/api/items/{item['id']}", {"price": "21.00"}, bearer
    )
    assert status == 200, changed
    expect(live.locator("td").nth(1)).to_have_text("21.00")
    expect(page.locator(f"#item-{item['id']} td").nth(1)).to_have_text("21.00")
    shoot(watcher, site, "items-live-updated")

    deleted = server.request("DELETE", f"/api/items/{item['id']}", headers=site.project.bearer)
    status = deleted[0]
    assert status == 204
    expect(live).to_have_count(0)
    expect(watcher.locator("#item-count")).to_have_text(f"{total} item{'' if total == 1 else 's'}")
    expect(page.locator("#item-count")).to_have_text(f"{total} item{'' if total == 1 else 's'}")
    assert watcher.evaluate("window.notReloaded") is True
    assert page.evaluate("window.notReloaded") is True
    shoot(watcher, site, "items-live-deleted")
