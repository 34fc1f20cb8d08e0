"""A city-sized data set for the benchmarks, built with the project's own migrations.

    .venv/bin/python -m benchmarks.city [--scale 0.1] [--db sqlite|postgres] [--seed 13]

The full city (``--scale 1``) is 200 home-care units with 20 000 clients and 2 600 staff
(a manager, two planners and ten carers per unit), a signed weekly plan per client of one to
six visits a day (a few also a weekly shower or cleaning), and the visits of a month of
history, today and two weeks ahead: about 2.8 million. A quarter of the clients have a
relative with consent; every client, relative and staff member has a linked chat account.
About 2 % of clients have a wish waiting for their contact person, and one contact person
(``City.busy_contact``) has ``--pending`` of them (500 by default): the queue benchmark's.

The schema comes from Alembic (``backend.db.migrate``); the rows are written in bulk, with
the column types' own bind processors so that the application reads back exactly what it
would have written: ``COPY`` on PostgreSQL (asyncpg), ``executemany`` on SQLite. Everything
is deterministic for a seed, a scale and a day. A data set whose parameters match is reused;
each benchmark run works on a copy of it (``working_copy``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import shutil
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, make_url
from sqlmodel import SQLModel

from backend import models  # noqa: F401 - registers the tables in SQLModel.metadata
from backend.db import migrate
from benchmarks.common import Options, figure, heading, options, parser, stopwatch
from contract import TZ, Change, ChangeKind, VisitBefore

GENERATOR_VERSION = 1  # bump when the shape of the data changes: old data sets are rebuilt

UNITS = 200
CLIENTS_PER_UNIT = 100
CARERS_PER_UNIT = 10  # + one manager and two planners: 13 staff a unit, 2 600 in the city
HISTORY_DAYS = 30
AHEAD_DAYS = 14
RELATIVE_SHARE = 0.25
WAITING_SHARE = 0.02

# Telegram user ids of the chat accounts: an offset per kind of person plus the row id.
CLIENT_USER = 10_000_000
STAFF_USER = 20_000_000
RELATIVE_USER = 30_000_000

FIRST_NAMES = [
    "Lisa",
    "Gösta",
    "Aino",
    "Samira",
    "Karl",
    "Birgitta",
    "Ingrid",
    "Sven",
    "Margareta",
    "Lars",
    "Kerstin",
    "Bengt",
    "Maj",
    "Olle",
    "Elsa",
    "Rune",
    "Gun",
    "Pirjo",
    "Matti",
    "Fatima",
    "Ali",
    "Yusuf",
    "Layla",
    "Anneli",
    "Tore",
    "Berit",
    "Ulla",
    "Göran",
    "Sirkka",
    "Eino",
]
LAST_NAMES = [
    "Andersson",
    "Nilsson",
    "Korhonen",
    "Haddad",
    "Johansson",
    "Karlsson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Virtanen",
    "Mäkinen",
    "Hassan",
    "Ali",
    "Lindqvist",
    "Berg",
    "Holm",
    "Ek",
    "Lund",
]
AREAS = [
    "Södermalm",
    "Hornstull",
    "Skärholmen",
    "Rinkeby",
    "Vasastan",
    "Kungsholmen",
    "Bagarmossen",
    "Farsta",
]
LANGUAGES = (("sv", 70), ("fi", 10), ("ar", 10), ("en", 10))
DAILY_COUNTS = ((1, 15), (2, 20), (3, 25), (4, 25), (5, 10), (6, 5))
# Visit times of the day, in order; a client with n visits a day gets n of them.
DAY_TIMES = (time(7, 30), time(12, 0), time(17, 0), time(9, 0), time(15, 0), time(20, 30))
DAILY_SERVICES = ("meal", "dressing", "supervision", "hygiene", "company")
WEEKLY = (("shower", time(10, 30), 45), ("cleaning", time(13, 30), 60), ("walk", time(14, 0), 45))


@dataclass(frozen=True)
class City:
    """What a benchmark needs to know about a data set."""

    key: str
    scale: float
    seed: int
    today: date
    generated_at: datetime
    units: int
    clients: int
    staff: int
    visits: int
    busy_contact: int  # staff id of the contact person with the long queue
    pending_for_busy: int
    seconds: float  # how long generating it took

    @staticmethod
    def client_user(client_id: int) -> int:
        return CLIENT_USER + client_id

    @staticmethod
    def staff_user(staff_id: int) -> int:
        return STAFF_USER + staff_id

    @staticmethod
    def relative_user(relative_id: int) -> int:
        return RELATIVE_USER + relative_id


def weighted(rng: random.Random, table: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=TZ).astimezone(UTC)


class Rows:
    """The city's rows per table, as dicts of column values (model types: enums, dates)."""

    def __init__(self) -> None:
        self.tables: dict[str, list[dict[str, Any]]] = {}

    def add(self, table: str, **row: Any) -> int:
        rows = self.tables.setdefault(table, [])
        row.setdefault("id", len(rows) + 1)
        rows.append(row)
        return int(row["id"])


def build(scale: float, seed: int, now: datetime, pending: int) -> tuple[Rows, int, int]:
    """All rows but the visits (those are streamed: see ``visits``); returns the rows, the
    busy contact person's id and the number of units."""
    from backend.models import PlanStatus
    from contract import (
        Assignee,
        FrequencyUnit,
        NotifyLevel,
        Outcome,
        Period,
        RequestStatus,
        Scope,
        StaffRole,
    )

    rng = random.Random(seed)
    today = now.astimezone(TZ).date()
    rows = Rows()
    n_units = max(1, round(UNITS * scale))
    n_clients = max(CLIENTS_PER_UNIT // 10, round(UNITS * CLIENTS_PER_UNIT * scale))
    plan_from = today - timedelta(days=HISTORY_DAYS + 60)
    carers_of: dict[int, list[int]] = {}
    for u in range(1, n_units + 1):
        rows.add(
            "unit",
            name=f"Hemtjänst {AREAS[u % len(AREAS)]} {u}",
            municipality="Stockholm",
            notice_minutes=180,
            service_start=time(7, 0),
            service_end=time(22, 0),
            late_window_minutes=30,
            escalate_near_minutes=120,
            escalate_far_minutes=1440,
            phone="08-508 000 00",
        )
        roles = [StaffRole.MANAGER] + [StaffRole.PLANNER] * 2
        roles += [StaffRole.CARER] * CARERS_PER_UNIT
        for role in roles:
            sid = rows.add(
                "staff",
                unit_id=u,
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                role=role,
                active=True,
            )
            if role is StaffRole.CARER:
                carers_of.setdefault(u, []).append(sid)
            rows.add(
                "chataccount",
                telegram_user_id=STAFF_USER + sid,
                chat_id=STAFF_USER + sid,
                locale="sv",
                notify_level=NotifyLevel.ALL,
                client_id=None,
                relative_id=None,
                staff_id=sid,
                linked_at=now - timedelta(days=90),
                blocked_at=None,
            )
    busy_contact = carers_of[1][0]
    client_account: dict[int, int] = {}
    slot_rows: list[dict[str, Any]] = []
    for c in range(1, n_clients + 1):
        u = (c - 1) % n_units + 1
        carers = carers_of[u]
        contact = carers[((c - 1) // n_units) % len(carers)]
        deputy = carers[(carers.index(contact) + 1) % len(carers)]
        language = weighted(rng, LANGUAGES)
        rows.add(
            "client",
            unit_id=u,
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            personal_number=None,
            address_area=rng.choice(AREAS),
            preferred_language=language,
            contact_person_id=contact,
            deputy_id=deputy,
        )
        per_day = weighted(rng, DAILY_COUNTS)
        times = sorted(DAY_TIMES[:per_day])
        daily = []
        for at in times:
            services = sorted(rng.sample(DAILY_SERVICES, rng.choice((1, 1, 2))))
            daily.append((at, rng.choice((15, 20, 25, 30, 45)), services))
        weekly = []
        if rng.random() < 0.5:
            code, at, minutes = rng.choice(WEEKLY)
            weekly.append((rng.randrange(7), at, minutes, [code]))
        week_minutes = 7 * sum(m for _, m, _ in daily) + sum(w[2] for w in weekly)
        period = Period.WEEK if rng.random() < 0.1 else Period.MONTH
        planned = week_minutes if period is Period.WEEK else week_minutes * 31 / 7
        frame = int(-(-planned * 1.15 // 60) * 60)  # 15 % room, whole hours
        oid = rows.add(
            "order",
            client_id=c,
            needs="",
            purpose="",
            period=period,
            frame_minutes=frame,
            valid_from=plan_from,
            valid_to=None,
            decided_on=plan_from - timedelta(days=2),
            followed_up_on=plan_from + timedelta(days=60),
        )
        per_service: dict[str, int] = {}
        for _, _, services in daily:
            for code in services:
                per_service[code] = per_service.get(code, 0) + 1
        for code, count in sorted(per_service.items()):
            rows.add("grantedservice", order_id=oid, code=code, count=count, per=FrequencyUnit.DAY)
        for _, _, _, codes in weekly:
            rows.add(
                "grantedservice", order_id=oid, code=codes[0], count=1, per=FrequencyUnit.WEEK
            )
        pid = rows.add(
            "careplan",
            client_id=c,
            order_id=oid,
            status=PlanStatus.SIGNED,
            created_on=plan_from,
            signed_on=plan_from + timedelta(days=9),
            valid_from=plan_from,
            version=1,
            client_took_part=True,
        )
        for weekday in range(7):
            for at, minutes, services in daily:
                staff = contact if rng.random() < 0.7 else rng.choice(carers)
                slot_rows.append(
                    dict(
                        care_plan_id=pid,
                        weekday=weekday,
                        start_local=at,
                        duration_minutes=minutes,
                        services=services,
                        how="",
                        staff_id=staff,
                    )
                )
        for weekday, at, minutes, codes in weekly:
            slot_rows.append(
                dict(
                    care_plan_id=pid,
                    weekday=weekday,
                    start_local=at,
                    duration_minutes=minutes,
                    services=codes,
                    how="",
                    staff_id=contact,
                )
            )
        client_account[c] = rows.add(
            "chataccount",
            telegram_user_id=CLIENT_USER + c,
            chat_id=CLIENT_USER + c,
            locale=language,
            notify_level=NotifyLevel.ALL,
            client_id=c,
            relative_id=None,
            staff_id=None,
            linked_at=now - timedelta(days=60),
            blocked_at=None,
        )
        if rng.random() < RELATIVE_SHARE:
            rid = rows.add("relative", first_name=rng.choice(FIRST_NAMES), last_name="")
            rows.add(
                "relativelink",
                relative_id=rid,
                client_id=c,
                scopes=[Scope.VISITS, Scope.REQUESTS],
                granted_at=now - timedelta(days=30),
                revoked_at=None,
            )
            rows.add(
                "chataccount",
                telegram_user_id=RELATIVE_USER + rid,
                chat_id=RELATIVE_USER + rid,
                locale="sv",
                notify_level=NotifyLevel.CHANGES,
                client_id=None,
                relative_id=rid,
                staff_id=None,
                linked_at=now - timedelta(days=30),
                blocked_at=None,
            )
    for slot in slot_rows:
        rows.add("planslot", **slot)

    # Waiting wishes: a few across the city, and a long queue for one contact person. Each
    # moves a planned visit of the coming days 30 minutes later, kept as the bot sends it.
    busy_clients = [
        r["id"] for r in rows.tables["client"] if r["contact_person_id"] == busy_contact
    ]
    waiting = [(c, 1) for c in rng.sample(range(1, n_clients + 1), int(n_clients * WAITING_SHARE))]
    share, rest = divmod(pending, len(busy_clients))
    waiting += [(c, share + (i < rest)) for i, c in enumerate(busy_clients)]
    plans = {r["client_id"]: r["id"] for r in rows.tables["careplan"]}
    slots_of: dict[int, list[dict[str, Any]]] = {}
    for slot in rows.tables["planslot"]:
        slots_of.setdefault(slot["care_plan_id"], []).append(slot)
    contact_of = {r["id"]: r["contact_person_id"] for r in rows.tables["client"]}
    wish_visits: list[tuple[int, int, date]] = []  # (client, slot id, day)
    for c, count in waiting:
        for n in range(count):
            day = today + timedelta(days=1 + n % AHEAD_DAYS)
            todays = [s for s in slots_of[plans[c]] if s["weekday"] == day.weekday()]
            slot = todays[(n // AHEAD_DAYS) % len(todays)]
            wish_visits.append((c, slot["id"], day))
    rows.tables["_wishes"] = [
        {"client_id": c, "slot_id": s, "day": d, "contact": contact_of[c], "n": i}
        for i, (c, s, d) in enumerate(wish_visits)
    ]
    for i, (c, _slot, _day) in enumerate(wish_visits):
        rows.add(
            "changerequest",
            idempotency_key=f"bench-{seed}-{i:07d}",
            client_id=c,
            visit_id=None,  # filled in once the visits are numbered
            kind=ChangeKind.MOVE,
            starts_at=None,
            change=None,
            before=None,
            note="",
            requested_by_chat_account_id=client_account[c],
            created_at=now - timedelta(minutes=5 * (len(wish_visits) - i)),
            status=RequestStatus.PENDING,
            outcome=Outcome.WITHIN,
            reasons=[],
            assignee=Assignee.CONTACT_PERSON,
            assigned_staff_id=contact_of[c],
            escalated_at=None,
            decided_by_staff_id=None,
            decided_at=None,
            reject_reason=None,
            reject_text=None,
            version=1,
        )
    return rows, busy_contact, n_units


def visits(rows: Rows, seed: int, now: datetime) -> Iterator[dict[str, Any]]:
    """Every visit of every plan, day by day: performed history, today and two weeks ahead.

    Past visits are done a little off plan (one in twenty declined by the client); one in
    twenty is covered by another carer of the unit (so some upcoming ones are someone new).
    """
    from contract import DeviationReason, VisitStatus

    rng = random.Random(seed * 7919 + 1)
    today = now.astimezone(TZ).date()
    client_of_plan = {p["id"]: p["client_id"] for p in rows.tables["careplan"]}
    unit_of = {c["id"]: c["unit_id"] for c in rows.tables["client"]}
    carers: dict[int, list[int]] = {}
    for s in rows.tables["staff"]:
        if s["role"].name == "CARER":
            carers.setdefault(s["unit_id"], []).append(s["id"])
    slots_by_weekday: list[list[dict[str, Any]]] = [[] for _ in range(7)]
    for slot in rows.tables["planslot"]:
        slots_by_weekday[slot["weekday"]].append(slot)
    vid = 0
    for offset in range(-HISTORY_DAYS, AHEAD_DAYS + 1):
        day = today + timedelta(days=offset)
        for slot in slots_by_weekday[day.weekday()]:
            vid += 1
            client = client_of_plan[slot["care_plan_id"]]
            start = local(day, slot["start_local"])
            minutes = slot["duration_minutes"]
            staff = slot["staff_id"]
            if rng.random() < 0.05:
                staff = rng.choice(carers[unit_of[client]])
            status, actual_start, actual_end, reason = VisitStatus.PLANNED, None, None, None
            if start + timedelta(minutes=minutes) < now - timedelta(hours=1):
                if rng.random() < 0.05:
                    status, reason = VisitStatus.CANCELLED, DeviationReason.CLIENT_DECLINED
                else:
                    status = VisitStatus.DONE
                    actual_start = start + timedelta(minutes=rng.randint(-5, 15))
                    actual_end = actual_start + timedelta(
                        minutes=max(5, minutes + rng.randint(-8, 5))
                    )
            yield {
                "id": vid,
                "client_id": client,
                "plan_slot_id": slot["id"],
                "slot_day": day,
                "day": day,
                "planned_start": start,
                "duration_minutes": minutes,
                "services": slot["services"],
                "declined_services": [],
                "how": "",
                "staff_id": staff,
                "status": status,
                "late_minutes": 0,
                "actual_start": actual_start,
                "actual_end": actual_end,
                "deviation_reason": reason,
                "version": 1,
            }


def fill_wishes(rows: Rows, visit_of: dict[tuple[int, date], dict[str, Any]]) -> None:
    """Point each waiting wish at its visit, with the change and the visit as it was."""
    for wish, request in zip(
        rows.tables.pop("_wishes"), rows.tables["changerequest"], strict=True
    ):
        visit = visit_of[(wish["slot_id"], wish["day"])]
        start = visit["planned_start"]
        request["visit_id"] = visit["id"]
        request["starts_at"] = start
        request["change"] = Change(
            kind=ChangeKind.MOVE, visit_id=visit["id"], new_start=start + timedelta(minutes=30)
        )
        request["before"] = VisitBefore(
            start=start, duration_minutes=visit["duration_minutes"], services=visit["services"]
        )


# --- writing ----------------------------------------------------------------------------------

TABLE_ORDER = (
    "unit",
    "staff",
    "client",
    "relative",
    "relativelink",
    "order",
    "grantedservice",
    "careplan",
    "planslot",
    "chataccount",
    "visit",
    "changerequest",
)


def encoder(
    table: Table, dialect: Dialect
) -> tuple[list[str], Callable[[dict[str, Any]], tuple[Any, ...]]]:
    """The table's columns and a function from a row dict to the values the driver takes,
    through each column type's own bind processor (enums by name, JSON, UTC times)."""
    names = [c.name for c in table.columns]
    procs = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in table.columns]

    def encode(row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(
            p(row.get(n)) if p is not None and row.get(n) is not None else row.get(n)
            for n, p in zip(names, procs, strict=True)
        )

    return names, encode


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def table_rows(rows: Rows, name: str, seed: int, now: datetime) -> Iterable[dict[str, Any]]:
    if name != "visit":
        return rows.tables.get(name, [])
    wanted = {(w["slot_id"], w["day"]) for w in rows.tables["_wishes"]}
    found: dict[tuple[int, date], dict[str, Any]] = {}

    def stream() -> Iterator[dict[str, Any]]:
        for visit in visits(rows, seed, now):
            if (visit["plan_slot_id"], visit["day"]) in wanted:
                found[(visit["plan_slot_id"], visit["day"])] = visit
            yield visit
        fill_wishes(rows, found)

    return stream()


def write_sqlite(path: Path, rows: Rows, seed: int, now: datetime) -> int:
    dialect = sqlite.dialect()
    tables = SQLModel.metadata.tables
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=OFF")
    visits_written = 0
    try:
        for name in TABLE_ORDER:
            names, encode = encoder(tables[name], dialect)
            sql = 'INSERT INTO "{}" ({}) VALUES ({})'.format(
                name, ", ".join(f'"{n}"' for n in names), ", ".join("?" * len(names))
            )
            for batch in chunks(table_rows(rows, name, seed, now), 50_000):
                connection.executemany(sql, [encode(r) for r in batch])
                if name == "visit":
                    visits_written += len(batch)
        connection.execute("ANALYZE")
        connection.commit()
    finally:
        connection.close()
    return visits_written


async def write_postgres(url: str, rows: Rows, seed: int, now: datetime) -> int:
    import asyncpg

    dialect = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]
    tables = SQLModel.metadata.tables
    connection = await asyncpg.connect(plain_url(url))
    visits_written = 0
    try:
        for name in TABLE_ORDER:
            names, encode = encoder(tables[name], dialect)
            for batch in chunks(table_rows(rows, name, seed, now), 100_000):
                await connection.copy_records_to_table(
                    name, records=[encode(r) for r in batch], columns=names
                )
                if name == "visit":
                    visits_written += len(batch)
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                f'coalesce((SELECT max(id) FROM "{name}"), 0) + 1, false)'
            )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return visits_written


def plain_url(url: str) -> str:
    """asyncpg's own form of a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


# --- keeping and copying data sets ------------------------------------------------------------


def alembic_head() -> str:
    from alembic.script import ScriptDirectory

    from backend.db import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or ""


def dataset_key(opts: Options, today: date, pending: int) -> str:
    text = f"v{GENERATOR_VERSION}|{opts.scale:g}|{opts.seed}|{today}|{pending}|{alembic_head()}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


META_TABLE = "bench_city"


async def _postgres_admin(url: str) -> Any:
    import asyncpg

    return await asyncpg.connect(plain_url(with_database(url, "postgres")))


async def _postgres_meta(url: str) -> City | None:
    import asyncpg

    try:
        connection = await asyncpg.connect(plain_url(url))
    except asyncpg.InvalidCatalogNameError:
        return None
    try:
        row = await connection.fetchrow(
            f"SELECT to_regclass('{META_TABLE}') IS NOT NULL AS present"
        )
        if not row["present"]:
            return None
        meta = await connection.fetchval(f"SELECT meta FROM {META_TABLE}")
    finally:
        await connection.close()
    return city_from_json(meta) if meta else None


def city_from_json(text: str) -> City:
    data = json.loads(text)
    data["today"] = date.fromisoformat(data["today"])
    data["generated_at"] = datetime.fromisoformat(data["generated_at"])
    return City(**data)


def city_json(city: City) -> str:
    return json.dumps(asdict(city), default=str)


async def _recreate_postgres(url: str, name: str, template: str | None = None) -> None:
    admin = await _postgres_admin(url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if template is None:
            await admin.execute(f'CREATE DATABASE "{name}"')
        else:
            await admin.execute(
                f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY'
            )
    finally:
        await admin.close()


def kept_url(opts: Options) -> str:
    """The PostgreSQL database that keeps the data set of this scale (one per scale, so that
    a run can compare two scales): ``ramtid_bench`` keeps scale 0.1 as ``ramtid_bench_s0_1``."""
    base = make_url(opts.postgres_url).database
    tag = f"s{opts.scale:g}".replace(".", "_")
    return with_database(opts.postgres_url, f"{base}_{tag}")


def sqlite_path(opts: Options, key: str) -> Path:
    return Path(opts.data_dir) / f"city-{opts.scale:g}-seed{opts.seed}-{key}.db"


def sqlite_meta_path(path: Path) -> Path:
    return path.with_suffix(".json")


async def ensure_city(opts: Options, *, pending: int = 500, quiet: bool = False) -> City:
    """The data set for these options: reused if one matches, else generated."""
    now = datetime.now(UTC)
    key = dataset_key(opts, now.astimezone(TZ).date(), pending)
    if opts.db == "postgres":
        found = await _postgres_meta(kept_url(opts))
        if found is not None and found.key == key:
            return found
    else:
        path = sqlite_path(opts, key)
        if sqlite_meta_path(path).exists() and path.exists():
            return city_from_json(sqlite_meta_path(path).read_text())
    if not quiet:
        print(f"generating the city at scale {opts.scale:g} on {opts.db} (key {key}) ...")
    with stopwatch() as took:
        rows, busy, n_units = build(opts.scale, opts.seed, now, pending)
        if opts.db == "postgres":
            database = make_url(kept_url(opts)).database
            assert database
            await _recreate_postgres(opts.postgres_url, database)
            await asyncio.to_thread(migrate, kept_url(opts))
            written = await write_postgres(kept_url(opts), rows, opts.seed, now)
        else:
            path = sqlite_path(opts, key)
            path.parent.mkdir(parents=True, exist_ok=True)
            for old in path.parent.glob(f"city-{opts.scale:g}-seed{opts.seed}-*"):
                old.unlink()
            await asyncio.to_thread(migrate, f"sqlite+aiosqlite:///{path}")
            written = await asyncio.to_thread(write_sqlite, path, rows, opts.seed, now)
    city = City(
        key=key,
        scale=opts.scale,
        seed=opts.seed,
        today=now.astimezone(TZ).date(),
        generated_at=now,
        units=n_units,
        clients=len(rows.tables["client"]),
        staff=len(rows.tables["staff"]),
        visits=written,
        busy_contact=busy,
        pending_for_busy=pending,
        seconds=took[0],
    )
    if opts.db == "postgres":
        import asyncpg

        connection = await asyncpg.connect(plain_url(kept_url(opts)))
        try:
            await connection.execute(f"CREATE TABLE {META_TABLE} (meta text NOT NULL)")
            await connection.execute(f"INSERT INTO {META_TABLE} VALUES ($1)", city_json(city))
        finally:
            await connection.close()
    else:
        sqlite_meta_path(sqlite_path(opts, key)).write_text(city_json(city))
    return city


@asynccontextmanager
async def working_copy(opts: Options, city: City) -> AsyncIterator[str]:
    """A database URL for one run: a fresh copy of the data set, dropped afterwards."""
    if opts.db == "postgres":
        source = make_url(kept_url(opts)).database
        base = make_url(opts.postgres_url).database
        assert source and base
        name = f"{base}_run"
        await _recreate_postgres(opts.postgres_url, name, template=source)
        try:
            yield with_database(opts.postgres_url, name)
        finally:
            admin = await _postgres_admin(opts.postgres_url)
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await admin.close()
        return
    with tempfile.TemporaryDirectory(dir=opts.data_dir, prefix="run-") as tmp:
        copy = Path(tmp) / "city.db"
        await asyncio.to_thread(shutil.copyfile, sqlite_path(opts, city.key), copy)
        yield f"sqlite+aiosqlite:///{copy}"


async def fetch(database_url: str, sql: str, **params: Any) -> list[Any]:
    """Rows of a read-only query on a working copy (for picking whom a benchmark acts as)."""
    from sqlalchemy import text

    from backend.db import create_engine

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return list((await connection.execute(text(sql), params)).all())
    finally:
        await engine.dispose()


async def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--pending", type=int, default=500, help="the busy contact person's queue")
    args = p.parse_args()
    opts = options(args)
    heading("city", opts)
    city = await ensure_city(opts, pending=args.pending)
    figure("units", city.units, fmt="8d")
    figure("clients", city.clients, fmt="8d")
    figure("staff", city.staff, fmt="8d")
    figure("visits", city.visits, fmt="8d")
    figure("generated in", city.seconds, "s")
    print(f"{'generated at':46s} {city.generated_at:%Y-%m-%d %H:%M} UTC (key {city.key})")


if __name__ == "__main__":
    asyncio.run(main())
