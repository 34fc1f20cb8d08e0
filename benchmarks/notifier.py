"""The notifier draining 1 000 notifications against Telegram's limits, with 1 and 2 notifiers.

    .venv/bin/python -m benchmarks.notifier [--scale 0.1] [--db sqlite|postgres]
        [--notifications 1000]

The outbox is filled the application's own way (``backend.services.outbox.notify_client``:
"someone new is coming", each with a token of its own, to a client and their relatives;
about 2.5 per client). Then one or two notifier processes, each as ``ramtid bot`` runs it
(``bot.factory.create_notifier`` with the backend in process), deliver them through aiogram
to a fake Bot API (``fake_bot_api``) that refuses more than ~30 messages a second and more
than ~1 a second to one chat with 429 and ``retry_after``.

Printed per run: seconds from start to the last message, the least time the limits allow
(a full bucket of 30, then 30 a second, no chat faster than one a second) and the share of the
limit used (that least time over the time taken), messages per second, 429s, and what a person
would notice: messages lost (never accepted), doubled (accepted twice for one chat), out of
order (a chat got one after a message written later), and rows the outbox still holds as
undelivered.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from benchmarks.city import City, ensure_city, fetch, working_copy
from benchmarks.common import figure, heading, options, parser
from benchmarks.fake_bot_api import LimitedBotApi

TOKEN = "42:BENCHMARK-TOKEN-000000000000000000"  # noqa: S105 - the fake API's
MARK = re.compile(r"\bN(\d{5})\b")


async def fill_outbox(url: str, count: int) -> set[tuple[int, int]]:
    """Queue at least ``count`` notifications; returns the (chat, token) pairs expected."""
    from backend.db import create_engine, session_factory
    from backend.services import outbox
    from contract import Scope, SomeoneNew, Urgency

    clients = await fetch(url, "SELECT id, first_name FROM client ORDER BY id")
    per_client = max(1, round(len(clients) / max(1, int(count / 2.5))))
    chosen = clients[::per_client]
    now = datetime.now(UTC)
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            total, token = 0, 0
            while total < count:
                client_id, first_name = chosen[token % len(chosen)]
                token += 1
                message = SomeoneNew(
                    visit_id=1,
                    visit_start=now + timedelta(days=1),
                    staff_first_name=f"N{token:05d}",
                    client_first_name=first_name,
                )
                total += await outbox.notify_client(
                    session,
                    client_id=client_id,
                    message=message,
                    urgency=Urgency.CHANGE,
                    now=now,
                    relatives=Scope.VISITS,
                )
            await session.commit()
    finally:
        await engine.dispose()
    rows = await fetch(
        url,
        "SELECT a.chat_id, n.message FROM notification n "
        "JOIN chataccount a ON a.id = n.chat_account_id WHERE n.delivered_at IS NULL",
    )
    expected = set()
    for chat_id, message in rows:
        data = json.loads(message) if isinstance(message, str) else message
        expected.add((int(chat_id), int(data["staff_first_name"][1:])))
    return expected


# --- one notifier process -------------------------------------------------------------------


async def worker(config: dict[str, Any]) -> None:
    from backend.config import Settings
    from bot.factory import create_bot, create_i18n, create_notifier
    from ramtid.wiring import cancel_and_wait, in_process_backend

    # Retries are counted by the fake API; their warnings would drown the figures.
    logging.basicConfig(level=logging.ERROR)
    settings = Settings(
        database_url=config["url"],
        telegram_token=TOKEN,
        telegram_api_base=config["api"],
        redis_url=config.get("redis"),  # with Redis: one Telegram budget for all notifiers
        log_level="ERROR",
    )
    async with in_process_backend(settings, run_housekeeping=False) as backend:
        i18n = create_i18n(settings)
        bot = create_bot(settings)
        notifier = create_notifier(settings, bot=bot, backend=backend.client, i18n=i18n)
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        delivering = asyncio.create_task(notifier.run(), name="notifier")
        await asyncio.to_thread(sys.stdin.readline)
        await cancel_and_wait(delivering)
        await bot.session.close()


# --- the run --------------------------------------------------------------------------------


async def run(url: str, processes: int, count: int, redis: str | None = None) -> dict[str, float]:
    expected = await fill_outbox(url, count)
    api = LimitedBotApi()
    base = await api.start()
    workers = []
    try:
        for _ in range(processes):
            config = json.dumps({"url": url, "api": base, "redis": redis})
            workers.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "benchmarks.notifier",
                    "--worker",
                    config,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                )
            )
        for proc in workers:
            assert proc.stdout is not None
            if (await proc.stdout.readline()).strip() != b"ready":
                raise SystemExit("a notifier did not start")
        started = time.monotonic()
        for proc in workers:
            assert proc.stdin is not None
            proc.stdin.write(b"go\n")
            await proc.stdin.drain()
        deadline = started + len(expected) / 30 * 4 + 60
        while time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            seen = {
                (m.chat_id, int(x.group(1))) for m in api.accepted if (x := MARK.search(m.text))
            }
            if expected <= seen:
                break
        await asyncio.sleep(1.0)  # anything sent twice right after the last one
        for proc in workers:
            assert proc.stdin is not None
            proc.stdin.write(b"stop\n")
            await proc.stdin.drain()
        for proc in workers:
            await proc.wait()
    finally:
        await api.stop()
    sent = Counter(
        (m.chat_id, int(x.group(1))) for m in api.accepted if (x := MARK.search(m.text))
    )
    last = max((m.at for m in api.accepted), default=started)
    seconds = last - started
    per_chat = Counter(chat for chat, _ in expected)
    [(undelivered,)] = await fetch(
        url,
        "SELECT count(*) FROM notification WHERE delivered_at IS NULL AND dropped_reason IS NULL",
    )
    return {
        "notifications": len(expected),
        "chats": len(per_chat),
        "seconds": seconds,
        "rate": len(sent) / seconds if seconds else 0.0,
        # The fastest the limits allow: a full bucket of 30 at once, then 30 a second, and no
        # chat faster than one a second.
        "floor": max((len(expected) - 30) / 30, max(per_chat.values()) - 1),
        "refused": api.refused,
        "lost": len(expected - set(sent)),
        "doubled": sum(n - 1 for n in sent.values() if n > 1),
        "out of order": out_of_order(api),
        "undelivered": undelivered,
    }


def out_of_order(api: LimitedBotApi) -> int:
    """Messages a chat received after one written later (the tokens grow in the order the
    outbox was written)."""
    latest: dict[int, int] = {}
    count = 0
    for m in api.accepted:
        if (x := MARK.search(m.text)) is None:
            continue
        token = int(x.group(1))
        if token < latest.get(m.chat_id, 0):
            count += 1
        latest[m.chat_id] = max(token, latest.get(m.chat_id, 0))
    return count


def report(processes: int, r: dict[str, float]) -> None:
    print(f"## {processes} notifier process{'es' if processes > 1 else ''}")
    figure("notifications (chats)", r["notifications"], f"({int(r['chats'])} chats)", fmt="8d")
    figure("drained in", r["seconds"], "s")
    figure("least time the limits allow", r["floor"], "s")
    figure("messages per second", r["rate"], "/s")
    figure("share of the limit used (least / took)", 100 * r["floor"] / r["seconds"], "%", "8.1f")
    figure("429 answers", r["refused"], fmt="8d")
    figure("lost", r["lost"], fmt="8d")
    figure("doubled", r["doubled"], fmt="8d")
    figure("out of order in a chat", r["out of order"], fmt="8d")
    figure("still undelivered in the outbox", r["undelivered"], fmt="8d")


async def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--notifications", type=int, default=1000)
    p.add_argument("--worker", help=__import__("argparse").SUPPRESS)
    p.add_argument(
        "--redis-url",
        default=os.environ.get("RAMTID_BENCH_REDIS_URL"),
        help="Redis for the notifiers' shared budget (else each keeps its own); its database "
        "is emptied first (RAMTID_BENCH_REDIS_URL)",
    )
    args = p.parse_args()
    if args.worker:
        await worker(json.loads(args.worker))
        return
    opts = options(args)
    city: City = await ensure_city(opts)
    heading("notifier", opts, clients=city.clients)
    for processes in (1, 2):
        if args.redis_url:
            from redis.asyncio import Redis

            redis = Redis.from_url(args.redis_url)
            await redis.flushdb()
            await redis.aclose()
        async with working_copy(opts, city) as url:
            report(processes, await run(url, processes, args.notifications, args.redis_url))


if __name__ == "__main__":
    asyncio.run(main())
