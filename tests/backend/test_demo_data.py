"""The demo seeded on a month's first days still has history: carers the client knows and a
month behind her to follow up (seeded from the month's start alone, the 1st had none)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import col, select

from backend.demo import seed
from backend.models import Staff, Visit
from backend.services import visits
from contract import TZ, VisitStatus
from tests.backend.helpers import LISA


async def test_the_demo_seeded_on_the_first_has_last_months_history(app) -> None:
    now = datetime(2026, 12, 1, 7, 50, tzinfo=TZ).astimezone(UTC)
    async with app.state.sessions() as session:
        await seed(session, now=now)
        await session.commit()
        done = (
            await session.exec(
                select(Visit.day)
                .where(Visit.client_id == LISA)
                .where(Visit.status == VisitStatus.DONE)
            )
        ).all()
        assert done and min(done) == date(2026, 11, 1) and max(done) == date(2026, 11, 30)

        anna = (await session.exec(select(Staff).where(Staff.first_name == "Anna"))).one()
        today = await visits.client_visits(
            session, client_id=LISA, start=date(2026, 12, 1), end=date(2026, 12, 1), now=now
        )
        annas = [v for v in today.visits if v.visit.staff_id == anna.id]
        assert annas and not any(v.staff_is_new for v in annas)  # Lisa knows Anna
        earlier = select(Visit).where(col(Visit.day) < date(2026, 11, 1))
        assert (await session.exec(earlier)).first() is None
