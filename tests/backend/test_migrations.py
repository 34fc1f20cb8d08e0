"""Migration 0002 on a database that already has requests and notifications (SQLite by
default, PostgreSQL when RAMTID_TEST_DATABASE_URL is given): every row is converted to the
contract's shapes, and the way back restores the old columns."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlmodel import select

from backend.db import alembic_config, create_engine, migrate, session_factory
from backend.models import ChangeRequest, Notification
from contract import (
    Change,
    ChangeKind,
    RequestDecided,
    RequestExpired,
    RequestForStaff,
    ServiceCode,
    StaffLate,
    VisitBefore,
)

LUNCH = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)  # 12:00 in Stockholm
EXTRA = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
ASKED = datetime(2026, 11, 23, 7, 40, tzinfo=UTC)


@pytest.fixture
def empty_url(postgres_url: str | None, tmp_path: Path) -> str:
    """A database with no tables at all (PostgreSQL's is put back at head afterwards)."""
    if postgres_url is None:
        return f"sqlite+aiosqlite:///{tmp_path / 'legacy.db'}"

    async def drop() -> None:
        engine = create_engine(postgres_url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()

    asyncio.run(drop())
    return postgres_url


def legacy_rows(conn: Connection) -> None:
    """A unit as 0001 stored it: a moved lunch, a pending extra visit, and notifications."""
    meta = MetaData()
    meta.reflect(conn)
    t = meta.tables
    conn.execute(t["unit"].insert(), [unit(1)])
    conn.execute(t["staff"].insert(), [staff(1, "Anna")])
    conn.execute(
        t["client"].insert(),
        [{"id": 1, "unit_id": 1, "first_name": "Lisa", "last_name": "A", "address_area": "",
          "preferred_language": "sv", "contact_person_id": 1}],
    )  # fmt: skip
    conn.execute(
        t["visit"].insert(),
        [{"id": 1, "client_id": 1, "day": date(2026, 11, 24), "planned_start": LUNCH,
          "duration_minutes": 20, "services": ["meal"], "declined_services": [], "how": "",
          "status": "PLANNED", "late_minutes": 0, "version": 1, "staff_id": 1}],
    )  # fmt: skip
    conn.execute(
        t["chataccount"].insert(),
        [{"id": 1, "telegram_user_id": 1001, "chat_id": 1001, "locale": "sv",
          "notify_level": "ALL", "client_id": 1, "linked_at": ASKED}],
    )  # fmt: skip
    request = {
        "idempotency_key": "", "client_id": 1, "visit_id": None, "new_start": None,
        "new_duration": None, "service": None, "new_service": None, "services": [],
        "note": "", "created_at": ASKED, "status": "PENDING", "outcome": "WITHIN",
        "reasons": [], "assignee": "CONTACT_PERSON", "assigned_staff_id": 1, "version": 1,
        "decided_by_staff_id": None, "reject_reason": None, "reject_text": None,
    }  # fmt: skip
    conn.execute(
        t["changerequest"].insert(),
        [
            {**request, "id": 1, "idempotency_key": "lunch-move", "visit_id": 1,
             "kind": "RESIZE", "new_duration": 35, "status": "REJECTED",
             "decided_by_staff_id": 1, "reject_reason": "NO_STAFF"},
            {**request, "id": 2, "idempotency_key": "extra-walk", "kind": "EXTRA",
             "new_start": EXTRA, "new_duration": 45, "services": ["walk"],
             "reasons": [{"code": "short_notice", "numbers": {"notice_minutes": 180}}]},
        ],
    )  # fmt: skip
    payloads: list[tuple[str, dict[str, Any]]] = [
        ("request_decided", {
            "request_id": 1, "client_id": 1, "client_first_name": "Lisa", "kind": "resize",
            "status": "rejected", "visit_start": LUNCH.isoformat(), "new_start": None,
            "new_duration": 35, "service": None, "new_service": None,
            "reject_reason": "no_staff", "reject_text": None, "decided_by_first_name": "Anna"}),
        ("request_expired", {"request_id": 2, "client_first_name": "Lisa", "kind": "extra",
                             "visit_start": None}),
        ("staff_late", {"visit_id": 1, "visit_start": LUNCH.isoformat(), "late_minutes": 20,
                        "staff_first_name": "Anna", "client_first_name": "Lisa"}),
        ("request_to_decide", {"request_id": 2, "client_first_name": "Lisa"}),
    ]  # fmt: skip
    conn.execute(
        t["notification"].insert(),
        [
            {"chat_account_id": 1, "kind": kind, "urgency": "CHANGE", "payload": payload,
             "created_at": ASKED, "available_at": ASKED, "attempts": 0}
            for kind, payload in payloads
        ],
    )  # fmt: skip


def unit(ident: int) -> dict[str, Any]:
    return {
        "id": ident, "name": "Södermalm", "municipality": "Stockholm", "notice_minutes": 180,
        "service_start": time(7), "service_end": time(22),
        "late_window_minutes": 30, "escalate_near_minutes": 120, "escalate_far_minutes": 1440,
    }  # fmt: skip


def staff(ident: int, first_name: str) -> dict[str, Any]:
    return {"id": ident, "unit_id": 1, "first_name": first_name, "last_name": "B",
            "role": "CARER"}  # fmt: skip


async def on(url: str, work: Any) -> Any:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            return await conn.run_sync(work)
    finally:
        await engine.dispose()


async def converted(url: str) -> tuple[list[ChangeRequest], list[Notification]]:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            requests = (await session.exec(select(ChangeRequest).order_by(ChangeRequest.id))).all()
            notes = (await session.exec(select(Notification).order_by(Notification.id))).all()
            return list(requests), list(notes)
    finally:
        await engine.dispose()


def test_0002_converts_requests_and_notifications_and_back(empty_url: str) -> None:
    config = alembic_config(empty_url)
    command.upgrade(config, "0001")
    asyncio.run(on(empty_url, legacy_rows))
    # Read through today's models, so to the head (later revisions only add columns here).
    command.upgrade(config, "head")

    requests, notes = asyncio.run(converted(empty_url))
    resize, extra = requests
    lunch_before = VisitBefore(
        start=LUNCH, duration_minutes=20, services=(ServiceCode.MEAL,), declined_services=()
    )
    assert resize.change == Change(kind=ChangeKind.RESIZE, visit_id=1, new_duration=35)
    assert resize.before == lunch_before
    assert resize.starts_at == LUNCH
    walk = Change(
        kind=ChangeKind.EXTRA, new_start=EXTRA, new_duration=45, services=(ServiceCode.WALK,)
    )
    assert (extra.change, extra.before, extra.starts_at) == (walk, None, EXTRA)
    assert [r.code for r in extra.reasons] == ["short_notice"]

    decided, expired, late, to_decide = (n.message for n in notes)
    assert decided == RequestDecided(
        request_id=1,
        client_id=1,
        client_first_name="Lisa",
        status="rejected",
        change=resize.change,
        before=lunch_before,
        decided_by_first_name="Anna",
        reject_reason="no_staff",
    )
    assert expired == RequestExpired(
        request_id=2, client_first_name="Lisa", change=walk, before=None
    )
    assert isinstance(late, StaffLate) and late.visit_start == LUNCH and late.late_minutes == 20
    assert to_decide == RequestForStaff(
        kind="request_to_decide", request_id=2, client_first_name="Lisa"
    )
    assert [n.kind for n in notes] == [n.message.kind for n in notes]

    command.downgrade(config, "0001")

    def old_columns(conn: Connection) -> tuple[list[Any], list[Any]]:
        rows = conn.execute(
            text("SELECT new_duration, services, new_start FROM changerequest ORDER BY id")
        ).all()
        payloads = conn.execute(text("SELECT kind, payload FROM notification ORDER BY id")).all()
        return list(rows), list(payloads)

    rows, payloads = asyncio.run(on(empty_url, old_columns))
    assert [row[0] for row in rows] == [35, 45]
    assert payloads[0][0] == "request_decided"
    migrate(empty_url)  # and forward again, as the other tests expect it
    assert len(asyncio.run(converted(empty_url))[0]) == 2


def consent_rows(conn: Connection) -> None:
    """A unit as 0002 stored it: one relative who may see, one who may also ask, an open
    invitation of each scope, staff's audit events and a notification to each kind of person.
    (Rows that later steps add to get their ids from the database, as in life.)"""
    meta = MetaData()
    meta.reflect(conn)
    t = meta.tables
    conn.execute(t["unit"].insert(), [unit(1)])
    conn.execute(t["staff"].insert(), [staff(7, "Anna")])
    conn.execute(
        t["client"].insert(),
        [{"id": 1, "unit_id": 1, "first_name": "Lisa", "last_name": "A", "address_area": "",
          "preferred_language": "sv", "contact_person_id": 7}],
    )  # fmt: skip
    conn.execute(
        t["relative"].insert(),
        [{"first_name": "Eva", "last_name": ""}, {"first_name": "Olle", "last_name": ""}],
    )  # fmt: skip
    conn.execute(
        t["relativelink"].insert(),
        [{"relative_id": 1, "client_id": 1, "scope": "VIEW_REQUEST", "granted_at": ASKED},
         {"relative_id": 2, "client_id": 1, "scope": "VIEW", "granted_at": ASKED}],
    )  # fmt: skip
    invitation = {"kind": "RELATIVE", "client_id": 1, "created_at": ASKED,
                  "expires_at": ASKED.replace(day=30)}  # fmt: skip
    conn.execute(
        t["invitation"].insert(),
        [{**invitation, "id": 1, "code": "ABCD2345", "scope": "VIEW"},
         {**invitation, "id": 2, "code": "EFGH6789", "scope": "VIEW_REQUEST"},
         {**invitation, "id": 3, "code": "JKMN2345", "kind": "CLIENT", "scope": None}],
    )  # fmt: skip
    conn.execute(
        t["auditevent"].insert(),
        [{"at": ASKED, "actor": "staff:7", "action": "client.read", "entity": "client",
          "entity_id": 1, "client_id": 1, "details": {}},
         {"at": ASKED, "actor": "chat:1", "action": "request.submit",
          "entity": "change_request", "entity_id": 1, "client_id": 1, "details": {}}],
    )  # fmt: skip
    conn.execute(
        t["chataccount"].insert(),
        [{"telegram_user_id": 1001, "chat_id": 1001, "locale": "sv",
          "notify_level": "ALL", "client_id": 1, "staff_id": None, "linked_at": ASKED},
         {"telegram_user_id": 2001, "chat_id": 2001, "locale": "sv",
          "notify_level": "ALL", "client_id": None, "staff_id": 7, "linked_at": ASKED}],
    )  # fmt: skip
    message = {"kind": "request_to_decide", "request_id": 1, "client_first_name": "Lisa"}
    conn.execute(
        t["notification"].insert(),
        [{"chat_account_id": account, "kind": "request_to_decide", "urgency": "CHANGE",
          "message": message, "created_at": ASKED, "available_at": ASKED, "attempts": 0}
         for account in (1, 2)],
    )  # fmt: skip


def test_0003_gives_links_scopes_hashes_codes_and_names_staff_and_back(empty_url: str) -> None:
    config = alembic_config(empty_url)
    command.upgrade(config, "0002")
    asyncio.run(on(empty_url, consent_rows))
    command.upgrade(config, "0003")

    def read(conn: Connection) -> dict[str, list[Any]]:
        return {
            name: list(conn.execute(text(sql)).all())
            for name, sql in {
                "links": "SELECT id, scopes FROM relativelink ORDER BY id",
                "invitations": "SELECT id, code_hash, scopes FROM invitation ORDER BY id",
                "audit": "SELECT id, staff_id FROM auditevent ORDER BY id",
                "notifications": "SELECT chat_account_id, client_id, unit_id FROM notification"
                " ORDER BY id",
            }.items()
        }

    after = asyncio.run(on(empty_url, read))
    scopes = {row[0]: _json(row[1]) for row in after["links"]}
    assert scopes == {1: ["visits", "requests"], 2: ["visits"]}  # nobody is given the notes
    invitations = {row[0]: (row[1], _json(row[2])) for row in after["invitations"]}
    assert invitations == {
        1: (hashlib.sha256(b"ABCD2345").hexdigest(), ["visits"]),
        2: (hashlib.sha256(b"EFGH6789").hexdigest(), ["visits", "requests"]),
        3: (hashlib.sha256(b"JKMN2345").hexdigest(), None),
    }
    assert after["audit"] == [(1, 7), (2, None)]
    assert after["notifications"] == [(1, 1, 1), (2, None, 1)]

    async def redeem_old_code() -> Any:
        from backend.services import accounts

        engine = create_engine(empty_url)
        try:
            async with session_factory(engine)() as session:
                return await accounts.redeem(
                    session, code="abcd-2345", telegram_user_id=5, chat_id=5, locale="sv",
                    first_name="Per", now=ASKED,
                )  # fmt: skip
        finally:
            await engine.dispose()

    # A code handed out before the upgrade still links, by its hash (not committed here; the
    # code reads today's tables, so the database is brought to the head first).
    command.upgrade(config, "head")
    assert not isinstance(asyncio.run(redeem_old_code()), accounts_failure())

    command.downgrade(config, "0002")

    def old(conn: Connection) -> tuple[list[Any], list[Any]]:
        links = conn.execute(text("SELECT id, scope FROM relativelink ORDER BY id")).all()
        invites = conn.execute(text("SELECT id, scope FROM invitation ORDER BY id")).all()
        return list(links), list(invites)

    links, invites = asyncio.run(on(empty_url, old))
    assert links == [(1, "VIEW_REQUEST"), (2, "VIEW")]
    assert invites == [(1, "VIEW"), (2, "VIEW_REQUEST"), (3, None)]
    migrate(empty_url)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def accounts_failure() -> type:
    from backend.services.accounts import RedeemFailure

    return RedeemFailure


def test_the_migrations_make_the_schema_the_models_describe(empty_url: str) -> None:
    """``alembic upgrade head`` and the SQLModel tables agree: nothing autogenerate would add."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    migrate(empty_url)

    def differences(conn: Connection) -> list[Any]:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        found = compare_metadata(context, SQLModel.metadata)
        if conn.dialect.name == "sqlite":
            # 0004 adds careplan's two references with a plain ALTER TABLE (a batch copy would
            # drop a table others point at), and SQLite's ALTER TABLE cannot add a foreign
            # key: only PostgreSQL has these two (and 0005's order.assessor_staff_id, 0010's
            # changerequest.withdrawn_by_chat_account_id).
            found = [d for d in found if not _sqlite_plan_reference(d)]
        return found

    assert asyncio.run(on(empty_url, differences)) == []


def _sqlite_plan_reference(difference: Any) -> bool:
    if difference[0] != "add_fk":
        return False
    constraint = difference[1]
    columns = {column.name for column in constraint.columns}
    if constraint.table.name == "order":  # 0005_webqueue: the order's assessor, likewise
        return columns == {"assessor_staff_id"}
    if constraint.table.name == "changerequest":  # 0010: who withdrew it, likewise
        return columns == {"withdrawn_by_chat_account_id"}
    return constraint.table.name == "careplan" and columns <= {
        "based_on_plan_id",
        "signed_by_staff_id",
    }


def test_0004_moves_staff_tokens_into_sessions_and_back(empty_url: str) -> None:
    """A staff token from before 0004 keeps working as an API token that now expires; going
    back puts it on the staff row again."""
    from backend.services.sessions import hash_token

    config = alembic_config(empty_url)
    command.upgrade(config, "0003")

    def before(conn: Connection) -> None:
        meta = MetaData()
        meta.reflect(conn)
        conn.execute(meta.tables["unit"].insert(), [unit(1)])
        conn.execute(
            meta.tables["staff"].insert(),
            [
                staff(1, "Anna") | {"api_token_hash": hash_token("annas-old-token")},
                staff(2, "Bo") | {"api_token_hash": None},
            ],
        )

    asyncio.run(on(empty_url, before))
    command.upgrade(config, "0004")

    def after(conn: Connection) -> list[Any]:
        return list(
            conn.execute(
                text("SELECT staff_id, kind, token_hash, revoked_at FROM staffsession")
            ).all()
        )

    [(staff_id, kind, token_hash, revoked_at)] = asyncio.run(on(empty_url, after))
    assert (staff_id, kind, token_hash, revoked_at) == (
        1,
        "API",
        hash_token("annas-old-token"),
        None,
    )
    active = asyncio.run(
        on(empty_url, lambda c: c.execute(text("SELECT active FROM staff")).all())
    )
    assert [bool(row[0]) for row in active] == [True, True]

    command.downgrade(config, "0003")
    hashes = asyncio.run(
        on(
            empty_url,
            lambda c: c.execute(text("SELECT api_token_hash FROM staff ORDER BY id")).all(),
        )
    )
    assert [row[0] for row in hashes] == [hash_token("annas-old-token"), None]
    migrate(empty_url)  # and forward again, as the other tests expect it
