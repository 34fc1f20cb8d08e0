"""Invitations, linking chat accounts, relatives' consent and preferences, over HTTP."""

from __future__ import annotations

import hashlib
import math
from datetime import timedelta
from typing import Any

import httpx
from sqlmodel import select

from backend.demo import DEMO_ACCOUNTS
from backend.models import (
    AuditEvent,
    ChatAccount,
    Client,
    Invitation,
    Notification,
    NotifyLevel,
)
from backend.services.accounts import MAX_FAILED_ATTEMPTS, MAX_FAILED_OVERALL
from contract import RelativeLinked
from tests.backend.helpers import LISA, service_headers, visit_at
from tests.conftest import DEFAULT_NOW, Clock, Database, as_chat, as_staff

BERIT = 5  # the client added by ``new_client``, after the demo's four
SANNA = 6  # a carer without a chat account in the demo
LISAS_ACCOUNT, EVAS_ACCOUNT = 1001, 1002


async def new_client(db: Database) -> int:
    """A client of the demo unit who has no chat account yet."""
    berit = Client(
        unit_id=1,
        first_name="Berit",
        last_name="Ström",
        address_area="Slussen",
        preferred_language="fi",
        contact_person_id=1,
        deputy_id=2,
    )
    await db.add(berit)
    assert berit.id == BERIT
    return berit.id


async def invite(
    api: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    path = "/bot/invitations" if "X-Service-Token" in headers else "/staff/invitations"
    r = await api.post(path, json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def client_code(api: httpx.AsyncClient, db: Database) -> str:
    client_id = await new_client(db)
    invitation = await invite(api, {"kind": "client", "client_id": client_id}, as_staff("anna"))
    return invitation["code"]


async def link(
    api: httpx.AsyncClient, code: str, telegram_user_id: int, **extra: Any
) -> httpx.Response:
    # The bot links with its service token only: the Telegram user is not linked yet.
    return await api.post(
        "/bot/link",
        json={"code": code, "telegram_user_id": telegram_user_id, "chat_id": telegram_user_id}
        | extra,
        headers=service_headers(),
    )


async def me(api: httpx.AsyncClient, telegram_user_id: int) -> dict[str, Any]:
    r = await api.get("/bot/me", headers=service_headers(telegram_user_id))
    assert r.status_code == 200, r.text
    return r.json()


def assert_refused(r: httpx.Response, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    assert r.json()["code"] == code


# --- linking with a code ----------------------------------------------------------------


async def test_a_client_links_with_a_code_from_staff(api, demo, db) -> None:
    client_id = await new_client(db)
    invitation = await invite(api, {"kind": "client", "client_id": client_id}, as_staff("anna"))
    assert invitation["kind"] == "client"
    assert invitation["expires_at"] == (DEFAULT_NOW + timedelta(days=7)).isoformat().replace(
        "+00:00", "Z"
    )

    r = await link(api, invitation["code"], 5001)
    assert r.status_code == 200, r.text
    profile = await me(api, 5001)
    assert profile["kind"] == "client"
    assert profile["first_name"] == "Berit"
    assert profile["locale"] == "fi"  # the client's language when the bot sends none
    assert profile["clients"] == [
        {
            "client_id": client_id,
            "first_name": "Berit",
            "scopes": ["visits", "requests", "notes"],
            "unit_phone": "08-508 123 00",  # whom to call about her: her unit
        }
    ]
    account = await db.first(select(ChatAccount).where(ChatAccount.telegram_user_id == 5001))
    assert account.client_id == client_id
    used = await stored(db, invitation["code"])
    assert used.used_at is not None and used.used_by_chat_account_id == account.id


async def stored(db: Database, code: str) -> Invitation:
    """The invitation of ``code``, found as the backend finds it: by the code's hash."""
    digest = hashlib.sha256(code.replace("-", "").encode()).hexdigest()
    return await db.first(select(Invitation).where(Invitation.code_hash == digest))


async def test_a_code_has_64_bits_is_read_aloud_in_groups_and_is_stored_only_hashed(
    api, demo, db
) -> None:
    code = await client_code(api, db)
    groups = code.split("-")
    assert [len(g) for g in groups] == [4, 4, 5]
    letters = "".join(groups)
    assert set(letters) <= set("ABCDEFGHJKMNPQRSTUVWXYZ23456789")  # no 0/O, 1/I/L
    assert len(letters) * math.log2(31) >= 64
    row = await stored(db, code)
    assert row is not None
    assert letters not in str(row.model_dump()) and code not in str(row.model_dump())


async def test_a_code_can_be_used_only_once(api, demo, db) -> None:
    code = await client_code(api, db)
    assert (await link(api, code, 5001)).status_code == 200
    assert_refused(await link(api, code, 5002), 422, "code_used")
    assert_refused(await link(api, code, 5001), 422, "code_used")
    assert await db.first(select(ChatAccount).where(ChatAccount.telegram_user_id == 5002)) is None
    assert_refused(await api.get("/bot/me", headers=service_headers(5002)), 401, "not_linked")


async def test_an_unknown_code_is_refused(api, demo, db) -> None:
    assert_refused(await link(api, "ABCD2345", 5001), 422, "invalid_code")
    assert await db.count(ChatAccount) == len(DEMO_ACCOUNTS)  # the demo's accounts only


async def test_an_expired_code_is_refused(api, demo, db, clock: Clock) -> None:
    code = await client_code(api, db)
    clock.advance(days=8)
    assert_refused(await link(api, code, 5001), 422, "code_expired")
    assert await db.first(select(ChatAccount).where(ChatAccount.telegram_user_id == 5001)) is None


async def test_codes_ignore_case_spaces_and_dashes(api, demo, db) -> None:
    code = await client_code(api, db)
    typed = f" {code[:4].lower()}-{code[4:].lower()} "
    r = await link(api, typed, 5001)
    assert r.status_code == 200, r.text
    assert r.json()["kind"] == "client"


async def test_guessing_is_slowed_down_per_telegram_user(api, demo, db, clock: Clock) -> None:
    code = await client_code(api, db)
    for _ in range(5):
        assert_refused(await link(api, "WRONG234", 5001), 422, "invalid_code")

    r = await link(api, code, 5001)  # even the right code is refused for now
    assert_refused(r, 429, "too_many_attempts")
    assert r.headers["Retry-After"] == "900"
    clock.advance(minutes=14)
    assert_refused(await link(api, code, 5001), 429, "too_many_attempts")
    unused = await stored(db, code)
    assert unused.used_at is None

    clock.advance(minutes=2)  # 16 minutes after the wrong guesses
    r = await link(api, code, 5001)
    assert r.status_code == 200, r.text
    assert r.json()["kind"] == "client"
    failed = await db.all(
        select(AuditEvent).where(AuditEvent.action == "invitation.redeem_failed")
    )
    assert [e.actor for e in failed] == ["telegram:5001"] * 5


async def test_another_telegram_user_is_not_slowed_down_by_someone_elses_guesses(
    api, demo, db
) -> None:
    code = await client_code(api, db)
    for _ in range(5):
        assert_refused(await link(api, "WRONG234", 5001), 422, "invalid_code")
    assert (await link(api, code, 5002)).status_code == 200


# --- relatives and consent ------------------------------------------------------------------


async def test_guessing_by_many_accounts_is_slowed_down_for_everyone(
    api, demo, db, clock: Clock
) -> None:
    code = await client_code(api, db)
    guessers = range(6000, 6000 + MAX_FAILED_OVERALL // MAX_FAILED_ATTEMPTS)
    for guesser in guessers:  # each stays under its own limit
        for _ in range(MAX_FAILED_ATTEMPTS):
            assert_refused(await link(api, "WRONG2345", guesser), 422, "invalid_code")
    r = await link(api, code, 5001)  # someone who never guessed: the service is shut for now
    assert_refused(r, 429, "too_many_attempts")
    clock.advance(minutes=16)
    assert (await link(api, code, 5001)).status_code == 200


async def test_a_new_client_code_moves_the_clients_chat_to_the_new_phone(api, demo, db) -> None:
    invitation = await invite(api, {"kind": "client", "client_id": LISA}, as_staff("anna"))
    r = await link(api, invitation["code"], 5009)
    assert r.status_code == 200, r.text
    assert (await me(api, 5009))["first_name"] == "Lisa"
    # The old phone sees nothing any more, and there is one Lisa, not two.
    assert_refused(await api.get("/bot/me", headers=as_chat("lisa")), 401, "not_linked")
    accounts = await db.all(select(ChatAccount).where(ChatAccount.client_id == LISA))
    assert [a.telegram_user_id for a in accounts] == [5009]


async def test_only_staff_responsible_for_a_client_make_codes_for_them(api, demo, db) -> None:
    body = {"kind": "client", "client_id": LISA}
    for who, code in (("ahmed", "not_your_client"), ("sanna", "not_your_client")):
        r = await api.post("/staff/invitations", json=body, headers=as_staff(who))
        assert_refused(r, 403, code)
    r = await api.post(
        "/staff/invitations",
        json={"kind": "relative", "client_id": LISA, "scopes": ["visits"]},
        headers=as_staff("ahmed"),
    )
    assert_refused(r, 403, "not_your_client")
    assert await db.count(Invitation) == 0
    for who in ("anna", "maria", "erik", "karin"):  # contact, deputy, planner, manager
        await invite(api, body, as_staff(who))
    assert await db.count(Invitation) == 4


async def invite_relative(api: httpx.AsyncClient, scopes: tuple[str, ...] = ("visits",)) -> str:
    invitation = await invite(
        api,
        {
            "kind": "relative",
            "client_id": LISA,
            "scopes": list(scopes),
            "relative_first_name": "Olle",
        },
        as_chat("lisa"),
    )
    assert invitation["kind"] == "relative"
    return invitation["code"]


async def test_a_relative_invited_by_the_client_sees_but_cannot_request(api, demo, db) -> None:
    code = await invite_relative(api, scopes=("visits",))
    r = await link(api, code, 5002, first_name="Olle-Telegram")
    assert r.status_code == 200, r.text
    profile = await me(api, 5002)
    assert profile["kind"] == "relative"
    assert profile["first_name"] == "Olle"  # the name the client gave, not Telegram's
    assert profile["clients"] == [
        {
            "client_id": LISA,
            "first_name": "Lisa",
            "scopes": ["visits"],
            "unit_phone": "08-508 123 00",
        }
    ]

    visits = await api.get(f"/clients/{LISA}/visits", headers=service_headers(5002))
    assert visits.status_code == 200 and visits.json()["visits"]
    lunch = await visit_at(api, DEFAULT_NOW.date() + timedelta(days=1), 12)
    r = await api.post(
        f"/clients/{LISA}/requests",
        json={
            "idempotency_key": "olle-0001",
            "change": {"kind": "cancel", "visit_id": lunch["id"]},
        },
        headers=service_headers(5002),
    )
    assert_refused(r, 403, "view_only")


async def test_the_client_alone_is_told_when_a_relative_links(api, demo, db) -> None:
    await link(api, await invite_relative(api), 5002)
    rows = await db.all(
        select(Notification, ChatAccount)
        .join(ChatAccount)
        .where(Notification.kind == "relative_linked")
    )
    # Not Eva, and not Olle himself: who has access to Lisa's data is Lisa's to know.
    assert [account.telegram_user_id for _n, account in rows] == [LISAS_ACCOUNT]
    assert rows[0][0].message == RelativeLinked(relative_first_name="Olle")


async def test_the_client_lists_and_revokes_relatives_at_once(api, demo, db) -> None:
    await link(api, await invite_relative(api, scopes=("requests", "visits")), 5002)
    listed = await api.get(f"/bot/clients/{LISA}/relatives", headers=as_chat("lisa"))
    assert listed.status_code == 200, listed.text
    by_name = {r["first_name"]: r for r in listed.json()}
    assert sorted(by_name) == ["Eva", "Olle"]
    assert by_name["Olle"]["scopes"] == ["visits", "requests"]

    r = await api.delete(
        f"/bot/clients/{LISA}/relatives/{by_name['Olle']['link_id']}", headers=as_chat("lisa")
    )
    assert r.status_code == 204, r.text
    assert_refused(
        await api.get(f"/clients/{LISA}/visits", headers=service_headers(5002)), 403, "no_access"
    )
    assert (await me(api, 5002))["clients"] == []
    assert (await api.get(f"/clients/{LISA}/visits", headers=as_chat("eva"))).status_code == 200
    listed = await api.get(f"/bot/clients/{LISA}/relatives", headers=as_chat("lisa"))
    assert [r["first_name"] for r in listed.json()] == ["Eva"]
    revoked = await db.all(select(AuditEvent).where(AuditEvent.action == "relative.revoke"))
    assert len(revoked) == 1 and revoked[0].client_id == LISA


async def test_a_relative_cannot_invite_or_list_other_relatives(api, demo) -> None:
    r = await api.post(
        "/bot/invitations",
        json={"kind": "relative", "client_id": LISA, "scope": "view"},
        headers=as_chat("eva"),
    )
    assert_refused(r, 403, "client_only")
    r = await api.get(f"/bot/clients/{LISA}/relatives", headers=as_chat("eva"))
    assert_refused(r, 403, "client_only")


# --- staff ------------------------------------------------------------------------------------


async def test_only_a_manager_invites_staff(api, demo, db) -> None:
    body = {"kind": "staff", "staff_id": SANNA}
    r = await api.post("/staff/invitations", json=body, headers=as_staff("anna"))
    assert_refused(r, 403, "manager_only")
    assert await db.count(Invitation) == 0

    invitation = await invite(api, body, as_staff("karin"))
    r = await link(api, invitation["code"], 5003)
    assert r.status_code == 200, r.text
    profile = await me(api, 5003)
    assert profile["kind"] == "staff"
    assert profile["first_name"] == "Sanna"
    assert profile["staff_id"] == SANNA and profile["staff_role"] == "carer"
    assert profile["clients"] == []


# --- preferences --------------------------------------------------------------------------------


async def test_preferences_change_locale_and_notify_level(api, demo, db) -> None:
    r = await api.patch("/bot/me", json={"locale": "fi"}, headers=as_chat("lisa"))
    assert r.status_code == 200, r.text
    assert r.json()["locale"] == "fi"

    r = await api.patch("/bot/me", json={"locale": "xx"}, headers=as_chat("lisa"))
    assert_refused(r, 422, "unsupported_locale")
    assert (await me(api, LISAS_ACCOUNT))["locale"] == "fi"

    r = await api.patch("/bot/me", json={"notify_level": "urgent"}, headers=as_chat("lisa"))
    assert r.status_code == 200, r.text
    assert r.json()["notify_level"] == "urgent"
    account = await db.first(
        select(ChatAccount).where(ChatAccount.telegram_user_id == LISAS_ACCOUNT)
    )
    assert (account.locale, account.notify_level) == ("fi", NotifyLevel.URGENT)

    r = await api.patch("/bot/me", json={"notify_level": "never"}, headers=as_chat("lisa"))
    assert_refused(r, 422, "invalid_request")
