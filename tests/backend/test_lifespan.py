"""The backend's lifespan: it runs the housekeeping loop and, on the way out, stops it and
lets go of the database, whoever hosts the app (uvicorn, or the bot's process)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from backend.config import Settings
from backend.main import BackendState, backend_state, create_app
from tests.conftest import Clock


def sqlite_files(database_url: str) -> tuple[bool, bool]:
    """Whether the database file and its write-ahead log exist."""
    database = Path(make_url(database_url).database or "")
    return database.exists(), Path(f"{database}-wal").exists()


async def test_the_lifespan_runs_housekeeping_and_leaves_nothing_behind(
    settings: Settings, clock: Clock, postgres_url: str | None
) -> None:
    round_started = asyncio.Event()

    def watched_clock() -> datetime:
        round_started.set()  # housekeeping reads the clock first
        return clock()

    app = create_app(settings, clock=watched_clock)
    state = backend_state(app)
    before = asyncio.all_tasks()
    async with app.router.lifespan_context(app):
        async with asyncio.timeout(5):
            await round_started.wait()
        assert len(asyncio.all_tasks()) == len(before) + 1  # the housekeeping loop
    # The round under way was finished, not abandoned, and its task awaited.
    assert state.visits_generated_at == clock.now
    assert asyncio.all_tasks() == before
    if postgres_url is None:
        # SQLite removes the write-ahead log when the last connection closes.
        assert sqlite_files(settings.database_url) == (True, False)


async def test_the_lifespan_stops_housekeeping_when_its_host_is_cancelled(
    settings: Settings, clock: Clock
) -> None:
    app = create_app(settings, clock=clock)
    before = asyncio.all_tasks()
    entered = asyncio.Event()

    async def host() -> None:
        async with app.router.lifespan_context(app):
            entered.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(host())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert asyncio.all_tasks() == before


def test_the_state_is_typed_and_is_the_apps_state(settings: Settings) -> None:
    app = create_app(settings)
    state = backend_state(app)
    assert isinstance(state, BackendState) and state is app.state
    assert app.state.sessions is state.sessions  # what the routes read
    assert state.settings is settings and state.outbox_listeners == []
    with pytest.raises(TypeError):
        backend_state(FastAPI())
