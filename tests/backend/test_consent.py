"""A client's consent to relatives, scope by scope (DESIGN section 4): what each scope lets a
relative see and do, granting and revoking them one at a time, who else may end access, and
who is told what."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from backend.models import (
    ChatAccount,
    Notification,
    Relative,
    RelativeLink,
    Staff,
    StaffRole,
    Unit,
)
from contract import (
    ActedForClient,
    OnBehalf,
    PersonKind,
    RelativeAccessChanged,
    Scope,
)
from tests.backend.helpers import GOSTA, LISA, service_headers, update_row, visit_at
from tests.conftest import STAFF_TOKENS, Database, as_chat, as_staff

TOMORROW = date(2026, 11, 24)
OLLE = 3001  # the Telegram user of a relative these tests let in
EVA_LINK = 1
LISAS_CHAT = 1001


async def relative(db: Database, scopes: list[Scope], telegram_user_id: int = OLLE) -> int:
    """Olle, Lisa's son, with exactly these scopes; returns his link's id."""
    olle = Relative(first_name="Olle")
    await db.add(olle)
    assert olle.id is not None
    link = RelativeLink(relative_id=olle.id, client_id=LISA, scopes=scopes)
    await db.add(
        link,
        ChatAccount(
            telegram_user_id=telegram_user_id, chat_id=telegram_user_id, relative_id=olle.id
        ),
    )
    assert link.id is not None
    return link.id


def as_olle() -> dict[str, str]:
    return service_headers(OLLE)


async def lunch_tomorrow(api: httpx.AsyncClient) -> dict[str, Any]:
    return await visit_at(api, TOMORROW, 12)


def change(visit: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "resize", "visit_id": visit["id"], "new_duration": 30}


def submission(visit: dict[str, Any]) -> dict[str, Any]:
    return {"idempotency_key": uuid.uuid4().hex, "change": change(visit)}


async def answers(api: httpx.AsyncClient, lunch: dict[str, Any]) -> dict[str, tuple[int, str]]:
    """What Olle gets from each thing a relative might look at or ask for."""
    calls = {
        "visits": ("GET", f"/clients/{LISA}/visits", None),
        "frame": ("GET", f"/clients/{LISA}/frame", None),
        "notes": ("GET", f"/clients/{LISA}/notes", None),
        "requests": ("GET", f"/clients/{LISA}/requests", None),
        "changeable": ("GET", f"/clients/{LISA}/changeable", None),
        "preview": ("POST", f"/clients/{LISA}/requests/preview", change(lunch)),
        "submit": ("POST", f"/clients/{LISA}/requests", submission(lunch)),
    }
    found = {}
    for name, (method, url, body) in calls.items():
        r = await api.request(method, url, json=body, headers=as_olle())
        found[name] = (r.status_code, r.json().get("code", "") if r.status_code >= 400 else "")
    return found


OK, CREATED = (200, ""), (201, "")
NOT_GRANTED = (403, "scope_not_granted")
VIEW_ONLY = (403, "view_only")


@pytest.mark.parametrize(
    ("scopes", "expected"),
    [
        pytest.param(
            [Scope.VISITS],
            {"visits": OK, "frame": OK, "notes": NOT_GRANTED, "requests": VIEW_ONLY,
             "changeable": VIEW_ONLY, "preview": VIEW_ONLY, "submit": VIEW_ONLY},
            id="visits",
        ),
        pytest.param(
            [Scope.REQUESTS],
            {"visits": NOT_GRANTED, "frame": NOT_GRANTED, "notes": NOT_GRANTED,
             "requests": OK, "changeable": OK, "preview": OK, "submit": CREATED},
            id="requests",
        ),
        pytest.param(
            [Scope.NOTES],
            {"visits": NOT_GRANTED, "frame": NOT_GRANTED, "notes": OK, "requests": VIEW_ONLY,
             "changeable": VIEW_ONLY, "preview": VIEW_ONLY, "submit": VIEW_ONLY},
            id="notes",
        ),
        pytest.param(
            [],  # a link with no scope left has ended
            {name: (403, "no_access") for name in
             ("visits", "frame", "notes", "requests", "changeable", "preview", "submit")},
            id="none",
        ),
    ],
)  # fmt: skip
async def test_each_scope_opens_exactly_its_own_door(
    api, demo, db, scopes: list[Scope], expected: dict[str, tuple[int, str]]
) -> None:
    lunch = await lunch_tomorrow(api)
    link_id = await relative(db, scopes)
    if not scopes:
        link = await db.get(RelativeLink, link_id)
        link.revoked_at = link.granted_at
        await db.add(link)
    assert await answers(api, lunch) == expected
    me = (await api.get("/bot/me", headers=as_olle())).json()
    shown = [c["scopes"] for c in me["clients"]]
    assert shown == ([[s.value for s in scopes]] if scopes else [])


async def test_the_client_grants_and_revokes_each_scope_on_its_own(api, demo, db) -> None:
    lunch = await lunch_tomorrow(api)
    link_id = await relative(db, [Scope.VISITS])
    base = f"/bot/clients/{LISA}/relatives/{link_id}/scopes"

    r = await api.put(f"{base}/notes", headers=as_chat("lisa"))
    assert r.status_code == 200, r.text
    assert r.json()["scopes"] == ["visits", "notes"]
    assert (await answers(api, lunch))["notes"] == OK

    r = await api.delete(f"{base}/visits", headers=as_chat("lisa"))
    assert r.json()["scopes"] == ["notes"]
    found = await answers(api, lunch)
    assert (found["visits"], found["notes"]) == (NOT_GRANTED, OK)

    listed = await api.get(f"/bot/clients/{LISA}/relatives", headers=as_chat("lisa"))
    by_name = {r["first_name"]: r["scopes"] for r in listed.json()}
    assert by_name == {"Eva": ["visits", "requests", "notes"], "Olle": ["notes"]}

    # The last scope taken back ends the link: Olle follows nobody, and is not listed.
    r = await api.delete(f"{base}/notes", headers=as_chat("lisa"))
    assert r.status_code == 200 and r.json()["scopes"] == []
    assert (await api.get("/bot/me", headers=as_olle())).json()["clients"] == []
    link = await db.get(RelativeLink, link_id)
    assert link.revoked_at is not None
    listed = await api.get(f"/bot/clients/{LISA}/relatives", headers=as_chat("lisa"))
    assert [r["first_name"] for r in listed.json()] == ["Eva"]
    # An ended link is not opened again by granting: the client invites them anew.
    r = await api.put(f"{base}/visits", headers=as_chat("lisa"))
    assert (r.status_code, r.json()["code"]) == (404, "link_not_found")
    # Changes made by the client herself are not announced to her.
    told = await db.all(select(Notification).where(Notification.kind == "relative_access_changed"))
    assert told == []


async def test_only_the_client_grants_and_nobody_else_changes_her_relatives(api, demo, db) -> None:
    link_id = await relative(db, [Scope.VISITS])
    base = f"/bot/clients/{LISA}/relatives/{link_id}/scopes/notes"
    for who in ("eva", "gosta", "anna", "karin"):  # a relative, another client, staff
        r = await api.put(base, headers=as_chat(who))
        assert (r.status_code, r.json()["code"]) == (403, "client_only"), who
    r = await api.delete(f"/bot/clients/{LISA}/relatives/{link_id}", headers=as_chat("eva"))
    assert (r.status_code, r.json()["code"]) == (403, "client_only")
    assert (await db.get(RelativeLink, link_id)).scopes == [Scope.VISITS]


async def other_unit_carer_chat(db: Database) -> int:
    unit = Unit(name="Hemtjänst Kista", municipality="Stockholm")
    await db.add(unit)
    assert unit.id is not None
    vera = Staff(unit_id=unit.id, first_name="Vera", last_name="K", role=StaffRole.CARER)
    await db.add(vera)
    await db.add(ChatAccount(telegram_user_id=4001, chat_id=4001, staff_id=vera.id))
    return 4001


async def test_staff_end_a_relatives_access_only_for_their_own_clients_and_she_is_told(
    api, demo, db
) -> None:
    vera = await other_unit_carer_chat(db)
    url = f"/bot/clients/{LISA}/relatives/{EVA_LINK}"
    for headers, code in (
        (service_headers(vera), "other_unit"),  # a carer of another unit
        (as_chat("ahmed"), "not_your_client"),  # a carer of Lisa's unit, not hers
    ):
        r = await api.delete(url, headers=headers)
        assert (r.status_code, r.json()["code"]) == (403, code)
    assert (await db.get(RelativeLink, EVA_LINK)).revoked_at is None
    assert await db.count(Notification) == 0

    r = await api.delete(url, headers=as_chat("anna"))  # her contact person, on Lisa's word
    assert r.status_code == 204, r.text
    assert (await api.get(f"/clients/{LISA}/visits", headers=as_chat("eva"))).status_code == 403
    [told] = await db.all(select(Notification))
    account = await db.get(ChatAccount, told.chat_account_id)
    assert account.telegram_user_id == LISAS_CHAT  # Lisa alone
    assert told.message == RelativeAccessChanged(
        relative_first_name="Eva", scopes=[], by_first_name="Anna"
    )


async def tell_late(api: httpx.AsyncClient) -> None:
    r = await api.post("/staff/late", json={"minutes": 45}, headers=as_staff("anna"))
    assert r.status_code == 200 and r.json(), r.text


async def told(db: Database, telegram_user_id: int) -> list[str]:
    rows = await db.all(
        select(Notification.kind)
        .join(ChatAccount, col(ChatAccount.id) == Notification.chat_account_id)
        .where(ChatAccount.telegram_user_id == telegram_user_id)
        .order_by(col(Notification.id))
    )
    return list(rows)


async def lisas_wish_approved(api: httpx.AsyncClient) -> None:
    """Lisa asks for a longer lunch tomorrow, and Anna approves it."""
    r = await api.post(
        f"/clients/{LISA}/requests",
        json=submission(await lunch_tomorrow(api)),
        headers=as_chat("lisa"),
    )
    assert r.status_code == 201, r.text
    decided = await api.post(
        f"/staff/requests/{r.json()['id']}/approve", json={}, headers=as_staff("anna")
    )
    assert decided.status_code == 200, decided.text


async def test_relatives_are_told_only_what_their_scopes_cover(api, demo, db) -> None:
    await relative(db, [Scope.VISITS], telegram_user_id=3001)
    await relative(db, [Scope.REQUESTS], telegram_user_id=3002)
    await relative(db, [Scope.NOTES], telegram_user_id=3003)
    await tell_late(api)  # visit news
    await lisas_wish_approved(api)  # request news

    assert await told(db, 3001) == ["staff_late"]
    assert await told(db, 3002) == ["request_decided"]
    assert await told(db, 3003) == []
    assert await told(db, LISAS_CHAT) == ["staff_late", "request_decided"]


async def test_only_consent_in_force_for_this_client_brings_her_request_news(
    api, demo, db
) -> None:
    # Olle's consent to the requests scope was revoked; Ulla has the requests scope, but for
    # Gösta, not for Lisa; Kim has it for Gösta and only visits for Lisa.
    revoked = await relative(db, [Scope.REQUESTS], telegram_user_id=3001)
    await update_row(db, RelativeLink, revoked, revoked_at=datetime.now(UTC))
    ulla, kim = Relative(first_name="Ulla"), Relative(first_name="Kim")
    await db.add(ulla, kim)
    assert ulla.id is not None and kim.id is not None
    await db.add(
        RelativeLink(relative_id=ulla.id, client_id=GOSTA, scopes=[Scope.REQUESTS]),
        RelativeLink(relative_id=kim.id, client_id=GOSTA, scopes=[Scope.REQUESTS]),
        RelativeLink(relative_id=kim.id, client_id=LISA, scopes=[Scope.VISITS]),
        ChatAccount(telegram_user_id=3002, chat_id=3002, relative_id=ulla.id),
        ChatAccount(telegram_user_id=3003, chat_id=3003, relative_id=kim.id),
    )
    await relative(db, [Scope.VISITS, Scope.REQUESTS], telegram_user_id=3004)
    await lisas_wish_approved(api)

    assert await told(db, 3001) == []
    assert await told(db, 3002) == []
    assert await told(db, 3003) == []
    assert await told(db, 3004) == ["request_decided"]
    assert await told(db, LISAS_CHAT) == ["request_decided"]


async def test_the_client_is_told_when_a_relative_asks_and_when_staff_withdraw(
    api, demo, db
) -> None:
    lunch = await lunch_tomorrow(api)
    asked = await api.post(
        f"/clients/{LISA}/requests", json=submission(lunch), headers=as_chat("eva")
    )
    assert asked.status_code == 201, asked.text
    request = asked.json()
    url = f"/requests/{request['id']}/withdraw"
    for who, code in (("ahmed", "not_your_client"), ("gosta", "no_access")):
        headers = as_staff(who) if who == "ahmed" else as_chat(who)
        r = await api.post(url, headers=headers)
        assert (r.status_code, r.json()["code"]) == (403, code), who
    r = await api.post(url, headers=as_staff("maria"))  # her deputy, on Lisa's word
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"

    rows = await db.all(
        select(Notification)
        .join(ChatAccount, col(ChatAccount.id) == Notification.chat_account_id)
        .where(ChatAccount.telegram_user_id == LISAS_CHAT)
        .order_by(col(Notification.id))
    )
    messages = [n.message for n in rows]
    assert [(m.action, m.by, m.by_first_name) for m in messages] == [
        (OnBehalf.REQUEST_SUBMITTED, PersonKind.RELATIVE, "Eva"),
        (OnBehalf.REQUEST_WITHDRAWN, PersonKind.STAFF, "Maria"),
    ]
    assert all(isinstance(m, ActedForClient) for m in messages)
    assert messages[0].request_id == request["id"]
    assert messages[0].change.new_duration == 30


async def test_a_client_withdrawing_her_own_request_is_not_told_about_it(api, demo, db) -> None:
    lunch = await lunch_tomorrow(api)
    r = await api.post(
        f"/clients/{LISA}/requests", json=submission(lunch), headers=as_chat("lisa")
    )
    await api.post(f"/requests/{r.json()['id']}/withdraw", headers=as_chat("lisa"))
    assert "acted_for_client" not in await told(db, LISAS_CHAT)


async def test_only_those_who_may_ask_may_speak_a_wish(api, demo, db) -> None:
    await relative(db, [Scope.VISITS])
    revoked = await db.get(RelativeLink, EVA_LINK)
    revoked.revoked_at = revoked.granted_at
    await db.add(revoked)
    for headers in (as_chat("eva"), as_olle()):  # access ended; may only see
        r = await api.post(
            "/speech/transcribe", params={"language": "sv"}, content=b"OggS", headers=headers
        )
        assert (r.status_code, r.json()["code"]) == (403, "no_access")
    # Lisa herself gets as far as the audio (which is no real voice note).
    r = await api.post(
        "/speech/transcribe", params={"language": "sv"}, content=b"", headers=as_chat("lisa")
    )
    assert r.status_code == 422


async def test_staff_bearer_tokens_are_the_tests_own(api, demo) -> None:
    """The one place tests get staff credentials from works, and the demo mode's published
    ones do not (this app is not in demo mode)."""
    assert STAFF_TOKENS["anna"] in as_staff("anna")["Authorization"]
    assert (await api.get("/staff/day", headers=as_staff("anna"))).status_code == 200
    r = await api.get("/staff/day", headers={"Authorization": "Bearer demo-anna"})
    assert (r.status_code, r.json()["code"]) == (401, "invalid_token")
