"""Where FastAPI's defaults differ from the HTTP contract: errors, schema names, `Allow`.

- Every error response is documented with its body: `Error` (`{"detail": "..."}`) or, for
  422, `ValidationError` (one `{"loc", "msg", "type"}` entry per problem).
- The OpenAPI document uses the contract's names, so that one client generated from it
  works against every framework stackpick renders: each operation id is its route
  function's name (`items_list`, `auth_token`, ...) and the schemas are `Item`, `User`,
  `TokenRequest`, ... rather than FastAPI's class and body names.
- Invalid input is a 422 with only `loc`, `msg` and `type` per problem (FastAPI would
  also echo the input back), and a lost database a 503 with `Retry-After`.
- A 405 answer names every method its path allows, as the document lists them;
  Starlette names only those of the first route whose path matched.
"""

import re
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .statuses import DESCRIPTIONS


class Error(BaseModel):
    """Every error but invalid input: `{"detail": "..."}`."""

    detail: str


class ValidationErrorEntry(BaseModel):
    """One problem with the input: where, what, and its kind."""

    loc: list[str | int]
    msg: str
    type: str


class ValidationError(BaseModel):
    """Invalid input (422): one entry per problem."""

    detail: list[ValidationErrorEntry]


#: Stands for the 422 that FastAPI would document for an operation that never answers one
#: (its only input is a path id that the route itself checks); `contract_names` drops it.
_NO_422 = "(never answered)"


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for the given error statuses (FastAPI's `responses=`).

    Without 422 among them, the operation is documented as never answering 422.
    """
    responses: dict[int | str, dict[str, Any]] = {
        status_code: {
            "model": ValidationError if status_code == 422 else Error,
            "description": DESCRIPTIONS[status_code],
        }
        for status_code in statuses
    }
    if 422 not in statuses:
        responses[422] = {"description": _NO_422}
    return responses


def invalid(problems: Iterable[dict[str, Any]]) -> JSONResponse:
    """The contract's 422: one `{"loc", "msg", "type"}` entry per problem."""
    detail = [
        {"loc": list(problem["loc"]), "msg": problem["msg"], "type": problem["type"]}
        for problem in problems
    ]
    return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """Input that the schemas refuse (the exception handler of `RequestValidationError`)."""
    assert isinstance(exc, RequestValidationError)
    return invalid(exc.errors())


def database_unavailable_response() -> JSONResponse:
    """The contract's 503 while the database cannot be reached."""
    return JSONResponse(
        {"detail": "The database is unavailable; try again shortly."},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "5"},
    )


#: FastAPI's schema names -> the contract's.
SCHEMA_NAMES = {"ItemOut": "Item", "UserOut": "User", "Body_auth_token": "TokenRequest"}
REF = "#/components/schemas/"


def operation_id(route: APIRoute) -> str:
    """An operation's id is its function's name: `items_list`, `auth_token`, ..."""
    return route.name


def contract_names(document: dict[str, Any]) -> dict[str, Any]:
    """Rename the document's schemas (and every reference to them) to the contract's names.

    Operations that never answer 422 lose the 422 that FastAPI documents for them.
    """
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if responses.get("422", {}).get("description") == _NO_422:
                del responses["422"]
    schemas = document.get("components", {}).get("schemas", {})
    renamed = {old: new for old, new in SCHEMA_NAMES.items() if old in schemas}
    for old, new in renamed.items():
        schemas[new] = schemas.pop(old)
    refs = {REF + old: REF + new for old, new in renamed.items()}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("$ref") in refs:
                node["$ref"] = refs[node["$ref"]]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    return document


def use_contract_names(app: FastAPI) -> None:
    """Serve `app`'s OpenAPI document under the contract's schema names."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = contract_names(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


class AllowHeaderMiddleware:
    """Give every 405 of a documented path an `Allow` header naming its documented methods."""

    def __init__(self, app: ASGIApp, api: FastAPI) -> None:
        self.app = app
        self.api = api
        self._paths: list[tuple[re.Pattern[str], set[str]]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; complete the `Allow` header of a 405."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                allowed = self.allowed_methods(scope)
                if allowed:
                    headers = [
                        (name, value)
                        for name, value in message.get("headers", [])
                        if name.lower() != b"allow"
                    ]
                    headers.append((b"allow", ", ".join(sorted(allowed)).encode("latin-1")))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_allow)

    def allowed_methods(self, scope: Scope) -> set[str]:
        """The methods the OpenAPI document lists for the request's path."""
        if self._paths is None:
            self._paths = [
                (re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path))), set(operations))
                for path, operations in self.api.openapi()["paths"].items()
            ]
        path, root = scope["path"], scope.get("root_path", "")
        if not path.startswith(root):
            path = root + path
        for pattern, methods in self._paths:
            if pattern.fullmatch(path):
                return {method.upper() for method in methods}
        return set()
