"""Mixed updates through the whole bot path, with one bot process and with two.

    .venv/bin/python -m benchmarks.mixed [--scale 0.1] [--db sqlite|postgres]
        [--conversations 300] [--in-flight 8] [--sqlite-driver inline|aiosqlite]

What people do at once, as conversations (each person's updates in order, ``--in-flight`` of
them under way at a time in each process):

- a client presses "Today", then writes a wish ("kan ni komma klockan tio i stället i
  morgon?"), picks which of tomorrow's visits in the bot's answer, and confirms;
- for every three clients, a carer asks for their day and checks in to a visit that is due.

Each process is what ``ramtid bot`` is without RAMTID_BACKEND_URL (the backend inside it, see
``botpath``), on one shared copy of the city; two processes split the people between them
(their FSM state is their own). Printed per run: updates per second over the whole run, and
p50/p90/p99 per kind of update; then the two runs' throughput side by side.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

from backend.config import SqliteDriver
from backend.domain.visit_status import window_end
from benchmarks.city import City, ensure_city, fetch, working_copy
from benchmarks.common import Summary, figure, heading, line, options, parser
from contract import TZ

WISH = "kan ni komma klockan tio i stället i morgon?"
CONFIRM = "c:"  # bot.keyboards.Confirm's prefix: the button that sends the wish
KINDS = (
    "today",
    "wish typed",
    "wish: pick visit",
    "wish: confirm",
    "staff: my day",
    "staff: open a visit",
    "check-in",
)


@dataclass(frozen=True)
class Plan:
    """Who does what in one run; split between the processes."""

    clients: list[tuple[int, str]]  # (telegram user, locale)
    carers: list[tuple[int, int]]  # (telegram user, a visit of theirs due now)


def _aware(moment: datetime | str) -> datetime:
    """A row's instant (SQLite gives text or naive UTC) as an aware UTC datetime."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def make_plan(url: str, conversations: int, seed: int) -> Plan:
    rng = random.Random(seed)
    clients = await fetch(
        url,
        # not a client a wish already waits for: a second about a visit is not sent
        "SELECT telegram_user_id, locale FROM chataccount "
        "WHERE client_id IS NOT NULL AND locale = 'sv' AND client_id NOT IN "
        "(SELECT client_id FROM changerequest WHERE status = 'PENDING') "
        "ORDER BY telegram_user_id",
    )
    now = datetime.now(UTC)
    # Due: a visit of today that the carer's day offers a check-in for (not yet missed, at
    # most three hours ahead), with a quarter of an hour to spare for the run itself.
    soon = now + timedelta(minutes=15)
    rows = await fetch(
        url,
        "SELECT a.telegram_user_id, v.id, v.planned_start, v.duration_minutes, v.late_minutes "
        "FROM visit v JOIN chataccount a ON a.staff_id = v.staff_id "
        "WHERE v.status = 'PLANNED' AND v.actual_start IS NULL "
        "AND v.planned_start > :early AND v.planned_start < :late ORDER BY v.planned_start, v.id",
        early=now - timedelta(hours=4),
        late=now + timedelta(hours=2, minutes=45),
    )
    today = now.astimezone(TZ).date()
    due = [
        (user, visit_id, start)
        for user, visit_id, start, minutes, late in rows
        if window_end(_aware(start), minutes, late) > soon
        and _aware(start).astimezone(TZ).date() == today
    ]
    first_due: dict[int, int] = {}  # each carer's earliest: one of those to act on now
    for user, visit_id, _start in due:
        first_due.setdefault(user, visit_id)
    carers = sorted(first_due.items())
    rng.shuffle(carers)
    picked = rng.sample(list(clients), min(conversations, len(clients)))
    return Plan(
        clients=[(int(u), str(loc)) for u, loc in picked],
        carers=carers[: max(1, conversations // 3)] if carers else [],
    )


# --- one bot process ------------------------------------------------------------------------


def check_in_button(replies: list[Any], visit_id: int) -> str | None:
    """The callback data of the check-in button of ``visit_id`` among ``replies``."""
    from benchmarks.botpath import first_button

    for m in replies:
        data = first_button(getattr(m, "reply_markup", None), "in")
        if data and data.endswith(f":{visit_id}"):
            return data
    return None


def open_button(replies: list[Any], visit_id: int) -> str | None:
    """The button of a long day's list that opens ``visit_id``, if the list has one."""
    from bot.keyboards import VisitAction

    wanted = VisitAction(action="open", visit_id=visit_id).pack()
    for m in replies:
        rows = getattr(getattr(m, "reply_markup", None), "inline_keyboard", None) or []
        if any(b.callback_data == wanted for row in rows for b in row):
            return wanted
    return None


async def worker(config: dict[str, Any]) -> None:
    from benchmarks.botpath import Timed, callback_update, first_button, menu_word, message_update
    from benchmarks.botpath import rig as bot_rig

    async with bot_rig(config["url"], sqlite_driver=config["sqlite_driver"]) as r:
        today_word = menu_word(r.i18n, "sv", "TODAY")
        day_word = menu_word(r.i18n, "sv", "MY_DAY")
        timed = Timed()
        lock_free = asyncio.Semaphore(config["in_flight"])

        async def feed(kind: str, user: int, update: Any) -> list[Any]:
            """Handle one update; the replies to this chat (private: chat id = user id)."""
            started = time.perf_counter()
            await r.dispatcher.feed_update(r.bot, update)
            timed.add(kind, (time.perf_counter() - started) * 1000)
            # The session is shared by the conversations under way: take this chat's replies
            # and forget what has no chat (callback answers).
            requests = r.session.requests
            replies = [m for m in requests if getattr(m, "chat_id", None) == user]
            r.session.requests = [
                m for m in requests if getattr(m, "chat_id", None) not in (user, None)
            ]
            return replies

        async def client(user: int) -> None:
            async with lock_free:
                await feed("today", user, message_update(user, today_word))
                replies = await feed("wish typed", user, message_update(user, WISH))
                # Press the first button until the wish is confirmed: a client with several
                # visits tomorrow is asked which one first.
                for _step in range(3):
                    marked = [m for m in replies if first_button(getattr(m, "reply_markup", 0))]
                    if not marked:
                        timed.flag("wish: confirm", replies)
                        return
                    data = first_button(marked[-1].reply_markup)
                    assert data is not None
                    kind = "wish: confirm" if data.startswith(CONFIRM) else "wish: pick visit"
                    replies = await feed(kind, user, callback_update(user, data, 1))
                    if kind == "wish: confirm":
                        return
                timed.flag("wish: confirm", replies)

        async def carer(user: int, visit_id: int) -> None:
            async with lock_free:
                replies = await feed("staff: my day", user, message_update(user, day_word))
                data = check_in_button(replies, visit_id)
                # A long day offers the visits to act on now; another is opened from the
                # day's list first, as a carer would.
                if data is None and (opening := open_button(replies, visit_id)):
                    opened = callback_update(user, opening, 1)
                    replies = await feed("staff: open a visit", user, opened)
                    data = check_in_button(replies, visit_id)
                if data is None:
                    timed.flag("check-in", replies)
                    return
                await feed("check-in", user, callback_update(user, data, 1))

        # Warm up on people of this share not in the plan: today only (reads nothing shared).
        for user, _loc in config["warmup"]:
            await feed("warmup", user, message_update(user, today_word))
        timed.times.pop("warmup", None)
        print("ready", flush=True)
        sys.stdin.readline()
        started = time.perf_counter()
        jobs = [client(u) for u, _ in config["clients"]]
        jobs += [carer(u, v) for u, v in config["carers"]]
        random.Random(config["seed"]).shuffle(jobs)
        await asyncio.gather(*jobs)
        wall = time.perf_counter() - started
        print(
            json.dumps(
                {"wall": wall, "times": timed.times, "odd": timed.odd, "example": timed.example}
            ),
            flush=True,
        )


# --- the run ------------------------------------------------------------------------------


async def run_processes(
    url: str,
    plan: Plan,
    warmup: list[tuple[int, str]],
    processes: int,
    in_flight: int,
    seed: int,
    sqlite_driver: SqliteDriver,
) -> dict[str, Any]:
    workers = []
    for i in range(processes):
        config = {
            "url": url,
            "in_flight": in_flight,
            "sqlite_driver": sqlite_driver,
            "seed": seed + i,
            "clients": plan.clients[i::processes],
            "carers": plan.carers[i::processes],
            "warmup": warmup[i::processes],
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.mixed",
            "--worker",
            json.dumps(config),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        workers.append(proc)
    for proc in workers:
        assert proc.stdout is not None
        ready = await proc.stdout.readline()
        if ready.strip() != b"ready":
            raise SystemExit(f"a worker did not start: {ready!r}")
    started = time.perf_counter()
    for proc in workers:
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
        await proc.stdin.drain()
    results = []
    for proc in workers:
        assert proc.stdout is not None
        results.append(json.loads(await proc.stdout.readline()))
        await proc.wait()
    wall = time.perf_counter() - started
    times: dict[str, list[float]] = {}
    odd: dict[str, int] = {}
    example: dict[str, str] = {}
    for result in results:
        for kind, text in result["example"].items():
            example.setdefault(kind, text)
        for kind, values in result["times"].items():
            times.setdefault(kind, []).extend(values)
        for kind, n in result["odd"].items():
            odd[kind] = odd.get(kind, 0) + n
    return {"wall": wall, "times": times, "odd": odd, "example": example}


def report(processes: int, result: dict[str, Any]) -> float:
    updates = sum(len(v) for v in result["times"].values())
    rate = updates / result["wall"]
    print(f"## {processes} process{'es' if processes > 1 else ''}")
    figure("updates", updates, fmt="8d")
    figure("updates per second", rate, "/s")
    everything = [t for values in result["times"].values() for t in values]
    line("all updates", Summary.of(everything))
    for kind in KINDS:
        if kind in result["times"]:
            line(kind, Summary.of(result["times"][kind]))
    for kind, n in sorted(result["odd"].items()):
        figure(f"not as expected: {kind}", n, fmt="8d")
        if kind in result["example"]:
            print(f"    e.g. {result['example'][kind]}")
    return rate


async def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--conversations", type=int, default=300, help="client conversations")
    p.add_argument("--in-flight", type=int, default=8, help="conversations at once per process")
    p.add_argument(
        "--sqlite-driver",
        choices=get_args(SqliteDriver),
        default="inline",
        help="SQLite's calls on the loop (the default) or on aiosqlite's thread",
    )
    p.add_argument("--worker", help=__import__("argparse").SUPPRESS)
    args = p.parse_args()
    if args.worker:
        await worker(json.loads(args.worker))
        return
    opts = options(args)
    city: City = await ensure_city(opts)
    heading(
        "mixed",
        opts,
        clients=city.clients,
        in_flight=args.in_flight,
        **({"sqlite_driver": args.sqlite_driver} if opts.db == "sqlite" else {}),
    )
    rates = {}
    for processes in (1, 2):
        async with working_copy(opts, city) as url:
            plan = await make_plan(url, args.conversations, opts.seed)
            chosen = {u for u, _ in plan.clients}
            others = await fetch(
                url,
                "SELECT telegram_user_id, locale FROM chataccount "
                "WHERE client_id IS NOT NULL ORDER BY telegram_user_id LIMIT 200",
            )
            warmup = [(int(u), str(loc)) for u, loc in others if u not in chosen][:40]
            result = await run_processes(
                url, plan, warmup, processes, args.in_flight, opts.seed, args.sqlite_driver
            )
        rates[processes] = report(processes, result)
    figure("throughput, 2 processes / 1", rates[2] / rates[1], "x")


if __name__ == "__main__":
    asyncio.run(main())
