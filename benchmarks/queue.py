"""The contact person's queue with 500 wishes waiting: the API call and the bot's answer.

    .venv/bin/python -m benchmarks.queue [--scale 0.1] [--db sqlite|postgres] [--pending 500]

The city's busy contact person (``City.busy_contact``) has ``--pending`` wishes waiting from
their clients (the rest of the city has its own, about 2 % of clients). Measured in turn, in
one process: ``GET /staff/queue`` through the bot's ``BackendClient`` (in process, over
ASGI), and the whole bot path of pressing "Requests to decide" (a heading and the oldest 20).
Printed: p50/p90/p99 of each, and the queue's length against a count from the database.
"""

from __future__ import annotations

import asyncio
import time

from benchmarks.botpath import NoThrottle, menu_word, message_update, rig
from benchmarks.city import City, ensure_city, fetch, working_copy
from benchmarks.common import Summary, figure, heading, line, options, parser


async def run(url: str, city: City, repeats: int) -> None:
    [(waiting,)] = await fetch(
        url,
        "SELECT count(*) FROM changerequest WHERE status = 'PENDING' AND assigned_staff_id = :s",
        s=city.busy_contact,
    )
    user = city.staff_user(city.busy_contact)
    async with rig(url, counter=NoThrottle()) as r:
        word = menu_word(r.i18n, "sv", "QUEUE")
        api: list[float] = []
        bot: list[float] = []
        shown = 0
        for i in range(repeats + 10):
            started = time.perf_counter()
            queue = await r.backend.queue(user)
            took = (time.perf_counter() - started) * 1000
            bot_took = await r.feed(message_update(user, word))
            if i >= 10:  # the first ten warm up
                api.append(took)
                bot.append(bot_took)
            shown = len(queue)
            messages = len(r.session.sent())
    line("GET /staff/queue (BackendClient)", Summary.of(api))
    line("'Requests to decide' through the bot", Summary.of(bot))
    figure("bot / API, p50", Summary.of(bot).p50 / Summary.of(api).p50, "x")
    figure("requests in the queue", shown, fmt="8d")
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
