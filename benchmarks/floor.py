"""Where a backend read's time goes: the HTTP contract, the statements, the driver.

    .venv/bin/python -m benchmarks.floor [--scale 0.1] [--db sqlite|postgres] [--calls 1000]

Measured side by side in one process, interleaved, on a copy of the city, through the bot's
own client (``BackendClient`` over ``httpx.ASGITransport``, as ``ramtid bot`` in one process):

- ``GET /health``: the contract's floor, with no dependency and no statement;
- ``GET /bot/me`` and a client's ``GET /clients/{id}/visits`` (what "today" reads);
- an ORM session that only opens and commits, one that reads the chat account (the statement
  every bot request begins with) and commits, and a ``SELECT 1`` in an open session;
- the driver alone: ``SELECT 1`` on a raw aiosqlite / asyncpg connection, and on SQLite the
  same account lookup through the standard library's ``sqlite3``, with no thread between.

Printed: p50/p90/p99 of each and the ratios that say where the time of a read goes. This is
the figure behind issue 13's "today ≤ 3x echo": the contract itself costs about as much as an
echo; each statement costs a thread hop (aiosqlite) or a round trip (asyncpg) plus
SQLAlchemy's async adaptation.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import aiosqlite
import asyncpg
from sqlalchemy import event, text

from backend.services import access
from benchmarks.botpath import rig
from benchmarks.city import City, ensure_city, fetch, plain_url, working_copy
from benchmarks.common import Summary, figure, heading, line, options, parser


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


async def run(url: str, city: City, calls: int, seed: int) -> None:
    rng = random.Random(seed)
    accounts = await fetch(
        url,
        "SELECT telegram_user_id, client_id FROM chataccount WHERE client_id IS NOT NULL "
        "ORDER BY telegram_user_id",
    )
    sqlite_file = url.split("///", 1)[1] if url.startswith("sqlite") else None
    times: dict[str, list[float]] = {}
    statements: dict[str, int] = {}
    async with rig(url) as r:
        state = r.backend.http._transport.app.state  # type: ignore[attr-defined]
        executed = [0]

        def count(*_args: Any) -> None:
            executed[0] += 1

        event.listen(state.engine.sync_engine, "before_cursor_execute", count)
        raw_async: Any = (
            await aiosqlite.connect(sqlite_file)
            if sqlite_file
            else await asyncpg.connect(plain_url(url))
        )
        raw_sync = sqlite3.connect(sqlite_file) if sqlite_file else None
        async with state.read_sessions() as open_session:

            async def session_only() -> None:
                async with state.read_sessions() as s:
                    await s.commit()

            async def account_and_commit(user: int) -> None:
                async with state.read_sessions() as s:
                    await access.actor_for_chat(s, user)
                    await s.commit()

            async def driver_select_1() -> None:
                if sqlite_file:
                    cursor = await raw_async.execute("SELECT 1")
                    await cursor.fetchall()
                else:
                    await raw_async.fetch("SELECT 1")

            async def sqlite3_account(user: int) -> None:
                assert raw_sync is not None
                raw_sync.execute(
                    "SELECT * FROM chataccount WHERE telegram_user_id = ?", (user,)
                ).fetchall()

            for i in range(calls + 100):  # the first 100 warm up: plans, caches
                user, client = rng.choice(accounts)
                kinds: dict[str, Callable[[], Awaitable[Any]]] = {
                    "GET /health": lambda: r.backend.http.get("/health"),
                    "GET /bot/me": partial(r.backend.me, user),
                    "GET /clients/{id}/visits": partial(r.backend.visits, user, client),
                    "session: open, commit": session_only,
                    "session: chat account, commit": partial(account_and_commit, user),
                    "session: SELECT 1": lambda: open_session.exec(text("SELECT 1")),
                    "driver: SELECT 1": driver_select_1,
                }
                if raw_sync is not None:
                    kinds["sqlite3: chat account"] = partial(sqlite3_account, user)
                order = list(kinds.items())
                rng.shuffle(order)
                for kind, call in order:
                    before = executed[0]
                    ms = await timed(call)
                    if i >= 100:
                        times.setdefault(kind, []).append(ms)
                        statements[kind] = statements.get(kind, 0) + executed[0] - before
        await raw_async.close()
        if raw_sync is not None:
            raw_sync.close()

    s = {kind: Summary.of(values) for kind, values in sorted(times.items())}
    for kind, summary in s.items():
        line(kind, summary)
    for kind in ("GET /bot/me", "GET /clients/{id}/visits", "session: chat account, commit"):
        figure(f"statements per call, {kind}", statements[kind] / calls, fmt="8.2f")
    health = s["GET /health"].p50
    figure("visits read / /health, p50", s["GET /clients/{id}/visits"].p50 / health, "x")
    figure("/bot/me / /health, p50", s["GET /bot/me"].p50 / health, "x")
    figure(
        "ORM SELECT 1 / driver SELECT 1, p50",
        s["session: SELECT 1"].p50 / s["driver: SELECT 1"].p50,
        "x",
    )
    if "sqlite3: chat account" in s:
        figure(
            "ORM chat account / sqlite3 chat account, p50",
            s["session: chat account, commit"].p50 / s["sqlite3: chat account"].p50,
            "x",
        )


async def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--calls", type=int, default=1000, help="calls of each kind measured")
    args = p.parse_args()
    opts = options(args)
    city = await ensure_city(opts)
    heading("floor", opts, clients=city.clients, visits=city.visits)
    async with working_copy(opts, city) as url:
        await run(url, city, args.calls, opts.seed)


if __name__ == "__main__":
    asyncio.run(main())
