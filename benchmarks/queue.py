"""The contact person's queue with 500 wishes waiting: the API call and the bot's answer.

    .venv/bin/python -m benchmarks.queue [--scale 0.1] [--db sqlite|postgres] [--pending 500]

The city's busy contact person (``City.busy_contact``) has ``--pending`` wishes waiting from
their clients (the rest of the city has its own, about 2 % of clients). Measured in turn, in
one process, through the bot's ``BackendClient`` (in process, over ASGI): the bot's read
(``GET /staff/queue?limit=5``: how many wait and the oldest five, ``SHOWN``), the next page
as "Show more" reads it (``after`` the fifth), the page of 20 the bot read before phase 9
(side by side, for reference), the whole queue (every request, as the API gives it without
a limit), and the whole bot path of pressing "Requests to decide" (a heading with the count,
the oldest five and "Show more"). Printed: p50/p90/p99 of each, and the queue's length
against a count from the database.
"""

from __future__ import annotations

import asyncio
import time

from benchmarks.botpath import NoThrottle, menu_word, message_update, rig
from benchmarks.city import City, ensure_city, fetch, working_copy
from benchmarks.common import Summary, figure, heading, line, options, parser
from bot.handlers.staff import SHOWN


async def run(url: str, city: City, repeats: int) -> None:
    [(waiting,)] = await fetch(
        url,
        "SELECT count(*) FROM changerequest WHERE status = 'PENDING' AND assigned_staff_id = :s",
        s=city.busy_contact,
    )
    user = city.staff_user(city.busy_contact)
    async with rig(url, counter=NoThrottle()) as r:
        word = menu_word(r.i18n, "sv", "QUEUE")
        page: list[float] = []
        after: list[float] = []
        twenty: list[float] = []
        whole: list[float] = []
        bot: list[float] = []
        shown = total = 0
        for i in range(repeats + 10):
            started = time.perf_counter()
            oldest = await r.backend.queue(user, limit=SHOWN)
            page_took = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            await r.backend.queue(user, limit=SHOWN, after=oldest.requests[-1].id)
            after_took = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            await r.backend.queue(user, limit=20)
            twenty_took = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            queue = await r.backend.queue(user)
            whole_took = (time.perf_counter() - started) * 1000
            bot_took = await r.feed(message_update(user, word))
            if i >= 10:  # the first ten warm up
                page.append(page_took)
                after.append(after_took)
                twenty.append(twenty_took)
                whole.append(whole_took)
                bot.append(bot_took)
            shown, total = len(queue.requests), oldest.total
            messages = len(r.session.sent())
    line(f"GET /staff/queue?limit={SHOWN} (the bot's read)", Summary.of(page))
    line(f"GET /staff/queue?limit={SHOWN}&after=… (Show more)", Summary.of(after))
    line("GET /staff/queue?limit=20 (the read before)", Summary.of(twenty))
    line("GET /staff/queue, every request", Summary.of(whole))
    line("'Requests to decide' through the bot", Summary.of(bot))
    figure("bot / its read, p50", Summary.of(bot).p50 / Summary.of(page).p50, "x")
    figure(
        "every request / the bot's read, p50", Summary.of(whole).p50 / Summary.of(page).p50, "x"
    )
    figure("page of 20 / the bot's read, p50", Summary.of(twenty).p50 / Summary.of(page).p50, "x")
    figure("requests in the queue (total it gave)", total, fmt="8d")
    figure("requests listed without a limit", shown, fmt="8d")
    figure("pending for them in the database", waiting, fmt="8d")
    figure("messages the bot sent per press", messages, fmt="8d")


async def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--pending", type=int, default=500, help="wishes waiting for the contact")
    p.add_argument("--repeats", type=int, default=200)
    args = p.parse_args()
    opts = options(args)
    city = await ensure_city(opts, pending=args.pending)
    heading("queue", opts, clients=city.clients, pending=city.pending_for_busy)
    async with working_copy(opts, city) as url:
        await run(url, city, args.repeats)


if __name__ == "__main__":
    asyncio.run(main())
