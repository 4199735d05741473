"""The API's docs pages, with the project's name HTML-escaped in their `<title>`."""

import html
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute

#: The module whose endpoints serve FastAPIOffline's pages.
OFFLINE_PAGES = "fastapi_offline.core"

Page = Callable[[Request], Awaitable[HTMLResponse]]


def escape_docs_titles(app: FastAPI) -> None:
    """Serve the docs pages (Swagger UI, ReDoc) with `app.title` HTML-escaped in `<title>`.

    FastAPIOffline hands the title to FastAPI's page builders, which write it into the HTML
    as it is: a project named `A<b>&"c` broke its docs page. Each page's endpoint is added
    again, writing it escaped; the OpenAPI document keeps the title as written. (The OAuth2
    redirect page's title is fixed.)
    """
    for route in list(app.router.routes):
        if (
            isinstance(route, APIRoute)
            and route.endpoint.__module__ == OFFLINE_PAGES
            and route.path != app.swagger_ui_oauth2_redirect_url
        ):
            app.router.routes.remove(route)
            app.add_api_route(
                route.path,
                escaped_title(app, route.endpoint),
                methods=sorted(route.methods or ()),
                include_in_schema=False,
                dependencies=route.dependencies,
            )


def escaped_title(app: FastAPI, page: Page) -> Page:
    """`page`, with the `<title>` it starts with `app.title` written escaped."""

    async def escaped(request: Request) -> HTMLResponse:
        answer = await page(request)
        title = f"<title>{app.title}".encode()
        return HTMLResponse(
            bytes(answer.body).replace(title, f"<title>{html.escape(app.title)}".encode(), 1),
            status_code=answer.status_code,
        )

    return escaped
