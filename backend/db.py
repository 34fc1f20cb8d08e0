"""The database engine, sessions and migrations. Commit happens at the request boundary
(``backend.routes.deps.get_session``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def create_engine(
    database_url: str,
    *,
    connect_timeout: float = 5.0,
    statement_timeout: float = 15.0,
    **kwargs: Any,
) -> AsyncEngine:
    """The engine: SQL parameters never in logs or error messages (they hold names and
    notes); a pooled connection is checked before use, so the first request after the
    database restarted works; connecting and each statement are bounded in time, so a
    database that accepts and never answers makes a 503, not a hang."""
    options: dict[str, Any] = {"hide_parameters": True, "pool_pre_ping": True}
    if database_url.startswith("postgresql"):
        options["pool_timeout"] = connect_timeout
        options["connect_args"] = {
            "timeout": connect_timeout,
            "command_timeout": statement_timeout,
        }
    engine = create_async_engine(database_url, **{**options, **kwargs})
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()
            # We emit BEGIN ourselves (below): the driver's deferred BEGIN would let two
            # writers read the same snapshot and then fail instead of waiting their turn.
            dbapi_connection.isolation_level = None

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def migrate(database_url: str) -> None:
    """Bring the schema up to date (blocking; call from a thread inside an event loop)."""
    command.upgrade(alembic_config(database_url), "head")
