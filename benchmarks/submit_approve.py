"""A wish submitted and approved, at one scale or two side by side.

    .venv/bin/python -m benchmarks.submit_approve [--scale 0.1] [--db postgres]
        [--compare-scale 1] [--pairs 200]

A client (a different one each time) asks for one of their coming visits to be five minutes
shorter, and their contact person approves it: ``POST /clients/{id}/requests`` then
``POST /staff/requests/{id}/approve``, through the bot's ``BackendClient`` with the backend in
process. Each approval moves the visit, writes the audit and the client's notification.
Printed: p50/p90/p99 of the submit, the approval and the pair; with ``--compare-scale`` the
same at the second scale and the growth from one to the other.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

from benchmarks.botpath import rig
from benchmarks.city import City, ensure_city, fetch, working_copy
from benchmarks.common import Options, Summary, figure, heading, line, options, parser
from contract import Change, ChangeKind, Decision, DecisionIn, RequestStatus, Submission


async def run(opts: Options, pairs: int) -> dict[str, Summary]:
    city: City = await ensure_city(opts)
    heading("submit + approve", opts, clients=city.clients, visits=city.visits)
    rng = random.Random(opts.seed)
    async with working_copy(opts, city) as url:
        tomorrow = datetime.now(UTC) + timedelta(hours=24)
        rows = await fetch(
            url,
            "SELECT v.id, v.client_id, v.duration_minutes, c.contact_person_id FROM visit v "
            "JOIN client c ON c.id = v.client_id "
            "WHERE v.status = 'PLANNED' AND v.planned_start > :after AND v.duration_minutes > 15 "
            "AND v.id % 97 = 0 AND NOT EXISTS (SELECT 1 FROM changerequest r "
            "WHERE r.visit_id = v.id AND r.status = 'PENDING') ORDER BY v.id",
            after=tomorrow,
        )
        by_client: dict[int, tuple[int, int, int]] = {}
        for visit_id, client_id, minutes, contact in rows:
            by_client.setdefault(client_id, (visit_id, minutes, contact))
        chosen = rng.sample(sorted(by_client.items()), min(pairs + 10, len(by_client)))
        times: dict[str, list[float]] = {"submit": [], "approve": [], "submit + approve": []}
        approved = 0
        async with rig(url) as r:
            for i, (client_id, (visit_id, minutes, contact)) in enumerate(chosen):
                change = Change(
                    kind=ChangeKind.RESIZE, visit_id=visit_id, new_duration=minutes - 5
                )
                submission = Submission(change=change, idempotency_key=uuid.uuid4().hex)
                started = time.perf_counter()
                request = await r.backend.submit(
                    city.client_user(client_id), client_id, submission
                )
                submitted = time.perf_counter()
                decided = await r.backend.decide(
                    city.staff_user(contact),
                    request.id,
                    Decision.APPROVE,
                    DecisionIn(version=request.version),
                )
                done = time.perf_counter()
                approved += decided.status is RequestStatus.APPROVED
                if i >= 10:  # the first ten warm up
                    times["submit"].append((submitted - started) * 1000)
                    times["approve"].append((done - submitted) * 1000)
                    times["submit + approve"].append((done - started) * 1000)
    summaries = {k: Summary.of(v) for k, v in times.items()}
    for kind, s in summaries.items():
        line(kind, s)
    figure("approved", approved, f"of {len(chosen)}", fmt="8d")
    return summaries


async def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--pairs", type=int, default=200)
    p.add_argument("--compare-scale", type=float, help="a second scale, measured after")
    args = p.parse_args()
    opts = options(args)
    first = await run(opts, args.pairs)
    if args.compare_scale is None:
        return
    second = await run(dataclasses.replace(opts, scale=args.compare_scale), args.pairs)
    for kind in first:
        figure(
            f"{kind}, p50 at {args.compare_scale:g} / at {opts.scale:g}",
            second[kind].p50 / first[kind].p50,
            "x",
        )


if __name__ == "__main__":
    asyncio.run(main())
