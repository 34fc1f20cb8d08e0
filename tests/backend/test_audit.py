"""The audit a manager reads: every staff read of a client's data (the day and the queue
included) and every change, per client and per staff member; and the client asking who on the
staff has looked at her data."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date
from typing import Any

import httpx
from sqlmodel import col, select

from backend.models import AuditEvent, Staff
from contract import TZ
from tests.backend.helpers import GOSTA, LISA, visit_at
from tests.conftest import Database, as_chat, as_staff

ANNA, MARIA, ERIK, KARIN = 1, 2, 3, 4
TOMORROW = date(2026, 11, 24)


async def reads(db: Database, staff_id: int) -> list[tuple[int | None, str]]:
    rows = await db.all(
        select(AuditEvent)
        .where(AuditEvent.staff_id == staff_id)
        .where(AuditEvent.action == "client.read")
        .order_by(col(AuditEvent.id))
    )
    return [(e.client_id, e.details["what"]) for e in rows]


async def ok(r: httpx.Response) -> Any:
    assert r.status_code < 300, r.text
    return r.json() if r.content else None


async def test_the_day_the_queue_and_each_client_view_are_recorded_per_client(
    api, demo, db
) -> None:
    day = await ok(await api.get("/staff/day", headers=as_staff("anna")))
    clients_on_annas_day = sorted({v["client_id"] for v in day})
    assert clients_on_annas_day  # the demo gives Anna Lisa's visits today
    assert await reads(db, ANNA) == [(c, "day") for c in clients_on_annas_day]

    lunch = await visit_at(api, TOMORROW, 12)
    await ok(
        await api.post(
            f"/clients/{LISA}/requests",
            json={
                "idempotency_key": uuid.uuid4().hex,
                "change": {"kind": "cancel", "visit_id": lunch["id"]},
            },
            headers=as_chat("lisa"),
        )
    )
    queue = (await ok(await api.get("/staff/queue", headers=as_staff("anna"))))["requests"]
    await ok(await api.get(f"/clients/{LISA}/notes", headers=as_staff("anna")))
    await ok(await api.get(f"/clients/{GOSTA}/frame", headers=as_staff("anna")))
    assert [r["client_id"] for r in queue] == [LISA]
    assert (await reads(db, ANNA))[len(clients_on_annas_day) :] == [
        (LISA, "queue"),
        (LISA, "notes"),
        (GOSTA, "frame"),
    ]
    # The client and her relatives reading their own data are not staff reads.
    await ok(await api.get(f"/clients/{LISA}/visits", headers=as_chat("eva")))
    staffless = await db.all(
        select(AuditEvent)
        .where(AuditEvent.action == "client.read")
        .where(col(AuditEvent.staff_id).is_(None))
    )
    assert staffless == []


async def test_a_manager_lists_the_audit_per_client_and_per_staff_member(api, demo, db) -> None:
    await ok(await api.get(f"/clients/{LISA}/notes", headers=as_staff("maria")))
    await ok(await api.get(f"/clients/{GOSTA}/visits", headers=as_staff("maria")))
    lunch = await visit_at(api, TOMORROW, 12)
    await ok(
        await api.post(
            f"/staff/visits/{lunch['id']}/deviation",
            json={"reason": "travel"},
            headers=as_staff("maria"),
        )
    )

    lisas = await ok(await api.get(f"/staff/clients/{LISA}/audit", headers=as_staff("karin")))
    expected = await db.all(
        select(AuditEvent).where(AuditEvent.client_id == LISA).order_by(col(AuditEvent.id).desc())
    )
    # The list is what the log holds, newest first: the manager's own read of it on top.
    assert [e["id"] for e in lisas] == [e.id for e in expected]
    assert (lisas[0]["staff_id"], lisas[0]["details"]) == (KARIN, {"what": "audit"})
    by_maria = [(e["action"], e["details"].get("what")) for e in lisas if e["staff_id"] == MARIA]
    assert by_maria == [("visit.deviation", None), ("client.read", "notes")]
    assert {e["staff_first_name"] for e in lisas if e["staff_id"] == MARIA} == {"Maria"}

    marias = await ok(await api.get(f"/staff/members/{MARIA}/audit", headers=as_staff("karin")))
    # Her own staff events (an API token issued to her) are listed too; here: what she did
    # with clients' data.
    assert [(e["client_id"], e["action"]) for e in marias if e["client_id"] is not None] == [
        (LISA, "visit.deviation"),
        (GOSTA, "client.read"),
        (LISA, "client.read"),
    ]
    page = await ok(
        await api.get(
            f"/staff/members/{MARIA}/audit",
            params={"before": marias[0]["id"], "limit": 1},
            headers=as_staff("karin"),
        )
    )
    assert [e["id"] for e in page] == [marias[1]["id"]]

    # Only a manager, and only of the unit.
    for who in ("anna", "erik"):
        for url in (f"/staff/clients/{LISA}/audit", f"/staff/members/{MARIA}/audit"):
            r = await api.get(url, headers=as_staff(who))
            assert (r.status_code, r.json()["code"]) == (403, "manager_only")
    r = await api.get(f"/staff/clients/{LISA}/audit", headers=as_chat("lisa"))
    assert (r.status_code, r.json()["code"]) == (403, "staff_only")


async def test_the_audit_holds_codes_and_ids_never_names_or_texts(api, demo, db) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    await ok(
        await api.post(
            f"/staff/visits/{lunch['id']}/notes",
            json={"text": "Lisa åt hela lunchen och pratade om Eva."},
            headers=as_staff("anna"),
        )
    )
    await ok(
        await api.post(
            f"/clients/{LISA}/requests",
            json={
                "idempotency_key": uuid.uuid4().hex,
                "note": "Jag vill ha mer tid, Lisa Andersson",
                "change": {"kind": "resize", "visit_id": lunch["id"], "new_duration": 30},
            },
            headers=as_chat("lisa"),
        )
    )
    events = await ok(await api.get(f"/staff/clients/{LISA}/audit", headers=as_staff("karin")))
    text = str(events)
    for word in ("Lisa", "Andersson", "Eva", "lunchen", "mer tid"):
        assert word not in text


async def test_the_client_asks_who_on_the_staff_has_looked_at_her_data(api, demo, db) -> None:
    for who in ("anna", "anna", "erik"):
        await ok(await api.get(f"/clients/{LISA}/visits", headers=as_staff(who)))
    await ok(await api.get(f"/clients/{GOSTA}/visits", headers=as_staff("maria")))

    seen = await ok(await api.get(f"/bot/clients/{LISA}/reads", headers=as_chat("lisa")))
    rows = await db.all(
        select(AuditEvent.at, Staff.first_name, Staff.role)
        .join(Staff, col(Staff.id) == AuditEvent.staff_id)
        .where(AuditEvent.client_id == LISA)
        .where(AuditEvent.action == "client.read")
    )
    counted = Counter(
        (name, role.value, at.astimezone(TZ).date().isoformat()) for at, name, role in rows
    )
    assert sorted(
        (r["staff_first_name"], r["staff_role"], r["day"], r["times"]) for r in seen
    ) == sorted((name, role, day, times) for (name, role, day), times in counted.items())
    assert {r["staff_first_name"] for r in seen} == {"Anna", "Erik"}  # not Maria: Gösta's
    assert set(seen[0]) == {"staff_first_name", "staff_role", "day", "last_at", "times"}

    for who in ("eva", "gosta"):  # her daughter, another client
        r = await api.get(f"/bot/clients/{LISA}/reads", headers=as_chat(who))
        assert (r.status_code, r.json()["code"]) == (403, "client_only")
