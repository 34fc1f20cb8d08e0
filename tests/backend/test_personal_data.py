"""The client's rights over her data: everything held about her as JSON, and erasure on request
of what the law does not require (README, "Data subject rights")."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from sqlmodel import col, select

from backend.models import (
    AuditEvent,
    ChangeRequest,
    ChatAccount,
    Client,
    Invitation,
    Notification,
    Relative,
    RelativeLink,
    Visit,
    VisitNote,
)
from backend.services import visits as visit_service
from contract import Scope
from tests.backend.helpers import LISA, visit_at
from tests.conftest import DEFAULT_NOW, Database, as_chat, as_staff

TOMORROW = date(2026, 11, 24)
NOTE = "Lisa åt hela frukosten."
WISH = "Jag vill att Anna kommer, inte någon ny."


async def ok(r: httpx.Response) -> Any:
    assert r.status_code < 300, r.text
    return r.json() if r.content else None


async def lisas_history(api: httpx.AsyncClient) -> dict[str, Any]:
    """A note on this morning's visit, a pending wish in her own words, a code for Olle."""
    breakfast = await visit_at(api, DEFAULT_NOW.date(), 8)
    await ok(
        await api.post(
            f"/staff/visits/{breakfast['id']}/notes", json={"text": NOTE}, headers=as_staff("anna")
        )
    )
    lunch = await visit_at(api, TOMORROW, 12)
    request = await ok(
        await api.post(
            f"/clients/{LISA}/requests",
            json={
                "idempotency_key": uuid.uuid4().hex,
                "note": WISH,
                "change": {"kind": "resize", "visit_id": lunch["id"], "new_duration": 30},
            },
            headers=as_chat("lisa"),
        )
    )
    await ok(
        await api.post(
            "/bot/invitations",
            json={"kind": "relative", "client_id": LISA, "scopes": ["visits"]},
            headers=as_chat("lisa"),
        )
    )
    return {"breakfast": breakfast, "lunch": lunch, "request": request}


async def test_a_manager_exports_everything_held_about_the_client(api, demo, db) -> None:
    made = await lisas_history(api)
    data = await ok(await api.get(f"/staff/clients/{LISA}/export", headers=as_staff("karin")))

    assert (data["client"]["first_name"], data["client"]["last_name"]) == ("Lisa", "Andersson")
    lisas_visits = await db.all(select(Visit.id).where(Visit.client_id == LISA))
    assert sorted(v["id"] for v in data["visits"]) == sorted(lisas_visits)
    assert [n["text"] for n in data["visit_notes"]] == [NOTE]
    assert [r["note"] for r in data["requests"]] == [WISH]
    assert data["requests"][0]["id"] == made["request"]["id"]
    assert [(r["first_name"], r["scopes"]) for r in data["relatives"]] == [
        ("Eva", ["visits", "requests", "notes"])
    ]
    assert [a["telegram_user_id"] for a in data["chat_accounts"]] == [1001]
    assert [o["frame_minutes"] for o in data["orders"]] == [45 * 60]
    assert len(data["care_plans"][0]["slots"]) == 7 * 3 + 2
    assert len(data["invitations"]) == 1 and "code_hash" not in data["invitations"][0]
    assert all("api_token_hash" not in s for s in data["staff"])
    assert {e["action"] for e in data["audit"]} >= {"note.add", "request.submit"}
    exported = await db.all(select(AuditEvent).where(AuditEvent.action == "client.export"))
    assert [(e.client_id, e.staff_id) for e in exported] == [(LISA, 4)]

    for who, code in (("anna", "manager_only"), ("erik", "manager_only")):
        r = await api.get(f"/staff/clients/{LISA}/export", headers=as_staff(who))
        assert (r.status_code, r.json()["code"]) == (403, code)


async def counts(db: Database) -> dict[str, int]:
    async def n(statement: Any) -> int:
        return len(await db.all(statement))

    return {
        "chat_accounts": await n(select(ChatAccount.id).where(ChatAccount.client_id == LISA)),
        "relatives": await n(select(Relative.id).where(Relative.first_name == "Eva")),
        "relative_links": await n(select(RelativeLink.id).where(RelativeLink.client_id == LISA)),
        "invitations": await n(select(Invitation.id).where(Invitation.client_id == LISA)),
        "notes": await n(
            select(VisitNote.id)
            .join(Visit, col(Visit.id) == VisitNote.visit_id)
            .where(Visit.client_id == LISA)
        ),
        "visits": await n(select(Visit.id).where(Visit.client_id == LISA)),
        "requests": await n(select(ChangeRequest.id).where(ChangeRequest.client_id == LISA)),
    }


async def test_erasure_removes_what_the_law_does_not_require_and_keeps_the_rest(
    api, demo, db, app
) -> None:
    made = await lisas_history(api)
    before = await counts(db)
    future = await db.all(
        select(Visit.id)
        .where(Visit.client_id == LISA)
        .where(Visit.planned_start > DEFAULT_NOW)
        .where(Visit.status == "planned")
    )
    about_lisa = await db.all(select(Notification.id).where(Notification.client_id == LISA))
    day_before = {
        v["client_id"] for v in await ok(await api.get("/staff/day", headers=as_staff("anna")))
    }
    preview = await ok(await api.get(f"/staff/clients/{LISA}/erasure", headers=as_staff("karin")))
    assert preview["erased"] is False
    assert await counts(db) == before  # a preview changes nothing

    # Confirmed by the client's id a second time; anything else is refused, nothing erased.
    r = await api.post(
        f"/staff/clients/{LISA}/erasure", json={"confirm_client_id": 2}, headers=as_staff("karin")
    )
    assert (r.status_code, r.json()["code"]) == (422, "confirmation_required")
    r = await api.post(
        f"/staff/clients/{LISA}/erasure",
        json={"confirm_client_id": LISA},
        headers=as_staff("anna"),
    )
    assert (r.status_code, r.json()["code"]) == (403, "manager_only")
    assert await counts(db) == before

    done = await ok(
        await api.post(
            f"/staff/clients/{LISA}/erasure",
            json={"confirm_client_id": LISA},
            headers=as_staff("karin"),
        )
    )
    assert done == {**preview, "erased": True}
    # Made from the rows the test itself counted before:
    assert done["chat_accounts"] == before["chat_accounts"] == 1
    assert done["relatives"] == 1 and done["relative_links"] == before["relative_links"] == 1
    assert done["invitations"] == before["invitations"] == 1
    assert done["notifications"] == len(about_lisa) > 0
    assert done["requests_withdrawn"] == 1 and done["request_texts"] == 1
    # The lunch the pending request was about is kept (cancelled): the request refers to it.
    assert done["future_visits"] == len(future) - 1
    assert done["kept_visits"] == before["visits"] - done["future_visits"]
    assert done["kept_notes"] == before["notes"] == 1

    after = await counts(db)
    assert after == {
        **before,
        "chat_accounts": 0,
        "relatives": 0,
        "relative_links": 0,
        "invitations": 0,
        "visits": done["kept_visits"],
    }
    assert await db.all(select(Notification.id).where(Notification.client_id == LISA)) == []
    [request] = await db.all(select(ChangeRequest).where(ChangeRequest.client_id == LISA))
    assert (request.status, request.note) == ("withdrawn", "")
    lunch = await db.get(Visit, made["lunch"]["id"])
    assert lunch.status == "cancelled"
    [note] = await db.all(select(VisitNote))
    assert note.text == NOTE  # social documentation: kept, restricted
    lisa = await db.get(Client, LISA)
    assert lisa.erased_at is not None and lisa.address_area == ""
    assert (lisa.first_name, lisa.last_name) == ("Lisa", "Andersson")  # to find what is kept
    [erased] = await db.all(select(AuditEvent).where(AuditEvent.action == "client.erase"))
    assert (erased.client_id, erased.staff_id) == (LISA, 4)
    assert erased.details["counts"]["kept_notes"] == 1

    # Nobody sees her any more: no chat, no relative, no staff view.
    r = await api.get("/bot/me", headers=as_chat("lisa"))
    assert (r.status_code, r.json()["code"]) == (401, "not_linked")
    r = await api.get("/bot/me", headers=as_chat("eva"))
    assert (r.status_code, r.json()["code"]) == (401, "not_linked")
    r = await api.get(f"/clients/{LISA}/notes", headers=as_staff("anna"))
    assert (r.status_code, r.json()["code"]) == (404, "client_erased")
    day = await ok(await api.get("/staff/day", headers=as_staff("anna")))
    assert LISA in day_before and LISA not in {v["client_id"] for v in day}
    # Her signed plan makes no visits any more.
    async with app.state.sessions() as session:
        await visit_service.generate_visits(
            session, start=TOMORROW, end=TOMORROW + timedelta(days=14)
        )
        await session.commit()
    assert (await counts(db))["visits"] == done["kept_visits"]
    # The manager can still produce what was kept, and a second erasure is refused.
    data = await ok(await api.get(f"/staff/clients/{LISA}/export", headers=as_staff("karin")))
    assert [n["text"] for n in data["visit_notes"]] == [NOTE]
    assert data["chat_accounts"] == [] and data["relatives"] == []
    r = await api.post(
        f"/staff/clients/{LISA}/erasure",
        json={"confirm_client_id": LISA},
        headers=as_staff("karin"),
    )
    assert (r.status_code, r.json()["code"]) == (404, "client_erased")


async def test_a_relative_who_follows_someone_else_stays(api, demo, db) -> None:
    eva = await db.first(select(Relative).where(Relative.first_name == "Eva"))
    await db.add(RelativeLink(relative_id=eva.id, client_id=2, scopes=[Scope.VISITS]))
    done = await ok(
        await api.post(
            f"/staff/clients/{LISA}/erasure",
            json={"confirm_client_id": LISA},
            headers=as_staff("karin"),
        )
    )
    assert done["relatives"] == 0 and done["relative_links"] == 1
    me = await ok(await api.get("/bot/me", headers=as_chat("eva")))
    assert [c["first_name"] for c in me["clients"]] == ["Gösta"]
