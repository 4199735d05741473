"""The API's documentation refuses a bad bearer token, as every endpoint of the API does."""

from fastapi import FastAPI, params
from starlette.routing import Route


def guard_documentation(app: FastAPI, guard: params.Depends, docs_url: str) -> None:
    """Run `guard`, the bearer token's check, on the OpenAPI document and the docs pages.

    FastAPI serves the document from a plain route, which runs no dependency, not even the
    app's; FastAPIOffline adds the docs pages (`docs_url` and below) to the app itself,
    outside the API's routers. Each is added again: the same endpoint for the same methods,
    behind `guard` (which runs once even if the app's dependencies have it too). The docs'
    static files, a mount, stay as they are.
    """
    for route in list(app.router.routes):
        if not isinstance(route, Route):
            continue
        if route.path in (app.openapi_url, docs_url) or route.path.startswith(docs_url + "/"):
            app.router.routes.remove(route)
            app.add_api_route(
                route.path,
                route.endpoint,
                methods=sorted(route.methods or ()),
                include_in_schema=False,
                dependencies=[guard],
            )
