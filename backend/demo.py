"""Demo data: a home-care unit on Södermalm in Stockholm, with this month's history.

Lisa comes from the City of Stockholm's guidance on framework orders: she has memory
problems and needs her meals cooked and served, and the home-care staff must make sure she
actually eats and does not forget to. Everything is deterministic for a given ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import (
    CarePlan,
    ChatAccount,
    Client,
    DeviationReason,
    GrantedService,
    NotifyLevel,
    Order,
    PlanSlot,
    PlanStatus,
    Relative,
    RelativeLink,
    Scope,
    SessionKind,
    Staff,
    StaffRole,
    StaffSession,
    Unit,
    Visit,
)
from backend.services import sessions
from backend.services.access import DEMO_TOKEN_PREFIX
from backend.services.visits import generate_visits
from contract import TZ, FrequencyUnit, Period, VisitStatus

DEMO_TOKEN_DAYS = 365
D = FrequencyUnit.DAY
W = FrequencyUnit.WEEK

# Telegram user ids of the seeded chat accounts (the terminal demo acts as them).
DEMO_ACCOUNTS = {
    "lisa": 1001,
    "eva": 1002,
    "gosta": 1003,
    "aino": 1004,
    "samira": 1005,
    "anna": 2001,
    "maria": 2002,
    "erik": 2003,
    "karin": 2004,
    "ahmed": 2005,
    "helena": 2006,
}


@dataclass(frozen=True)
class SlotSpec:
    weekdays: tuple[int, ...]
    at: time
    minutes: int
    services: tuple[str, ...]
    how: str = ""


@dataclass(frozen=True)
class ClientSpec:
    key: str
    first_name: str
    last_name: str
    area: str
    language: str
    contact: str
    deputy: str
    frame_hours: int
    period: Period
    needs: str
    purpose: str
    granted: tuple[tuple[str, int, FrequencyUnit], ...]
    slots: tuple[SlotSpec, ...]
    notify_level: NotifyLevel = NotifyLevel.ALL


EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)

STAFF = (
    ("anna", "Anna", "Lindqvist", StaffRole.CARER),
    ("maria", "Maria", "Holm", StaffRole.CARER),
    ("erik", "Erik", "Johansson", StaffRole.PLANNER),
    ("karin", "Karin", "Berg", StaffRole.MANAGER),
    ("ahmed", "Ahmed", "Hassan", StaffRole.CARER),
    ("sanna", "Sanna", "Virtanen", StaffRole.CARER),
    # the municipality's needs assessor (biståndshandläggare) who granted every order
    ("helena", "Helena", "Sjöberg", StaffRole.ASSESSOR),
)

CLIENTS = (
    ClientSpec(
        key="lisa",
        first_name="Lisa",
        last_name="Andersson",
        area="Södermalm",
        language="sv",
        contact="anna",
        deputy="maria",
        frame_hours=45,
        period=Period.MONTH,
        needs=(
            "Lisa har problem med minnet och behöver få måltiderna lagade och serverade. "
            "Hemtjänsten måste se till att hon verkligen får i sig maten och inte glömmer "
            "bort att äta."
        ),
        purpose="Stöd och handräckning vid samtliga måltider så att Lisa kan bo kvar hemma.",
        granted=(
            ("meal", 3, D),
            ("dressing", 1, D),
            ("supervision", 1, D),
            ("shower", 1, W),
            ("cleaning", 1, W),
            ("walk", 1, W),
        ),
        slots=(
            SlotSpec(EVERY_DAY, time(8, 0), 25, ("meal", "dressing"), "Gröt med lingon, kaffe."),
            SlotSpec(EVERY_DAY, time(12, 0), 20, ("meal",), "Sitt med medan Lisa äter."),
            SlotSpec(EVERY_DAY, time(17, 0), 20, ("meal", "supervision"), "Se att spisen är av."),
            SlotSpec((2,), time(10, 0), 60, ("shower",), "Lisa vill duscha på förmiddagen."),
            SlotSpec((4,), time(13, 0), 60, ("cleaning",), "Dammsug vardagsrum och kök."),
        ),
    ),
    ClientSpec(
        key="gosta",
        first_name="Gösta",
        last_name="Nilsson",
        area="Hornstull",
        language="sv",
        contact="maria",
        deputy="anna",
        frame_hours=30,
        period=Period.MONTH,
        needs="Gösta behöver hjälp med personlig hygien och att handla.",
        purpose="Att Gösta kan sköta sin hygien och ha mat hemma.",
        granted=(("hygiene", 1, D), ("shower", 2, W), ("shopping", 1, W), ("company", 1, W)),
        slots=(
            SlotSpec(EVERY_DAY, time(9, 0), 30, ("hygiene",)),
            SlotSpec((1, 4), time(10, 0), 40, ("shower",)),
            SlotSpec((3,), time(14, 0), 60, ("shopping",), "Lista på kylskåpet."),
        ),
        notify_level=NotifyLevel.CHANGES,
    ),
    ClientSpec(
        key="aino",
        first_name="Aino",
        last_name="Korhonen",
        area="Skärholmen",
        language="fi",
        contact="sanna",
        deputy="anna",
        frame_hours=28,
        period=Period.MONTH,
        needs="Aino behöver stöd vid måltider och promenader; hon talar helst finska.",
        purpose="Att Aino får sällskap och kommer ut varje vecka.",
        granted=(("meal", 1, D), ("walk", 2, W), ("laundry", 1, W)),
        slots=(
            SlotSpec(EVERY_DAY, time(12, 30), 30, ("meal",)),
            SlotSpec((1, 5), time(15, 0), 45, ("walk",)),
            SlotSpec((3,), time(10, 0), 45, ("laundry",)),
        ),
    ),
    ClientSpec(
        key="samira",
        first_name="Samira",
        last_name="Haddad",
        area="Rinkeby",
        language="ar",
        contact="ahmed",
        deputy="maria",
        frame_hours=12,
        period=Period.WEEK,
        needs="Samira behöver hjälp med påklädning och dusch efter en höftoperation.",
        purpose="Trygg vardag hemma under rehabiliteringen.",
        granted=(("dressing", 1, D), ("shower", 2, W), ("meal", 1, D)),
        slots=(
            SlotSpec(EVERY_DAY, time(8, 30), 45, ("dressing", "meal")),
            SlotSpec((0, 3), time(18, 0), 45, ("shower",)),
        ),
    ),
)


async def issue_staff_tokens(
    session: AsyncSession, tokens: dict[str, str], *, now: datetime
) -> int:
    """Give the demo's staff members these API tokens (by their key: ``anna``, ``karin``), as
    API sessions of a year; only the tokens' hashes are stored. The demo mode's are
    ``demo-<key>``, accepted only by an app in demo mode; tests give their own."""
    names = {key: (first, last) for key, first, last, _role in STAFF}
    given = 0
    for key, token in tokens.items():
        first, last = names[key]
        member = (
            await session.exec(
                select(Staff).where(Staff.first_name == first).where(Staff.last_name == last)
            )
        ).first()
        known = await session.exec(
            select(StaffSession.id).where(StaffSession.token_hash == sessions.hash_token(token))
        )
        if member is not None and known.first() is None:
            await sessions.open_session(
                session,
                staff=member,
                kind=SessionKind.API,
                now=now,
                lifetime=sessions.Lifetime(absolute=timedelta(days=DEMO_TOKEN_DAYS)),
                label="demo",
                token=token,
            )
            given += 1
    return given


def demo_staff_tokens() -> dict[str, str]:
    """The staff tokens of demo mode, as the README gives them."""
    return {key: f"{DEMO_TOKEN_PREFIX}{key}" for key, *_rest in STAFF}


async def is_seeded(session: AsyncSession) -> bool:
    return (await session.exec(select(Unit.id).limit(1))).first() is not None


async def seed_if_empty(session: AsyncSession, *, now: datetime) -> bool:
    """Seed the demo unit into an empty database (the caller commits); False if it has data."""
    if await is_seeded(session):
        return False
    await seed(session, now=now)
    return True


def _performed(visit: Visit, index: int) -> tuple[datetime, datetime] | None:
    """Deterministic variation: most visits done a little off plan, a few declined."""
    if index % 23 == 7:
        return None
    late = (index * 7) % 11 - 3
    length = visit.duration_minutes + (index * 5) % 9 - 5
    start = visit.planned_start + timedelta(minutes=late)
    return start, start + timedelta(minutes=max(5, length))


async def seed(session: AsyncSession, *, now: datetime) -> None:
    """Seed the demo unit, its people, frames, signed plans and this month's visits."""
    today = now.astimezone(TZ).date()
    month_start = today.replace(day=1)
    unit = Unit(name="Hemtjänst Södermalm", municipality="Stockholm", phone="08-508 123 00")
    session.add(unit)
    await session.flush()
    assert unit.id is not None

    staff: dict[str, Staff] = {}
    for key, first, last, role in STAFF:
        member = Staff(
            unit_id=unit.id,
            first_name=first,
            last_name=last,
            role=role,
            email=f"{key}@hemtjanst-sodermalm.example",
        )
        session.add(member)
        staff[key] = member
    await session.flush()

    clients: dict[str, Client] = {}
    for spec in CLIENTS:
        client = Client(
            unit_id=unit.id,
            first_name=spec.first_name,
            last_name=spec.last_name,
            address_area=spec.area,
            preferred_language=spec.language,
            contact_person_id=staff[spec.contact].id,
            deputy_id=staff[spec.deputy].id,
        )
        session.add(client)
        await session.flush()
        assert client.id is not None
        clients[spec.key] = client
        order = Order(
            client_id=client.id,
            needs=spec.needs,
            purpose=spec.purpose,
            period=spec.period,
            frame_minutes=spec.frame_hours * 60,
            valid_from=month_start - timedelta(days=60),
            decided_on=month_start - timedelta(days=62),
            followed_up_on=month_start - timedelta(days=5) if spec.key != "gosta" else None,
            assessor_staff_id=staff["helena"].id,
        )
        session.add(order)
        await session.flush()
        assert order.id is not None
        for code, count, per in spec.granted:
            session.add(GrantedService(order_id=order.id, code=code, count=count, per=per))
        plan = CarePlan(
            client_id=client.id,
            order_id=order.id,
            status=PlanStatus.SIGNED,
            created_on=order.valid_from,
            signed_on=order.valid_from + timedelta(days=9),
            valid_from=order.valid_from,
        )
        session.add(plan)
        await session.flush()
        assert plan.id is not None
        for slot in spec.slots:
            for weekday in slot.weekdays:
                session.add(
                    PlanSlot(
                        care_plan_id=plan.id,
                        weekday=weekday,
                        start_local=slot.at,
                        duration_minutes=slot.minutes,
                        services=list(slot.services),
                        how=slot.how,
                        staff_id=staff[spec.contact].id,
                    )
                )
        session.add(
            ChatAccount(
                telegram_user_id=DEMO_ACCOUNTS[spec.key],
                chat_id=DEMO_ACCOUNTS[spec.key],
                locale=spec.language,
                notify_level=spec.notify_level,
                client_id=client.id,
                linked_at=now,
            )
        )
    # A revised plan for Gösta has waited more than 15 days for a signature (follow-up).
    gosta = clients["gosta"]
    gosta_order = (await session.exec(select(Order).where(Order.client_id == gosta.id))).one()
    session.add(
        CarePlan(
            client_id=gosta.id or 0,
            order_id=gosta_order.id or 0,
            status=PlanStatus.DRAFT,
            created_on=today - timedelta(days=20),
            valid_from=today + timedelta(days=7),
        )
    )
    lisa = clients["lisa"]
    eva = Relative(first_name="Eva", last_name="Andersson")
    session.add(eva)
    await session.flush()
    session.add(
        RelativeLink(
            relative_id=eva.id or 0,
            client_id=lisa.id or 0,
            scopes=list(Scope),  # Lisa's daughter: the visits, requests, and the notes
            granted_at=now - timedelta(days=20),
        )
    )
    session.add(
        ChatAccount(
            telegram_user_id=DEMO_ACCOUNTS["eva"],
            chat_id=DEMO_ACCOUNTS["eva"],
            locale="sv",
            relative_id=eva.id,
            linked_at=now,
        )
    )
    for key in ("anna", "maria", "erik", "karin", "ahmed", "helena"):
        session.add(
            ChatAccount(
                telegram_user_id=DEMO_ACCOUNTS[key],
                chat_id=DEMO_ACCOUNTS[key],
                locale="sv",
                staff_id=staff[key].id,
                linked_at=now,
            )
        )
    await session.flush()

    # History from the month's start; in a month's first week from the month before too, so
    # that on the 1st the demo still has carers the client knows and a month to follow up.
    history_start = (
        month_start if today.day > 7 else (month_start - timedelta(days=1)).replace(day=1)
    )
    await generate_visits(session, start=history_start, end=today + timedelta(days=14))
    await _perform_history(session, now=now, month_start=month_start, staff=staff)
    await session.flush()


async def _perform_history(
    session: AsyncSession, *, now: datetime, month_start: date, staff: dict[str, Staff]
) -> None:
    past = (
        await session.exec(
            select(Visit)
            .where(col(Visit.planned_start) < now - timedelta(hours=1))
            .order_by(col(Visit.planned_start), col(Visit.id))
        )
    ).all()
    for index, visit in enumerate(past):
        performed = _performed(visit, index)
        if performed is None:
            visit.status = VisitStatus.CANCELLED
            visit.deviation_reason = DeviationReason.CLIENT_DECLINED
        else:
            visit.actual_start, visit.actual_end = performed
            visit.status = VisitStatus.DONE
        if index % 17 == 3:
            # Weekend cover by a colleague, so some upcoming visits are "someone new".
            visit.staff_id = staff["maria"].id
        session.add(visit)
    # Someone the client has never met is coming later this week (the dignity guarantee).
    upcoming = (
        await session.exec(
            select(Visit)
            .where(col(Visit.planned_start) > now + timedelta(days=1))
            .order_by(col(Visit.planned_start), col(Visit.id))
            .limit(1)
        )
    ).first()
    if upcoming is not None:
        upcoming.staff_id = staff["ahmed"].id
        session.add(upcoming)
    del month_start
