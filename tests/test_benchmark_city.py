"""The benchmarks' city is data the application reads as its own: written in bulk, it comes
back through the API as the rows say (the benchmarks would otherwise measure errors)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from backend.config import Settings
from backend.db import create_engine
from benchmarks.city import City, ensure_city, working_copy
from benchmarks.common import Options
from contract import TZ, RequestStatus
from ramtid.wiring import in_process_backend


async def rows(url: str, sql: str, **params: object) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return [tuple(r) for r in (await connection.execute(text(sql), params)).all()]
    finally:
        await engine.dispose()


async def test_a_small_city_reads_back_through_the_api(tmp_path: Path) -> None:
    opts = Options(scale=0.005, db="sqlite", seed=5, postgres_url="", data_dir=str(tmp_path))
    city: City = await ensure_city(opts, pending=30, quiet=True)
    assert (city.units, city.clients, city.staff) == (1, 100, 13)
    again = await ensure_city(opts, pending=30, quiet=True)
    assert again.key == city.key and again.generated_at == city.generated_at  # reused

    async with working_copy(opts, city) as url:
        [(visits,)] = await rows(url, "SELECT count(*) FROM visit")
        assert visits == city.visits
        client_id = 7
        today = city.today.isoformat()
        expected = await rows(
            url,
            "SELECT id FROM visit WHERE client_id = :c AND day = :d ORDER BY planned_start",
            c=client_id,
            d=today,
        )
        [(frame_minutes,)] = await rows(
            url, 'SELECT frame_minutes FROM "order" WHERE client_id = :c', c=client_id
        )
        [(pending,)] = await rows(
            url,
            "SELECT count(*) FROM changerequest WHERE status = 'PENDING' "
            "AND assigned_staff_id = :s",
            s=city.busy_contact,
        )
        async with in_process_backend(
            Settings(database_url=url), run_housekeeping=False
        ) as backend:
            me = await backend.client.me(city.client_user(client_id))
            assert me is not None and [c.client_id for c in me.clients] == [client_id]
            day = await backend.client.visits(city.client_user(client_id), client_id)
            assert [v.id for v in day.visits] == [r[0] for r in expected]
            assert all(v.start.astimezone(TZ).date() == city.today for v in day.visits)
            frame = await backend.client.frame(city.client_user(client_id), client_id)
            queue = (await backend.client.queue(city.staff_user(city.busy_contact))).requests
    assert frame.frame_minutes == frame_minutes
    assert pending >= 30  # the busy contact's share, and maybe a few of the city's others
    assert len(queue) == pending
    assert {r.status for r in queue} == {RequestStatus.PENDING}
    for request in queue:  # each moves its visit 30 minutes later, kept as asked
        assert request.before is not None and request.change.new_start is not None
        assert request.change.new_start - request.before.start == timedelta(minutes=30)
