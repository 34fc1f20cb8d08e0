"""The database engine, sessions and migrations. Commit happens at the request boundary
(``backend.routes.deps.get_session``)."""

from __future__ import annotations

import asyncio
import fcntl
import os
import sqlite3
import threading
import weakref
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.pool import Pool
from sqlalchemy.util import await_only
from sqlmodel.ext.asyncio.session import AsyncSession

from backend import sqlite_inline
from backend.config import SqliteDriver

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# ``session.info`` flag: this session wrote a row that ``GET /bot/me`` reads (an account, its
# person, a relative's consent). The request boundary (``routes.deps.get_session``) tells the
# bot's identity caches after the commit (``BackendState.identity_changed``).
IDENTITY_CHANGED = "identity_changed"
IDENTITY_TABLES = frozenset({"chataccount", "staff", "client", "relative", "relativelink"})
# How a read-only request marks its session: SQLite opens its transaction deferred, so it
# takes no write lock and runs beside the one writer (WAL).
READ_ONLY = "ramtid_read_only"
WRITING = "ramtid_writing"
# SQLite: how long a writer waits for its turn, in this process (the gate) and then for
# SQLite's own lock (other processes), before "database is locked".
SQLITE_BUSY_SECONDS: float = 10
# SQLite has one writer at a time, and a writer kept waiting only polls (sleeps of up to
# 100 ms), so under load a newcomer often takes the lock first and an unlucky writer waits
# seconds. In one process, writers take turns first-come-first-served at this gate (one per
# pool), woken the moment it is free; the pool's connection record says who holds it.
_WRITE_GATES: weakref.WeakKeyDictionary[Pool, asyncio.Lock] = weakref.WeakKeyDictionary()
GATE_HELD = "ramtid_write_gate_held"


def _touches_identity(objects: Any) -> bool:
    return any(
        getattr(getattr(o, "__table__", None), "name", None) in IDENTITY_TABLES for o in objects
    )


@event.listens_for(Session, "after_flush")
def _note_identity_rows(session: Session, _context: Any) -> None:
    changed = [o for o in session.dirty if session.is_modified(o)]
    if _touches_identity((*session.new, *session.deleted, *changed)):
        session.info[IDENTITY_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_identity_statements(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _write_lock(state.session)
    if state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in IDENTITY_TABLES:
            state.session.info[IDENTITY_CHANGED] = True


def create_engine(
    database_url: str,
    *,
    connect_timeout: float = 5.0,
    statement_timeout: float = 15.0,
    sqlite_driver: SqliteDriver = "inline",
    **kwargs: Any,
) -> AsyncEngine:
    """The engine: SQL parameters never in logs or error messages (they hold names and
    notes); on PostgreSQL a pooled connection is checked before use, so the first request
    after the database restarted works, and connecting and each statement are bounded in
    time, so a database that accepts and never answers makes a 503, not a hang. A SQLite file
    cannot restart under its connections: no check. SQLite's calls run on the event loop's
    thread (``sqlite_inline``) unless ``sqlite_driver`` is ``"aiosqlite"`` (its own thread,
    a hop per call)."""
    options: dict[str, Any] = {"hide_parameters": True}
    if database_url.startswith("postgresql"):
        options["pool_pre_ping"] = True
        options["pool_timeout"] = connect_timeout
        options["connect_args"] = {
            "timeout": connect_timeout,
            "command_timeout": statement_timeout,
        }
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and sqlite_driver == "inline" and not url.query:
        options["async_creator"] = sqlite_inline.connect(url.database or ":memory:")
    engine = create_async_engine(url, **{**options, **kwargs})
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_SECONDS * 1000)}")
            cursor.close()
            # We emit BEGIN ourselves (below): the driver's deferred BEGIN would let two
            # writers read the same snapshot and then fail instead of waiting their turn.
            dbapi_connection.isolation_level = None

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            if connection.get_execution_options().get(READ_ONLY, False):
                # A read (a session of ``read_session_factory``) opens no transaction: each
                # statement reads the last commit (WAL) beside the writer, without a lock.
                # Should it write after all, it takes the write lock then (_write_lock).
                connection.info[WRITING] = False
                return
            _begin_writing(connection)

        gate = _WRITE_GATES[engine.pool] = asyncio.Lock()
        writer_lock = None
        if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
            writer_lock = _WRITER_LOCKS[engine.pool] = WriterLock(f"{url.database}.writer-lock")

        def _leave_write_gate(_dbapi_connection: Any, record: Any, *_: Any) -> None:
            if record is not None and record.info.pop(GATE_HELD, False):
                if writer_lock is not None:
                    writer_lock.release()
                gate.release()

        # Back in the pool, or thrown away (its record's info is cleared then): never lost.
        for moment in ("checkin", "invalidate", "soft_invalidate", "close"):
            event.listen(engine.sync_engine.pool, moment, _leave_write_gate)

    return engine


class WriterLock:
    """The writers of every process on one SQLite file take turns at an OS lock on a file
    beside it (``flock``), and a waiter is woken the moment it is free. Left to SQLite, a
    writer kept waiting by another process polls, asleep up to 100 ms at a time, and a
    process whose writers follow each other kept the other's waiting for a second (the mixed
    benchmark's p99 with two processes). SQLite's own lock still guards against anything
    that does not take this one (the sqlite3 shell, a migration)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None

    def _file(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            weakref.finalize(self, os.close, self._fd)
        return self._fd

    async def acquire(self, seconds: float) -> None:
        """Wait (on a worker thread) for the lock; a waiter given up or out of time leaves
        no lock behind, even when the thread gets it a moment later."""
        fd = self._file()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free: no thread needed
            return
        except BlockingIOError:
            pass
        settled = threading.Lock()
        state = {"held": False, "abandoned": False}

        def take() -> None:
            fcntl.flock(fd, fcntl.LOCK_EX)
            with settled:
                if state["abandoned"]:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                else:
                    state["held"] = True

        try:
            async with asyncio.timeout(seconds):
                await asyncio.shield(asyncio.to_thread(take))
        except BaseException as exc:
            with settled:
                state["abandoned"] = True
                if state["held"]:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            if isinstance(exc, TimeoutError):
                raise OperationalError(
                    "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
                ) from None
            raise

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)


_WRITER_LOCKS: weakref.WeakKeyDictionary[Pool, WriterLock] = weakref.WeakKeyDictionary()


async def _wait_for_turn(gate: asyncio.Lock) -> None:
    try:
        async with asyncio.timeout(SQLITE_BUSY_SECONDS):
            await gate.acquire()
    except TimeoutError:
        # As SQLite itself says it when its own wait runs out.
        raise OperationalError(
            "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
        ) from None


def _begin_writing(connection: Any) -> None:
    """SQLite: wait for this process's turn at the write gate (unless this connection holds
    it already: a transaction after a commit, before the connection goes back to the pool),
    then for the turn among processes (``WriterLock``), then take SQLite's write lock. Both
    turns are let go when the connection is checked in."""
    pool = connection.engine.pool
    gate = _WRITE_GATES.get(pool)
    if gate is not None and not connection.info.get(GATE_HELD):
        await_only(_wait_for_turn(gate))
        writer_lock = _WRITER_LOCKS.get(pool)
        if writer_lock is not None:
            try:
                await_only(writer_lock.acquire(SQLITE_BUSY_SECONDS))
            except BaseException:
                gate.release()
                raise
        connection.info[GATE_HELD] = True
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _write_lock(session: Session) -> None:
    """A read session about to write on SQLite: begin the write transaction now."""
    if not session.info.get(READ_ONLY):
        return
    connection = session.connection()
    if connection.dialect.name != "sqlite" or connection.info.get(WRITING, True):
        return
    _begin_writing(connection)
    connection.info[WRITING] = True


@event.listens_for(Session, "before_flush")
def _lock_before_flush(session: Session, _context: Any, _instances: Any) -> None:
    _write_lock(session)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for requests that only read: on SQLite their transaction is deferred (no
    write lock, readers beside the writer); elsewhere the same as ``session_factory``."""
    return async_sessionmaker(
        engine.execution_options(**{READ_ONLY: True}),
        class_=AsyncSession,
        expire_on_commit=False,
        info={READ_ONLY: True},
    )


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def migrate(database_url: str) -> None:
    """Bring the schema up to date (blocking; call from a thread inside an event loop)."""
    command.upgrade(alembic_config(database_url), "head")
