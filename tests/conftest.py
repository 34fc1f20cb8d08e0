"""Shared fixtures: a migrated database per test (SQLite by default, PostgreSQL when
RAMTID_TEST_DATABASE_URL points at one), a controllable clock, the app and its API."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from sqlalchemy import func, make_url, text
from sqlmodel import SQLModel, select

from backend.config import Settings
from backend.db import create_engine, migrate, session_factory
from backend.demo import DEMO_ACCOUNTS, STAFF, issue_staff_tokens, seed
from backend.main import create_app
from bot.backend_client import BackendClient
from contract import TZ


def _a_database_of_its_own_per_worker() -> None:
    """Under pytest-xdist (``-n``), every worker but the first gets its own PostgreSQL
    database (``<name>_gw1``, made when missing) and Redis database (one number lower): the
    tests migrate, truncate and flush theirs freely. Set before any test module reads them."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    n = int(worker.removeprefix("gw") or 0)
    if not n:
        return
    if database := os.environ.get("RAMTID_TEST_DATABASE_URL"):
        url = make_url(database)
        own = url.set(database=f"{url.database}_{worker}")
        os.environ["RAMTID_TEST_DATABASE_URL"] = own.render_as_string(hide_password=False)
    if redis := os.environ.get("RAMTID_TEST_REDIS_URL"):
        base, _, number = redis.rpartition("/")
        os.environ["RAMTID_TEST_REDIS_URL"] = f"{base}/{(int(number or 0) - n) % 16}"


_a_database_of_its_own_per_worker()


async def _ensure_database(url: str) -> None:
    """Create the database ``url`` names unless it exists (an xdist worker's own)."""
    target = make_url(url)
    engine = create_engine(
        target.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    try:
        async with engine.connect() as conn:
            found = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            )
            if not found:
                await conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        await engine.dispose()


SERVICE_TOKEN = "test-service-token-of-forty-characters-00"
# Monday 23 November 2026, 08:40 in Stockholm.
DEFAULT_NOW = datetime(2026, 11, 23, 8, 40, tzinfo=TZ).astimezone(UTC)


class Clock:
    """The only clock the app reads in tests."""

    def __init__(self, now: datetime = DEFAULT_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set_local(self, *args: int) -> datetime:
        self.now = datetime(*args, tzinfo=TZ).astimezone(UTC)  # type: ignore[misc]
        return self.now


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--slow",
        action="store_true",
        help="also run the tests marked slow (a stage of their own in CI: .ci/run)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` run with ``--slow`` only; tests marked ``postgres`` only when
    the tests run on PostgreSQL. Each is skipped with the reason, never silently."""
    slow = config.getoption("--slow")
    postgres = bool(os.environ.get("RAMTID_TEST_DATABASE_URL"))
    for item in items:
        if "slow" in item.keywords and not slow:
            item.add_marker(
                pytest.mark.skip(reason="slow: CI runs it in a stage of its own (--slow)")
            )
        if "postgres" in item.keywords and not postgres:
            item.add_marker(
                pytest.mark.skip(reason="needs PostgreSQL: set RAMTID_TEST_DATABASE_URL")
            )


@pytest.fixture(scope="session")
def postgres_url() -> str | None:
    url = os.environ.get("RAMTID_TEST_DATABASE_URL") or None
    if url:
        asyncio.run(_ensure_database(url))
    return url


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory, postgres_url: str | None) -> str:
    """Run the real migrations once per test session."""
    if postgres_url:

        async def reset() -> None:
            engine = create_engine(postgres_url)
            async with engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
            await engine.dispose()

        asyncio.run(reset())
        migrate(postgres_url)
        return postgres_url
    path = tmp_path_factory.mktemp("db") / "template.db"
    migrate(f"sqlite+aiosqlite:///{path}")
    return str(path)


TABLES = (
    "staffsession, signinticket, notification, auditevent, visitnote, changerequest, "
    "invitation, chataccount, visit, "
    'planslot, careplan, grantedservice, "order", relativelink, relative, client, '
    "staffabsence, staff, unit"
)


async def seed_demo_into(database_url: str, now: datetime) -> None:
    """The demo's unit, people and visits as at ``now``, and the staff's test credentials."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            await seed(session, now=now)
            await issue_staff_tokens(session, STAFF_TOKENS, now=now)
            await session.commit()
    finally:
        await engine.dispose()


# SQLite files with the demo seeded into them, one per moment it was seeded at (the clock's
# "now"): a test that asks for the demo copies one instead of seeding its own (a third of a
# second each, and most tests ask for it).
_seeded: dict[tuple[str, datetime], Path] = {}


def _seeded_copy(template: str, now: datetime, where: Path) -> Path:
    key = (template, now)
    if key not in _seeded:
        path = where / f"seeded-{len(_seeded)}.db"
        shutil.copyfile(template, path)
        asyncio.run(seed_demo_into(f"sqlite+aiosqlite:///{path}", now))
        _seeded[key] = path
    return _seeded[key]


@pytest.fixture
def database_url(
    migrated_template: str,
    postgres_url: str | None,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> str:
    if postgres_url:

        async def truncate() -> None:
            engine = create_engine(postgres_url)
            async with engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
            await engine.dispose()

        asyncio.run(truncate())
        return postgres_url
    target = tmp_path / "ramtid.db"
    source = Path(migrated_template)
    if "demo" in request.fixturenames:  # seeded as the demo fixture would, at the clock's now
        now = request.getfixturevalue("clock").now
        source = _seeded_copy(migrated_template, now, tmp_path_factory.getbasetemp())
    shutil.copyfile(source, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, service_token=SERVICE_TOKEN)


@pytest.fixture
async def app(settings: Settings, clock: Clock):  # type: ignore[no-untyped-def]
    application = create_app(settings, clock=clock, run_housekeeping=False)
    # Its own lifespan, as a server would run it: the engine is disposed on the way out.
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def api(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://backend") as client:
        yield client


class Database:
    """Reads and writes for assertions, each in its own short transaction (SQLite takes the
    write lock at BEGIN, so a test must not hold a transaction open across API calls)."""

    def __init__(self, sessions) -> None:  # type: ignore[no-untyped-def]
        self.sessions = sessions

    async def all(self, statement: Any) -> list[Any]:
        async with self.sessions() as s:
            return list((await s.exec(statement)).all())

    async def first(self, statement: Any) -> Any:
        rows = await self.all(statement)
        return rows[0] if rows else None

    async def get(self, model: type[SQLModel], ident: int) -> Any:
        async with self.sessions() as s:
            return await s.get(model, ident)

    async def count(self, model: type[SQLModel]) -> int:
        async with self.sessions() as s:
            return (await s.exec(select(func.count()).select_from(model))).one()

    async def add(self, *rows: SQLModel) -> None:
        async with self.sessions() as s:
            s.add_all(rows)
            await s.commit()


@pytest.fixture
def db(app) -> Database:  # type: ignore[no-untyped-def]
    return Database(app.state.sessions)


# The demo's staff members' API credentials in tests (not the demo mode's published ones,
# which an app outside demo mode refuses). ``as_staff`` is the one place tests get a staff
# credential from: when staff sign in otherwise, only these two change.
STAFF_TOKENS = {key: f"test-staff-token-{key}-{'0' * 20}" for key, *_rest in STAFF}


@pytest.fixture
async def demo(app, clock: Clock, postgres_url: str | None) -> None:  # type: ignore[no-untyped-def]
    """The demo's unit, people and visits, seeded at the clock's now. On SQLite the database
    came seeded (``database_url``); PostgreSQL's is truncated and seeded here."""
    if not postgres_url:
        return
    async with app.state.sessions() as s:
        await seed(s, now=clock.now)
        await issue_staff_tokens(s, STAFF_TOKENS, now=clock.now)
        await s.commit()


def as_chat(name: str) -> dict[str, str]:
    """Headers for the bot acting for one of the demo's chat accounts."""
    return {"X-Service-Token": SERVICE_TOKEN, "X-Telegram-User-Id": str(DEMO_ACCOUNTS[name])}


def as_staff(name: str) -> dict[str, str]:
    """Headers for a demo staff member using the staff API with their own credential."""
    return {"Authorization": f"Bearer {STAFF_TOKENS[name]}"}


async def staff_headers(db: Database, staff: Any, token: str | None = None) -> dict[str, str]:
    """The one way a test gets API credentials for a staff member it made: a live API token
    of theirs, as a manager would issue it."""
    from backend.models import SessionKind, StaffSession
    from backend.services.sessions import hash_token, new_token

    token = token or new_token()
    await db.add(
        StaffSession(
            staff_id=staff.id,
            kind=SessionKind.API,
            token_hash=hash_token(token),
            created_at=DEFAULT_NOW - timedelta(days=1),
            last_used_at=DEFAULT_NOW - timedelta(days=1),
            expires_at=DEFAULT_NOW + timedelta(days=365),
        )
    )
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class WebCredentials:
    cookies: dict[str, str]
    csrf: str


async def staff_web_session(db: Database, staff: Any) -> WebCredentials:
    """A signed-in browser's cookie and CSRF token for a staff member (as after sign-in)."""
    from backend.models import SessionKind, StaffSession
    from backend.services.sessions import hash_token, new_token

    token, csrf = new_token(), new_token()
    await db.add(
        StaffSession(
            staff_id=staff.id,
            kind=SessionKind.WEB,
            token_hash=hash_token(token),
            csrf_token=csrf,
            created_at=DEFAULT_NOW - timedelta(minutes=1),
            last_used_at=DEFAULT_NOW - timedelta(minutes=1),
            expires_at=DEFAULT_NOW + timedelta(hours=10),
            idle_minutes=30,
        )
    )
    return WebCredentials({"ramtid_session": token}, csrf)


@dataclass
class StatementCounter:
    count: int = 0


@pytest.fixture
def count_statements(app) -> Iterator[StatementCounter]:  # type: ignore[no-untyped-def]
    from sqlalchemy import event

    counter = StatementCounter()

    def before(*_args: object) -> None:
        counter.count += 1

    event.listen(app.state.engine.sync_engine, "before_cursor_execute", before)
    yield counter
    event.remove(app.state.engine.sync_engine, "before_cursor_execute", before)


@pytest.fixture(
    # FSM state in memory by default, in Redis when one is given (CI's second stage).
    params=["redis"] if os.environ.get("RAMTID_TEST_REDIS_URL") else ["memory"]
)
async def storage(request: pytest.FixtureRequest) -> AsyncIterator[BaseStorage]:
    if request.param == "memory":
        yield MemoryStorage()
        return
    from aiogram.fsm.storage.redis import RedisStorage
    from redis.asyncio import Redis

    redis = Redis.from_url(os.environ["RAMTID_TEST_REDIS_URL"])
    await redis.flushdb()
    storage = RedisStorage(redis)
    yield storage
    await storage.close()


@pytest.fixture
async def backend_client(app: Any) -> AsyncIterator[BackendClient]:
    client = BackendClient.in_process(app, SERVICE_TOKEN)
    yield client
    await client.close()
