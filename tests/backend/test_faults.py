"""When the database is not there, or does not answer: a 503 with a stable code and
Retry-After (nothing half-done), readiness says so while liveness does not, and the service
recovers by itself when the database is back."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from backend.config import Settings
from backend.demo import seed
from backend.main import RETRY_AFTER_SECONDS, create_app
from tests.backend.helpers import LISA
from tests.conftest import SERVICE_TOKEN, STAFF_TOKENS, Clock, as_chat
from tests.support.tcp import TcpProxy, free_port, silent_server

# A request that would hang is a failed test, not a stuck run (no timing is asserted).
HANG = 30.0


@contextlib.asynccontextmanager
async def serve(settings: Settings, clock: Clock) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    """The backend with its lifespan, and a client for its API."""
    app = create_app(settings, clock=clock, run_housekeeping=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://backend") as api:
            yield api, app


async def call(api: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
    async with asyncio.timeout(HANG):
        return await api.request(method, url, **kwargs)


def unavailable(r: httpx.Response) -> None:
    assert r.status_code == 503, r.text
    assert r.json() == {"code": "database_unavailable", "details": {}}
    assert r.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)


async def assert_down(api: httpx.AsyncClient) -> None:
    unavailable(await call(api, "GET", f"/clients/{LISA}/visits", headers=as_chat("lisa")))
    unavailable(await call(api, "GET", "/staff/day", headers=staff_headers()))
    unavailable(await call(api, "GET", "/health/ready"))
    live = await call(api, "GET", "/health")
    assert (live.status_code, live.json()) == (200, {"status": "ok"})


def staff_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {STAFF_TOKENS['anna']}"}


def unreachable_settings(url: str) -> Settings:
    return Settings(
        database_url=url,
        service_token=SERVICE_TOKEN,
        database_connect_timeout=0.5,
        database_statement_timeout=0.5,
    )


async def test_a_database_nobody_answers_on_is_a_503_with_retry_after(clock: Clock) -> None:
    settings = unreachable_settings(f"postgresql+asyncpg://ramtid@127.0.0.1:{free_port()}/ramtid")
    async with serve(settings, clock) as (api, _app):
        await assert_down(api)


async def test_a_database_that_accepts_and_never_answers_is_a_503_not_a_hang(
    clock: Clock,
) -> None:
    async with silent_server() as port:
        settings = unreachable_settings(f"postgresql+asyncpg://ramtid@127.0.0.1:{port}/ramtid")
        async with serve(settings, clock) as (api, _app):
            await assert_down(api)


@pytest.mark.postgres
async def test_postgresql_going_away_and_coming_back_needs_no_restart(
    postgres_url: str, database_url: str, clock: Clock
) -> None:
    target = make_url(postgres_url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.start()
    through_proxy = target.set(host="127.0.0.1", port=proxy.port)
    settings = Settings(
        database_url=through_proxy.render_as_string(hide_password=False),
        service_token=SERVICE_TOKEN,
        database_connect_timeout=1.0,
        database_statement_timeout=1.0,
    )
    try:
        async with serve(settings, clock) as (api, app):
            async with app.state.sessions() as session:
                await seed(session, now=clock.now)
                await session.commit()
            visits = f"/clients/{LISA}/visits"
            assert (await call(api, "GET", visits, headers=as_chat("lisa"))).status_code == 200
            assert (await call(api, "GET", "/health/ready")).status_code == 200

            await proxy.cut()  # PostgreSQL restarts: every pooled connection is dead
            await assert_down(api)

            await proxy.restore()  # back: the very first request works, no restart
            r = await call(api, "GET", visits, headers=as_chat("lisa"))
            assert r.status_code == 200, r.text
            assert r.json()["visits"]
            assert (await call(api, "GET", "/health/ready")).status_code == 200

            proxy.freeze()  # it accepts and never answers: a statement timeout, not a hang
            unavailable(await call(api, "GET", visits, headers=as_chat("lisa")))
            await proxy.restore()
            await proxy.cut()  # drop the frozen connections, as a restart would
            await proxy.restore()
            assert (await call(api, "GET", visits, headers=as_chat("lisa"))).status_code == 200
    finally:
        await proxy.close()
    del database_url  # the fixture emptied the test database for the seed above
