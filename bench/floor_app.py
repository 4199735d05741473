"""The floor for bench/load.py --floor: the API's two reads with no framework at all.

A bare ASGI callable that answers `GET /api/items?limit=N&offset=M` and `GET /api/items/{id}`
with the same SQL and JSON fields as the generated FastAPI project, on that project's
database: asyncpg on PostgreSQL (`DATABASE_URL`), the standard library's sqlite3 called on
the event loop's own thread on SQLite (`SQLITE_PATH`). No routing, validation, middleware,
ORM or pool turns: what is left is the server (gunicorn, uvicorn, httptools, uvloop, the
access log, as the project's Procfile runs them), the driver, the database and the kernel.
It is a measuring stick, not an application: it trusts its input and blocks its event loop
on SQLite.
"""

import json
import os
import sqlite3
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import asyncpg

COLUMNS = "items.id, items.name, items.description, items.price, items.in_stock, "
COLUMNS += "users.username AS owner, items.created_at"
FROM = "FROM items LEFT OUTER JOIN users ON users.id = items.owner_id"
PAGE = f"SELECT {COLUMNS}, (SELECT count(*) FROM items) AS total {FROM} "
PAGE += "ORDER BY items.id LIMIT $1 OFFSET $2"
ONE = f"SELECT {COLUMNS} {FROM} WHERE items.id = $1"
KEYS = ("id", "name", "description", "price", "in_stock", "owner", "created_at")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class Database:
    """asyncpg's pool, or one sqlite3 connection."""

    def __init__(self) -> None:
        self.pool: asyncpg.Pool | None = None
        self.sqlite: sqlite3.Connection | None = None

    async def open(self) -> None:
        # The project's gunicorn.conf.py, which gunicorn reads from the working directory,
        # puts its .env's DATABASE_URL (a SQLite one by default) in the environment.
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith("postgresql"):
            self.pool = await asyncpg.create_pool(url, min_size=5, max_size=15)
        else:
            self.sqlite = sqlite3.connect(os.environ["SQLITE_PATH"], check_same_thread=False)

    async def rows(self, sql: str, *arguments: Any) -> list[Any]:
        if self.pool is not None:
            return list(await self.pool.fetch(sql, *arguments))
        assert self.sqlite is not None
        sql = sql.replace("$1", "?").replace("$2", "?")
        return self.sqlite.execute(sql, arguments).fetchall()


DATABASE = Database()


def item(row: Any) -> dict[str, Any]:
    view = dict(zip(KEYS, row, strict=False))
    view["price"] = f"{Decimal(str(view['price'])):.2f}"
    view["in_stock"] = bool(view["in_stock"])
    view["created_at"] = str(view["created_at"])
    return view


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await receive()  # lifespan.startup
        await DATABASE.open()
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        await send({"type": "lifespan.shutdown.complete"})
        return
    path = scope["path"]
    if path == "/api/items":
        query = parse_qs(scope["query_string"].decode())
        limit, offset = int(query.get("limit", ["20"])[0]), int(query.get("offset", ["0"])[0])
        rows = await DATABASE.rows(PAGE, limit, offset)
        total = rows[0][7] if rows else 0
        body: Any = {"items": [item(r) for r in rows], "total": total, "limit": limit}
        body["offset"] = offset
    else:
        rows = await DATABASE.rows(ONE, int(path.rsplit("/", 1)[1]))
        body = item(rows[0])
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(data))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": data})
