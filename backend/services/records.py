"""The unit's records: clients, the assessor's orders, staff, absences and the unit itself.

Who may do what is decided here (and in ``access``), so the web pages and any API use the
same rules: every staff member of the unit reads; planners and managers keep the records;
managers alone keep staff and the unit's settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.errors import Conflict, Forbidden, InvalidInput, NotFound
from backend.models import (
    CarePlan,
    ChatAccount,
    Client,
    GrantedService,
    Order,
    Relative,
    RelativeLink,
    Scope,
    Staff,
    StaffAbsence,
    StaffRole,
    Unit,
    Visit,
)
from backend.services import access, audit
from backend.services.access import Actor
from contract import LANGUAGES, ErrorCode, FrequencyUnit, Period, ServiceCode, VisitStatus

KEEPERS = (StaffRole.PLANNER, StaffRole.MANAGER)
PERSONAL_NUMBER = re.compile(r"^(\d{2})?(\d{6})[-+]?(\d{4})$")


def require_keeper(actor: Actor) -> Staff:
    """Planners and managers keep the unit's records."""
    staff = access.require_staff(actor)
    if staff.role not in KEEPERS:
        raise Forbidden(ErrorCode.PLANNER_ONLY)
    return staff


def require_manager(actor: Actor) -> Staff:
    staff = access.require_staff(actor)
    if staff.role is not StaffRole.MANAGER:
        raise Forbidden(ErrorCode.MANAGER_ONLY)
    return staff


# --- personal identity numbers --------------------------------------------------------------


def normalize_personal_number(text: str) -> str:
    """YYYYMMDD-NNNN from the usual ways of writing it; the check digit must add up (Luhn).
    Raises ValueError for anything else."""
    match = PERSONAL_NUMBER.match(text.strip().replace(" ", ""))
    if match is None:
        raise ValueError("not a personal identity number")
    century, birth, tail = match.groups()
    digits = birth + tail
    total = 0
    for index, char in enumerate(digits[:9]):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    if (10 - total % 10) % 10 != int(digits[9]):
        raise ValueError("check digit")
    if century is None:
        century = "19" if text.strip()[6:7] == "+" else "20"
        if century == "20" and int("20" + birth[:2]) > date.today().year:  # noqa: DTZ011
            century = "19"
    full = century + birth
    try:
        date(int(full[:4]), int(full[4:6]), int(full[6:8]) % 60)  # samordningsnummer: day + 60
    except ValueError:
        raise ValueError("no such date") from None
    return f"{full}-{tail}"


def masked(personal_number: str | None) -> str:
    """For lists: the birth date only, the last four digits hidden."""
    if not personal_number:
        return ""
    return personal_number[:8] + "-****"


# --- clients --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientFields:
    first_name: str
    last_name: str
    personal_number: str | None
    address_area: str
    preferred_language: str
    contact_person_id: int | None
    deputy_id: int | None


async def _own_staff(session: AsyncSession, unit_id: int, staff_id: int | None) -> None:
    if staff_id is None:
        return
    staff = await session.get(Staff, staff_id)
    # An assessor is never a client's contact person or deputy: they decide nothing here.
    if (
        staff is None
        or staff.unit_id != unit_id
        or not staff.active
        or staff.role is StaffRole.ASSESSOR
    ):
        raise InvalidInput(ErrorCode.STAFF_NOT_FOUND, staff_id=staff_id)


async def _check_client(session: AsyncSession, unit_id: int, fields: ClientFields) -> None:
    if fields.preferred_language not in LANGUAGES:
        raise InvalidInput(ErrorCode.UNSUPPORTED_LOCALE, supported=",".join(LANGUAGES))
    await _own_staff(session, unit_id, fields.contact_person_id)
    await _own_staff(session, unit_id, fields.deputy_id)


async def create_client(session: AsyncSession, *, actor: Actor, fields: ClientFields) -> Client:
    staff = require_keeper(actor)
    await _check_client(session, staff.unit_id, fields)
    client = Client(unit_id=staff.unit_id, **fields.__dict__)
    session.add(client)
    await session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="client.create",
        entity="client",
        entity_id=client.id,
        client_id=client.id,
    )
    return client


async def update_client(
    session: AsyncSession, *, actor: Actor, client_id: int, fields: ClientFields
) -> Client:
    require_keeper(actor)
    client = await access.client_record(session, actor, client_id, read="client")
    await _check_client(session, client.unit_id, fields)
    changed = [name for name, value in fields.__dict__.items() if getattr(client, name) != value]
    for name, value in fields.__dict__.items():
        setattr(client, name, value)
    session.add(client)
    audit.record(
        session,
        actor=actor.label,
        action="client.update",
        entity="client",
        entity_id=client.id,
        client_id=client.id,
        fields=changed,  # which fields, never their values
    )
    return client


async def end_care(
    session: AsyncSession, *, actor: Actor, client_id: int, last_day: date
) -> Client:
    """Care ends after ``last_day``: no visits are made after it and those still planned are
    cancelled (the client and any request about them can see why); history is kept."""
    require_keeper(actor)
    client = await access.client_record(session, actor, client_id, read="client")
    client.care_ended_on = last_day
    session.add(client)
    later = list(
        (
            await session.exec(
                select(Visit)
                .where(Visit.client_id == client_id)
                .where(Visit.day > last_day)
                .where(Visit.status == VisitStatus.PLANNED)
            )
        ).all()
    )
    for visit in later:
        visit.status = VisitStatus.CANCELLED
        visit.version += 1
        session.add(visit)
    audit.record(
        session,
        actor=actor.label,
        action="client.end_care",
        entity="client",
        entity_id=client_id,
        client_id=client_id,
        last_day=last_day.isoformat(),
        visits_cancelled=len(later),
    )
    return client


async def resume_care(session: AsyncSession, *, actor: Actor, client_id: int) -> Client:
    require_keeper(actor)
    client = await access.client_record(session, actor, client_id, read="client")
    client.care_ended_on = None
    session.add(client)
    audit.record(
        session,
        actor=actor.label,
        action="client.resume_care",
        entity="client",
        entity_id=client_id,
        client_id=client_id,
    )
    return client


@dataclass(frozen=True)
class ClientRow:
    client: Client
    contact_person: Staff | None
    deputy: Staff | None

    @property
    def needs_new_contact(self) -> bool:
        """Flagged for re-assignment: no contact person, or one who has left."""
        return self.contact_person is None or not self.contact_person.active


async def unit_clients(
    session: AsyncSession, *, actor: Actor, include_ended: bool = False
) -> list[ClientRow]:
    """The unit's clients by name (the list itself is not a read of anyone's record)."""
    staff = access.require_staff(actor)
    query = select(Client).where(Client.unit_id == staff.unit_id)
    if not include_ended:
        query = query.where(col(Client.care_ended_on).is_(None))
    clients = list(
        (await session.exec(query.order_by(col(Client.last_name), col(Client.first_name)))).all()
    )
    people = {s.id: s for s in await unit_staff(session, actor=actor, include_left=True)}
    return [
        ClientRow(
            c,
            people.get(c.contact_person_id) if c.contact_person_id else None,
            people.get(c.deputy_id) if c.deputy_id else None,
        )
        for c in clients
    ]


def consent_labels(link: RelativeLink) -> list[Scope]:
    """What a relative's consent lets them do, as the scopes granted, in a fixed order."""
    return [scope for scope in Scope if scope in link.scopes]


@dataclass(frozen=True)
class LinkedPerson:
    kind: str  # client | relative
    first_name: str
    linked_at: datetime
    scopes: list[Scope]


async def linked_people(session: AsyncSession, *, client: Client) -> list[LinkedPerson]:
    """Who follows the client in the bot: the client's own account and relatives who have
    the client's consent (revoked consent is not listed)."""
    people: list[LinkedPerson] = []
    own = await session.exec(select(ChatAccount).where(ChatAccount.client_id == client.id))
    for account in own.all():
        people.append(LinkedPerson("client", client.first_name, account.linked_at, []))
    links = await session.exec(
        select(RelativeLink, Relative.first_name)
        .join(Relative, col(Relative.id) == RelativeLink.relative_id)
        .where(RelativeLink.client_id == client.id)
        .where(col(RelativeLink.revoked_at).is_(None))
        .order_by(col(RelativeLink.granted_at))
    )
    for link, name in links.all():
        people.append(LinkedPerson("relative", name, link.granted_at, consent_labels(link)))
    return people


# --- orders (the frame) ---------------------------------------------------------------------


@dataclass(frozen=True)
class GrantedFields:
    code: ServiceCode
    count: int
    per: FrequencyUnit


@dataclass(frozen=True)
class OrderFields:
    needs: str
    purpose: str
    period: Period
    frame_minutes: int
    valid_from: date
    valid_to: date | None
    decided_on: date
    services: tuple[GrantedFields, ...]
    assessor_staff_id: int | None = None  # who granted it: reads the changed needs


async def add_order(
    session: AsyncSession, *, actor: Actor, client_id: int, fields: OrderFields
) -> Order:
    """Enter the assessor's order. It replaces the order in force from its start: the one
    before ends the day before (history is kept); orders starting later are refused."""
    require_keeper(actor)
    client = await access.client_record(session, actor, client_id, read="client")
    if client.care_ended_on is not None:
        raise Conflict(ErrorCode.CARE_ENDED)
    if fields.valid_to is not None and fields.valid_to < fields.valid_from:
        raise InvalidInput(ErrorCode.BAD_DATE_RANGE)
    if not fields.services:
        raise InvalidInput(ErrorCode.MISSING_FIELDS, fields=["services"])
    if fields.assessor_staff_id is not None:
        assessor = await session.get(Staff, fields.assessor_staff_id)
        if assessor is None or assessor.role is not StaffRole.ASSESSOR:
            raise InvalidInput(ErrorCode.INVALID_REQUEST, fields=["assessor_staff_id"])
    earlier = list(
        (
            await session.exec(
                select(Order)
                .where(Order.client_id == client_id)
                .order_by(col(Order.valid_from).desc())
            )
        ).all()
    )
    if earlier and earlier[0].valid_from >= fields.valid_from:
        raise Conflict(ErrorCode.BAD_DATE_RANGE, latest_from=earlier[0].valid_from.isoformat())
    for old in earlier:
        if old.valid_to is None or old.valid_to >= fields.valid_from:
            old.valid_to = fields.valid_from - timedelta(days=1)
            session.add(old)
    order = Order(
        client_id=client_id,
        needs=fields.needs,
        purpose=fields.purpose,
        period=fields.period,
        frame_minutes=fields.frame_minutes,
        valid_from=fields.valid_from,
        valid_to=fields.valid_to,
        decided_on=fields.decided_on,
        assessor_staff_id=fields.assessor_staff_id,
    )
    session.add(order)
    await session.flush()
    for service in fields.services:
        session.add(
            GrantedService(
                order_id=order.id or 0, code=service.code, count=service.count, per=service.per
            )
        )
    await session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="order.create",
        entity="order",
        entity_id=order.id,
        client_id=client_id,
        frame_minutes=fields.frame_minutes,
        period=fields.period.value,
    )
    return order


@dataclass(frozen=True)
class OrderView:
    order: Order
    services: list[GrantedService]


async def client_orders(session: AsyncSession, *, client_id: int) -> list[OrderView]:
    """Every order of a client, newest first, with its granted services (2 queries)."""
    orders = list(
        (
            await session.exec(
                select(Order)
                .where(Order.client_id == client_id)
                .order_by(col(Order.valid_from).desc())
            )
        ).all()
    )
    granted = list(
        (
            await session.exec(
                select(GrantedService)
                .where(col(GrantedService.order_id).in_([o.id for o in orders]))
                .order_by(col(GrantedService.id))
            )
        ).all()
    )
    return [OrderView(o, [g for g in granted if g.order_id == o.id]) for o in orders]


# --- staff and absences ---------------------------------------------------------------------


async def unit_staff(
    session: AsyncSession, *, actor: Actor, include_left: bool = False
) -> list[Staff]:
    staff = access.require_staff(actor)
    query = select(Staff).where(Staff.unit_id == staff.unit_id)
    if not include_left:
        query = query.where(col(Staff.active).is_(True))
    return list(
        (await session.exec(query.order_by(col(Staff.first_name), col(Staff.last_name)))).all()
    )


@dataclass(frozen=True)
class StaffFields:
    first_name: str
    last_name: str
    role: StaffRole
    email: str | None


async def _email_free(session: AsyncSession, email: str | None, staff_id: int | None) -> None:
    if email is None:
        return
    other = (await session.exec(select(Staff).where(col(Staff.email) == email))).first()
    if other is not None and other.id != staff_id:
        raise Conflict(ErrorCode.EMAIL_TAKEN)


async def create_staff(session: AsyncSession, *, actor: Actor, fields: StaffFields) -> Staff:
    manager = require_manager(actor)
    await _email_free(session, fields.email, None)
    staff = Staff(unit_id=manager.unit_id, **fields.__dict__)
    session.add(staff)
    await session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="staff.create",
        entity="staff",
        entity_id=staff.id,
        role=fields.role.value,
    )
    return staff


async def staff_in_unit(session: AsyncSession, *, actor: Actor, staff_id: int) -> Staff:
    me = access.require_staff(actor)
    staff = await session.get(Staff, staff_id)
    if staff is None or staff.unit_id != me.unit_id:
        raise NotFound(ErrorCode.STAFF_NOT_FOUND)
    return staff


async def update_staff(
    session: AsyncSession, *, actor: Actor, staff_id: int, fields: StaffFields
) -> Staff:
    require_manager(actor)
    staff = await staff_in_unit(session, actor=actor, staff_id=staff_id)
    await _email_free(session, fields.email, staff_id)
    for name, value in fields.__dict__.items():
        setattr(staff, name, value)
    session.add(staff)
    audit.record(
        session,
        actor=actor.label,
        action="staff.update",
        entity="staff",
        entity_id=staff_id,
        role=fields.role.value,
    )
    return staff


async def absences(
    session: AsyncSession, *, actor: Actor, staff_id: int, today: date
) -> list[StaffAbsence]:
    """Absences that have not ended, soonest first."""
    await staff_in_unit(session, actor=actor, staff_id=staff_id)
    return list(
        (
            await session.exec(
                select(StaffAbsence)
                .where(StaffAbsence.staff_id == staff_id)
                .where(StaffAbsence.ends_on >= today)
                .order_by(col(StaffAbsence.starts_on))
            )
        ).all()
    )


async def add_absence(
    session: AsyncSession, *, actor: Actor, staff_id: int, starts_on: date, ends_on: date
) -> StaffAbsence:
    """While away, requests go to the deputy, or to the planners (``routing``)."""
    require_keeper(actor)
    await staff_in_unit(session, actor=actor, staff_id=staff_id)
    if ends_on < starts_on:
        raise InvalidInput(ErrorCode.BAD_DATE_RANGE)
    absence = StaffAbsence(staff_id=staff_id, starts_on=starts_on, ends_on=ends_on)
    session.add(absence)
    await session.flush()
    audit.record(
        session, actor=actor.label, action="absence.add", entity="staff", entity_id=staff_id
    )
    return absence


async def remove_absence(
    session: AsyncSession, *, actor: Actor, staff_id: int, absence_id: int
) -> None:
    require_keeper(actor)
    await staff_in_unit(session, actor=actor, staff_id=staff_id)
    await session.exec(
        delete(StaffAbsence)
        .where(col(StaffAbsence.id) == absence_id)
        .where(col(StaffAbsence.staff_id) == staff_id)
    )
    audit.record(
        session, actor=actor.label, action="absence.remove", entity="staff", entity_id=staff_id
    )


# --- the unit -------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitFields:
    name: str
    phone: str
    service_start: time
    service_end: time
    notice_minutes: int
    late_window_minutes: int


async def own_unit(session: AsyncSession, *, actor: Actor) -> Unit:
    staff = access.require_staff(actor)
    unit = await session.get(Unit, staff.unit_id)
    if unit is None:
        raise NotFound(ErrorCode.UNIT_NOT_FOUND)
    return unit


async def update_unit(session: AsyncSession, *, actor: Actor, fields: UnitFields) -> Unit:
    require_manager(actor)
    if fields.service_end <= fields.service_start:
        raise InvalidInput(ErrorCode.BAD_DATE_RANGE)
    unit = await own_unit(session, actor=actor)
    for name, value in fields.__dict__.items():
        setattr(unit, name, value)
    session.add(unit)
    audit.record(
        session, actor=actor.label, action="unit.update", entity="unit", entity_id=unit.id
    )
    return unit


async def plans_of(session: AsyncSession, *, client_id: int) -> list[CarePlan]:
    return list(
        (
            await session.exec(
                select(CarePlan)
                .where(CarePlan.client_id == client_id)
                .order_by(col(CarePlan.version).desc(), col(CarePlan.id).desc())
            )
        ).all()
    )
