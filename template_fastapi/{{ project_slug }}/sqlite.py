"""SQLite for SQLAlchemy's asyncio extension, one trip to the connection's thread a statement.

SQLite's calls block, so an async driver runs each connection on a thread of its own and the
event loop awaits the result. SQLAlchemy's adapter of aiosqlite makes four such trips a
statement (open a cursor, execute, fetch the rows, close the cursor), and every trip wakes
the connection's thread and then the event loop. This driver makes one: the thread executes
the statement, fetches all its rows, reads its description, row count and last row id and
closes the cursor, and hands the event loop all of that at once.

Transactions make no trip of their own either. A rollback or commit with no transaction
open (a read-only session's statements run in autocommit) makes none, as the sqlite3 module
would do nothing for it either; and `begin(connection, "BEGIN IMMEDIATE")`, from a "begin"
event listener, opens the transaction on the thread right before its first statement that
is not a SELECT, in that statement's trip, so the write lock is held from the first write
on and not earlier. The SELECTs before it run on their own, each seeing what was committed
when it ran, as under PostgreSQL's READ COMMITTED. (A "database is locked" error then names
that first write.)

Everything else is the standard library's `sqlite3` and SQLAlchemy's pysqlite dialect: the
connect arguments (`timeout`, `check_same_thread`, `uri`), the SQL, the types, the errors.
As with aiosqlite, a file database gets SQLAlchemy's `AsyncAdaptedQueuePool` and
`:memory:` a `StaticPool`; rows are always fetched whole (no server-side cursors, so no
`stream()`: SQLite has no server to stream from). `db.create_engine` uses this driver for
every SQLite URL; its name in a URL is `sqlite+DRIVER` (DRIVER below). The DB-API adapter
classes build on SQLAlchemy's own for asyncio drivers (`sqlalchemy.connectors.asyncio`, which
its aiosqlite and asyncpg dialects use too) and replace every method that would make a trip.
"""

import asyncio
import sqlite3
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from functools import partial
from queue import SimpleQueue
from threading import Thread
from typing import Any, NamedTuple, TypeVar, cast

from sqlalchemy import URL, pool
from sqlalchemy import Connection as SQLAlchemyConnection
from sqlalchemy.connectors.asyncio import (
    AsyncAdapt_dbapi_connection,
    AsyncAdapt_dbapi_cursor,
    AsyncAdapt_dbapi_module,
    AsyncAdapt_terminate,
)
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.util import await_

#: This driver's name in a database URL: `sqlite+threaded:///path/to/db.sqlite3`.
DRIVER = "threaded"

T = TypeVar("T")
# A function for the connection's thread, and what takes its result or error (None: nothing).
_Call = tuple[Callable[[Any, BaseException | None], None] | None, Callable[[], Any]]


class Outcome(NamedTuple):
    """What one statement gave: a cursor's description, rows, row count and last row id."""

    description: Any
    rows: list[Any]
    rowcount: int
    lastrowid: int | None


def _execute(
    connection: sqlite3.Connection, operation: str, parameters: Any, *, many: bool
) -> Outcome:
    # Runs on the connection's thread: the whole statement in one trip.
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, () if parameters is None else parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return Outcome(description, rows, cursor.rowcount, cursor.lastrowid)
    finally:
        cursor.close()


def _execute_then_commit(
    connection: sqlite3.Connection, operation: str, parameters: Any, *, many: bool
) -> Outcome:
    # A transaction's only statement and its commit, in one trip. If either fails, the
    # transaction is rolled back: nothing of it stays, and the statement may run again.
    try:
        outcome = _execute(connection, operation, parameters, many=many)
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    return outcome


def _is_select(operation: str) -> bool:
    # A statement that only reads: it needs no write transaction open before it.
    return operation.lstrip()[:6].upper() == "SELECT"


def _open_then(connection: sqlite3.Connection, begin: str, function: Callable[[], Any]) -> Any:
    # Runs on the connection's thread: open the transaction begun, then the call.
    connection.execute(begin)
    return function()


def _serve(calls: "SimpleQueue[_Call | None]") -> None:
    # The connection's thread, until it takes None. Between calls it holds no reference to
    # its ThreadConnection, which can then be collected (and stop it) if never closed.
    while _serve_one(calls.get()):
        pass


def _serve_one(call: _Call | None) -> bool:
    if call is None:
        return False
    take, function = call
    try:
        outcome: tuple[Any, BaseException | None] = (function(), None)
    except BaseException as error:  # The caller gets it.
        outcome = (None, error)
    if take is not None:
        take(*outcome)
    return True


def _hand_over(
    loop: asyncio.AbstractEventLoop,
    settle: Callable[..., None],
    future: asyncio.Future[Any],
    result: Any,
    error: BaseException | None,
) -> None:
    # On the connection's thread: the event loop settles the future. A closed event loop
    # (RuntimeError) has nobody left to take the outcome.
    with suppress(RuntimeError):
        loop.call_soon_threadsafe(settle, future, result, error)


class ThreadConnection:
    """A sqlite3 connection that lives on a thread of its own, which `call` runs code on."""

    def __init__(self) -> None:
        self._calls: SimpleQueue[_Call | None] = SimpleQueue()
        self._thread = Thread(target=_serve, args=(self._calls,), name="sqlite", daemon=True)
        self._sqlite: sqlite3.Connection | None = None
        # Calls queued or running whose end the event loop has not yet seen.
        self._pending = 0
        # The statement that opens the transaction begun (begin) but not yet opened.
        self._begin: str | None = None

    @classmethod
    async def connect(cls, *args: Any, **kwargs: Any) -> "ThreadConnection":
        """Open `sqlite3.connect(*args, **kwargs)` on a new thread."""
        self = cls()
        self._thread.start()
        try:
            self._sqlite = await self._run(partial(sqlite3.connect, *args, **kwargs))
        except BaseException:
            self._calls.put(None)
            raise
        return self

    def __del__(self) -> None:
        self.stop()

    def _settle(
        self, future: asyncio.Future[Any], result: Any, error: BaseException | None
    ) -> None:
        self._pending -= 1
        if future.done():  # The caller was cancelled.
            return
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(error)

    def _run(self, function: Callable[[], Any]) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._pending += 1
        self._calls.put((partial(_hand_over, loop, self._settle, future), function))
        return future

    @property
    def sqlite(self) -> sqlite3.Connection:
        """The sqlite3 connection: use it only on its thread (`call`)."""
        if self._sqlite is None:
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        return self._sqlite

    def _opening(self, reads: bool) -> str | None:
        # The statement the next call opens its transaction with first, if any (see call).
        return None if reads else self._begin

    async def call(
        self, function: Callable[..., T], *args: Any, reads: bool = False, **kwargs: Any
    ) -> T:
        """`function(sqlite3_connection, *args, **kwargs)`, run on the connection's thread.

        A transaction begun (begin) opens first, in the same trip, unless the call only
        `reads`: a read before the transaction's first write runs on its own (autocommit).
        """
        sqlite = self.sqlite
        run = partial(function, sqlite, *args, **kwargs)
        if (begin := self._opening(reads)) is not None:
            run = partial(_open_then, sqlite, begin, run)
            self._begin = None
        return cast(T, await self._run(run))

    async def rows(self, operation: str, parameters: Any, *, commit: bool = False) -> list[Any]:
        """Run a statement and return all its rows, in one trip to the connection's thread.

        A write (not a SELECT) opens the transaction begun first, as `call` does. With
        `commit`, a write that opens the transaction also commits it in the same trip (or
        rolls it back if either fails); in a transaction already open, it only runs, and the
        caller commits.
        """
        reads = _is_select(operation)
        opens = self._opening(reads) is not None
        run = _execute_then_commit if commit and opens else _execute
        outcome = await self.call(run, operation, parameters, many=False, reads=reads)
        return outcome.rows

    def begin(self, statement: str = "BEGIN") -> None:
        """Begin a transaction: `statement` opens it at the start of its first write's trip.

        It takes no trip of its own, so a `BEGIN IMMEDIATE` holds the write lock only from
        the first statement that is not a SELECT on. The SELECTs before that one each see
        what was committed when they ran, as under PostgreSQL's READ COMMITTED. A commit or
        rollback before any write leaves it unopened: there was nothing to commit or undo.
        """
        self._begin = statement

    def discard_begin(self) -> None:
        """Forget a transaction begun but not yet opened (see begin)."""
        self._begin = None

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is or may soon be open: also while a call is under way."""
        return self._pending > 0 or self.sqlite.in_transaction

    async def close(self) -> None:
        """Close the sqlite3 connection and end its thread."""
        if self._sqlite is not None:
            try:
                await self._run(self._sqlite.close)
            finally:
                self._sqlite = None
                self._calls.put(None)

    def stop(self) -> None:
        """Close the sqlite3 connection and end its thread, without waiting for either."""
        if self._sqlite is not None:
            self._calls.put((None, self._sqlite.close))
            self._sqlite = None
            self._calls.put(None)


class Cursor(AsyncAdapt_dbapi_cursor):
    """A DB-API cursor whose `execute` makes one trip to the connection's thread."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")
    # Nothing stays open on the connection's thread between statements.
    _awaitable_cursor_close = False
    _adapt_connection: "Connection"
    _connection: ThreadConnection  # type: ignore[assignment]

    def __init__(self, adapt_connection: "Connection") -> None:
        # Unlike the base class, opens no cursor on the thread: _execute does, and closes it.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._rows = deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        """The last statement's column descriptions; None when it returned no rows."""
        return self._description

    @property
    def rowcount(self) -> int:
        """The rows the last INSERT, UPDATE or DELETE changed; -1 for other statements."""
        return self._rowcount

    @property
    def lastrowid(self) -> int | None:  # type: ignore[override]
        """The rowid of the row the last INSERT added."""
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        """How many rows `fetchmany()` returns by default."""
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    def close(self) -> None:
        """Drop the rows not fetched."""
        self._rows.clear()

    def _run(self, operation: str, parameters: Any, *, many: bool) -> None:
        reads = not many and _is_select(operation)
        outcome = self._adapt_connection._call(
            _execute, operation, parameters, many=many, reads=reads
        )
        self._description = outcome.description
        self._rows = deque(outcome.rows)
        self._rowcount = outcome.rowcount
        self._lastrowid = outcome.lastrowid

    def execute(self, operation: Any, parameters: Any = None) -> None:
        """Run a statement and fetch all its rows, in one trip to the connection's thread."""
        self._run(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        """Run a statement once for each set of parameters, in one trip."""
        self._run(operation, seq_of_parameters, many=True)

    def nextset(self) -> None:
        """SQLite returns one result set a statement."""

    def setinputsizes(self, *inputsizes: Any) -> None:
        """Nothing to do (DB-API allows it)."""


class Connection(AsyncAdapt_terminate, AsyncAdapt_dbapi_connection):
    """A DB-API connection over a ThreadConnection, for SQLAlchemy's asyncio extension."""

    __slots__ = ()
    _connection: ThreadConnection  # type: ignore[assignment]

    def __init__(self, dbapi: "DBAPI", connection: ThreadConnection) -> None:
        # Every method of the base class that uses its driver connection is replaced here.
        super().__init__(dbapi, cast(Any, connection))

    def cursor(self, server_side: bool = False) -> Cursor:
        """A cursor; SQLite has no server-side ones (the dialect never asks for one)."""
        return Cursor(self)

    def _call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return await_(self._connection.call(function, *args, **kwargs))
        except Exception as error:
            self._handle_exception(error)

    @property
    def isolation_level(self) -> str | None:
        """sqlite3's `isolation_level`: None when SQLAlchemy itself opens transactions."""
        return cast(str | None, self._call(getattr, "isolation_level"))

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._call(setattr, "isolation_level", value)

    def create_function(self, *args: Any, **kwargs: Any) -> None:
        """sqlite3's `create_function`: the function then runs on the connection's thread."""
        self._call(sqlite3.Connection.create_function, *args, **kwargs)

    def commit(self) -> None:
        """Commit the transaction, if one is open."""
        self._connection.discard_begin()
        if self._connection.in_transaction:
            self._call(sqlite3.Connection.commit)

    def rollback(self) -> None:
        """Roll back the transaction, if one is open."""
        self._connection.discard_begin()
        if self._connection.in_transaction:
            self._call(sqlite3.Connection.rollback)

    def close(self) -> None:
        """Close the connection and end its thread."""
        await_(self._connection.close())

    async def _terminate_graceful_close(self) -> None:
        await self._connection.close()

    def _terminate_force_close(self) -> None:
        self._connection.stop()


class DBAPI(AsyncAdapt_dbapi_module):
    """The DB-API module SQLAlchemy sees: sqlite3's names, this module's connections."""

    def __init__(self) -> None:
        super().__init__(sqlite3, dbapi_module=sqlite3)
        self.paramstyle = "qmark"

    def __getattr__(self, name: str) -> Any:
        return getattr(sqlite3, name)

    def connect(self, *args: Any, **kwargs: Any) -> Connection:
        """Open a connection: `sqlite3.connect(*args, **kwargs)` on a thread of its own."""
        return Connection(self, await_(ThreadConnection.connect(*args, **kwargs)))


class Dialect(SQLiteDialect_pysqlite):
    """SQLAlchemy's SQLite dialect over DBAPI: async, one thread per connection."""

    driver = DRIVER
    is_async = True
    has_terminate = True
    supports_statement_cache = True
    supports_server_side_cursors = False

    @classmethod
    def import_dbapi(cls) -> Any:
        """This module's DBAPI, over the standard library's sqlite3."""
        return DBAPI()

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        """One connection for `:memory:` (every connection would be a new database)."""
        if cls._is_url_file_db(url):
            return pool.AsyncAdaptedQueuePool
        return pool.StaticPool

    def get_driver_connection(self, connection: DBAPIConnection) -> Any:
        """The ThreadConnection under a DB-API connection."""
        return cast(Connection, connection)._connection

    def do_terminate(self, dbapi_connection: DBAPIConnection) -> None:
        """Close a connection that may be in use; used when SQLAlchemy invalidates it."""
        cast(Connection, dbapi_connection).terminate()


def begin(connection: SQLAlchemyConnection, statement: str = "BEGIN") -> None:
    """Open `connection`'s transaction with `statement`: from a "begin" event listener.

    On this driver the statement runs in the trip of the transaction's first statement
    (ThreadConnection.begin); on another, at once.
    """
    driver_connection = connection.connection.driver_connection
    if isinstance(driver_connection, ThreadConnection):
        driver_connection.begin(statement)
    else:
        connection.exec_driver_sql(statement)


registry.register(f"sqlite.{DRIVER}", __name__, "Dialect")
