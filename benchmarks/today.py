""" "Today" through the whole bot path, against an echo handler, side by side in one run.

    .venv/bin/python -m benchmarks.today [--scale 0.1] [--db sqlite|postgres] [--updates 1000]

Three kinds of update are handled in turn, interleaved, by one process (see ``botpath``):

- bare echo: a dispatcher with nothing but an echo handler (aiogram's own floor);
- echo behind the project's middlewares: the project's dispatcher, an echo handler on the
  dispatcher itself, so every middleware it applies to a message runs (throttling, who the
  chat account is, its language) and nothing else;
- today: a client (a different one each time, in their own language) presses "Today";
- on SQLite, the same "today" through a second backend on aiosqlite's thread (the driver
  before ``backend.sqlite_inline``), so the driver's share shows in the same run.

Before measuring, every client writes once (the bot has known them since), so their identity
is cached as in a running service; ``--cold`` measures without that (a bot just started).

Printed: p50/p90/p99/max of each, the ratios to the bare echo, backend calls per update, and
how many "today" replies did not list any visit time (should be none but the days without).
"""

from __future__ import annotations

import asyncio
import random
from contextlib import nullcontext

from benchmarks.botpath import (
    TIME_IN_TEXT,
    Timed,
    add_echo,
    bare_echo_dispatcher,
    menu_word,
    message_update,
    rig,
)
from benchmarks.city import City, ensure_city, fetch, working_copy
from benchmarks.common import (
    Summary,
    figure,
    heading,
    line,
    options,
    parser,
    quiet_gc_between_runs,
)

ECHO_WORD = "ekobenchmark"
# On SQLite, "today" also through a second backend whose SQLite calls hop to aiosqlite's
# thread (``RAMTID_SQLITE_DRIVER=aiosqlite``): the driver's share, side by side.
THREADED = "today, aiosqlite thread"


async def run(url: str, city: City, updates: int, seed: int, *, warm: bool = True) -> None:
    rng = random.Random(seed)
    accounts = await fetch(
        url,
        "SELECT telegram_user_id, locale FROM chataccount WHERE client_id IS NOT NULL "
        "ORDER BY telegram_user_id",
    )
    sqlite = url.startswith("sqlite")
    async with (
        rig(url) as r,
        rig(url, sqlite_driver="aiosqlite") if sqlite else nullcontext(r) as threaded,
    ):
        bare = bare_echo_dispatcher()
        add_echo(r.dispatcher, ECHO_WORD)
        today_word = {loc: menu_word(r.i18n, loc, "TODAY") for loc in ("sv", "fi", "ar", "en")}
        timed = Timed()
        calls: dict[str, int] = {}

        async def one(kind: str, measure: bool) -> None:
            user, locale = rng.choice(accounts)
            before = r.backend_calls[0]
            if kind == "bare echo":
                ms = await r.timed(bare, message_update(user, "hej", language_code=locale))
            elif kind == "echo behind middlewares":
                ms = await r.feed(message_update(user, ECHO_WORD, language_code=locale))
            else:
                on = threaded if kind == THREADED else r
                ms = await on.feed(message_update(user, today_word[locale], language_code=locale))
                texts = on.session.texts()
                if not any(TIME_IN_TEXT.search(t) for t in texts):
                    timed.flag(kind)
            if measure:
                timed.add(kind, ms)
                calls[kind] = calls.get(kind, 0) + r.backend_calls[0] - before

        kinds = ["bare echo", "echo behind middlewares", "today"] + ([THREADED] if sqlite else [])
        for _ in range(30):  # warm up: imports, caches, the first queries' plans
            for kind in kinds:
                await one(kind, measure=False)
        if warm:  # everyone has written once since the bot started: their identity is known
            for user, locale in accounts:
                await r.feed(message_update(user, ECHO_WORD, language_code=locale))
                if sqlite:
                    await threaded.feed(message_update(user, ECHO_WORD, language_code=locale))
        quiet_gc_between_runs()
        for _ in range(updates):
            rng.shuffle(kinds)
            for kind in kinds:
                await one(kind, measure=True)

    summaries = {k: Summary.of(v) for k, v in timed.times.items()}
    order = ("bare echo", "echo behind middlewares", "today", THREADED)
    shown = [k for k in order if k in summaries]
    for kind in shown:
        line(kind, summaries[kind])
    floor = summaries["bare echo"]
    for kind in shown[1:]:
        s = summaries[kind]
        figure(f"{kind} / bare echo, p50", s.p50 / floor.p50, "x")
        figure(f"{kind} / bare echo, p99", s.p99 / floor.p99, "x")
    for kind in ("echo behind middlewares", "today"):
        figure(f"backend calls per update, {kind}", calls[kind] / updates, fmt="8.2f")
    figure("today replies without a visit time", timed.odd.get("today", 0), fmt="8d")


async def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--updates", type=int, default=1000, help="updates of each kind measured")
    p.add_argument(
        "--cold",
        action="store_true",
        help="do not let every client write once before measuring (identities not cached yet)",
    )
    args = p.parse_args()
    opts = options(args)
    city = await ensure_city(opts)
    heading("today", opts, clients=city.clients, visits=city.visits)
    async with working_copy(opts, city) as url:
        await run(url, city, args.updates, opts.seed, warm=not args.cold)


if __name__ == "__main__":
    asyncio.run(main())
