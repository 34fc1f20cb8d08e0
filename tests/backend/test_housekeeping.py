"""The backend's minute loop: expiry every run, visit generation at most hourly."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete
from sqlmodel import col, select

from backend.main import housekeeping
from backend.models import Visit
from tests.conftest import Clock, Database


async def test_visits_are_generated_two_weeks_ahead_at_most_hourly(
    app,
    demo,
    db: Database,
    clock: Clock,  # type: ignore[no-untyped-def]
) -> None:
    far = date(2026, 12, 5)  # the demo generated up to 7 December
    async with app.state.sessions() as session:
        await session.exec(delete(Visit).where(col(Visit.day) >= far))
        await session.commit()

    await housekeeping(app)
    regenerated = await db.all(select(Visit).where(col(Visit.day) >= far))
    assert regenerated and max(v.day for v in regenerated) == date(2026, 12, 7)

    async with app.state.sessions() as session:
        await session.exec(delete(Visit).where(col(Visit.day) >= far))
        await session.commit()
    clock.advance(minutes=59)
    await housekeeping(app)
    assert await db.all(select(Visit).where(col(Visit.day) >= far)) == []
    clock.advance(minutes=1)
    await housekeeping(app)
    assert await db.all(select(Visit).where(col(Visit.day) >= far)) != []
