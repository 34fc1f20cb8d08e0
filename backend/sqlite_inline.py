"""SQLite for SQLAlchemy's async engine without a thread hop per call.

aiosqlite runs every call (open a cursor, execute, fetch, close, commit) on its own thread and
wakes the event loop to hand back the answer: four hops for one statement, each costing more
than the statement itself. Short reads of an indexed table take a few hundredths of a
millisecond in ``sqlite3``; through aiosqlite, "today" paid ~36 hops (``benchmarks.floor``).

``connect`` gives SQLAlchemy's aiosqlite dialect (``create_async_engine(...,
async_creator=...)``) a connection with aiosqlite's interface that runs ``sqlite3`` on the
calling thread, the event loop's, except where SQLite may *wait*: ``BEGIN IMMEDIATE`` (for
another process's writer, up to ``busy_timeout``), the commit of a write (the WAL's fsync) and
a write of many rows (``executemany``) go to a worker thread, so the loop never blocks on a
lock or the disk. A long read (a month's follow-up of a whole unit) does hold the loop while it
runs: ``RAMTID_SQLITE_DRIVER=aiosqlite`` is for a unit where that matters. Reads take no lock in
WAL mode: they are answered at once. This process's writers take turns before they begin
(``backend.db``'s write gate), and SQLAlchemy's adapter runs one call at a time per connection,
so the connection is never used by two threads at once.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any

# Statements that may wait for a lock: run off the loop.
_MAY_WAIT = ("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE")


async def _off_loop(call: Callable[..., Any], *args: Any) -> Any:
    """``call`` on a worker thread. Cancelled meanwhile, it still waits for the call to end,
    so the connection is never in two threads' hands (the pool rolls it back next)."""
    running = asyncio.get_running_loop().run_in_executor(None, call, *args)
    try:
        return await asyncio.shield(running)
    except asyncio.CancelledError:
        await asyncio.wait([running])
        raise


class InlineCursor:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._cursor = conn.cursor()

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        args = (sql,) if parameters is None else (sql, parameters)
        if sql[:20].lstrip().upper().startswith(_MAY_WAIT):  # not the whole text, every time
            await _off_loop(self._cursor.execute, *args)
        else:
            self._cursor.execute(*args)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        # Many rows at once (the nightly visits, an import): the loop keeps answering.
        await _off_loop(self._cursor.executemany, sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._rows()

    async def _rows(self) -> AsyncIterator[Any]:
        for row in self._cursor:
            yield row

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _AtOnce:
    """Stands for aiosqlite's private queue, which SQLAlchemy's adapter uses for one thing:
    setting ``isolation_level`` (it puts ``(future, function)``); here it is done at once."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:  # handed to the caller, as aiosqlite's thread would
            future.set_exception(error)


class InlineConnection:
    def __init__(self, conn: sqlite3.Connection) -> None:
        # Both names are aiosqlite's, read by SQLAlchemy's adapter: ``_conn`` when it sets the
        # isolation level, ``_connection`` (None once closed) before a commit or rollback.
        self._conn = conn
        self._connection: sqlite3.Connection | None = conn
        self._tx = _AtOnce()

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        """Entered with ``async with`` (what SQLAlchemy's adapter does), as aiosqlite's is."""
        return InlineCursor(self._conn)

    async def commit(self) -> None:
        if self._conn.in_transaction:  # a write: the WAL is synced to disk
            await _off_loop(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()


def connect(database: str) -> Callable[[], Any]:
    """The ``async_creator`` of an engine on the SQLite file ``database`` (``:memory:`` too)."""

    async def creator() -> InlineConnection:
        # check_same_thread=False: the calls above that may wait run on a worker
        # thread, one at a time per connection.
        return InlineConnection(sqlite3.connect(database, check_same_thread=False))

    return creator
