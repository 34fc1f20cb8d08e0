"""Staff sessions: API tokens and web sessions expire and can be revoked; the bot's sign-in
link works once; forms need the session's CSRF token; a staff member who leaves loses every
way in at once (web, API, the bot) and their clients are flagged for a new contact person."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlmodel import col, select

from backend.config import Settings
from backend.models import ChangeRequest, Notification, SessionKind, Staff, StaffSession
from backend.web.auth import COOKIE, secure_cookies
from tests.backend.helpers import LISA, visit_at
from tests.conftest import (
    DEFAULT_NOW,
    SERVICE_TOKEN,
    Clock,
    Database,
    as_chat,
    as_staff,
    staff_web_session,
)

ANNA, ERIK, KARIN = 1, 3, 4


def browser(app: Any, cookies: dict[str, str] | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver", cookies=cookies
    )


async def test_an_api_token_expires_and_can_be_revoked(
    api: httpx.AsyncClient, demo: None, clock: Clock, db: Database, app: Any
) -> None:
    assert (await api.get("/staff/day", headers=as_staff("anna"))).status_code == 200
    karin = await staff_web_session(db, await db.get(Staff, KARIN))
    token = await db.first(
        select(StaffSession)
        .where(StaffSession.staff_id == ANNA)
        .where(StaffSession.kind == SessionKind.API)
    )
    async with browser(app, karin.cookies) as web:
        revoked = await web.post(f"/web/sessions/{token.id}/revoke", data={"csrf": karin.csrf})
    assert revoked.status_code == 303
    refused = await api.get("/staff/day", headers=as_staff("anna"))
    assert (refused.status_code, refused.json()["code"]) == (401, "session_expired")

    erik_token = await db.first(
        select(StaffSession)
        .where(StaffSession.staff_id == ERIK)
        .where(StaffSession.kind == SessionKind.API)
    )
    clock.now = erik_token.expires_at + timedelta(seconds=1)
    expired = await api.get("/staff/day", headers=as_staff("erik"))
    assert (expired.status_code, expired.json()["code"]) == (401, "session_expired")


async def test_the_bots_link_signs_in_once_and_a_preview_does_not_use_it(
    api: httpx.AsyncClient, demo: None, app: Any, clock: Clock
) -> None:
    asked = await api.post("/bot/web-signin", headers=as_chat("erik"))
    assert asked.status_code == 200, asked.text
    url = asked.json()["url"]
    path = url.removeprefix("http://127.0.0.1:8000")
    async with browser(app) as web:
        for _ in range(2):  # Telegram's link preview, then Erik
            page = await web.get(path)
            assert page.status_code == 200 and "Erik Johansson" in page.text
        signed_in = await web.post(path)
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/web/"
        cookie = signed_in.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=36000" in cookie
        assert "Secure" not in cookie  # served over http on this machine only
        home = await web.get("/web/")
        assert home.status_code == 200 and "Hej Erik" in home.text
    async with browser(app) as other:
        again = await other.post(path)
        assert again.headers["location"] == "/web/signin?problem=code_used"
        assert "använts" in (await other.get(again.headers["location"])).text
    lisa_asks = await api.post("/bot/web-signin", headers=as_chat("lisa"))
    assert (lisa_asks.status_code, lisa_asks.json()["code"]) == (403, "staff_only")


async def test_a_sign_in_link_expires_after_ten_minutes(
    api: httpx.AsyncClient, demo: None, app: Any, clock: Clock
) -> None:
    url = (await api.post("/bot/web-signin", headers=as_chat("erik"))).json()["url"]
    clock.advance(minutes=10, seconds=1)
    async with browser(app) as web:
        page = await web.get(url.removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 400 and "har gått ut" in page.text


async def test_a_web_session_ends_when_idle_and_after_its_hours(
    demo: None, app: Any, clock: Clock, db: Database
) -> None:
    erik = await staff_web_session(db, await db.get(Staff, ERIK))  # used a minute ago
    async with browser(app, erik.cookies) as web:
        clock.advance(minutes=28)
        assert (await web.get("/web/")).status_code == 200
        clock.advance(minutes=29)  # used 29 minutes ago: still signed in
        assert (await web.get("/web/")).status_code == 200
        clock.advance(minutes=31)
        idle = await web.get("/web/clients")
        assert idle.status_code == 303
        assert idle.headers["location"] == "/web/signin?next=%2Fweb%2Fclients"

    clock.now = DEFAULT_NOW
    fresh = await staff_web_session(db, await db.get(Staff, ERIK))  # signed in a minute ago
    async with browser(app, fresh.cookies) as web:
        for _ in range(29):  # used every 20 minutes: still signed in 9 h 41 min later
            clock.advance(minutes=20)
            assert (await web.get("/web/")).status_code == 200
        clock.advance(minutes=20)  # 10 h 1 min after signing in: the session has ended
        assert (await web.get("/web/")).status_code == 303


async def test_a_form_without_the_sessions_csrf_token_is_refused_and_changes_nothing(
    demo: None, app: Any, db: Database
) -> None:
    karin = await staff_web_session(db, await db.get(Staff, KARIN))
    async with browser(app, karin.cookies) as web:
        forged = await web.post("/web/staff/2/deactivate", data={"csrf": "guessed"})
        assert forged.status_code == 403
        assert "Formuläret hade gått ut" in forged.text
        no_token = await web.post("/web/staff/2/deactivate")
        assert no_token.status_code == 403
        htmx = await web.post(
            "/web/staff/2/deactivate", headers={"X-CSRF-Token": karin.csrf, "HX-Request": "true"}
        )
        assert htmx.status_code == 303
    maria = await db.get(Staff, 2)
    assert maria.active is False  # only the request with the token did it


async def test_a_staff_member_who_leaves_loses_every_way_in_at_once(
    api: httpx.AsyncClient, demo: None, app: Any, db: Database, clock: Clock
) -> None:
    anna_web = await staff_web_session(db, await db.get(Staff, ANNA))
    karin = await staff_web_session(db, await db.get(Staff, KARIN))
    tomorrow = clock.now.date() + timedelta(days=1)
    # A message waits for Anna: a request from Lisa to decide.
    lunch = await visit_at(api, tomorrow, 12)
    asked = await api.post(
        f"/clients/{LISA}/requests",
        json={
            "change": {"kind": "resize", "visit_id": lunch["id"], "new_duration": 30},
            "idempotency_key": "before-anna-leaves",
        },
        headers=as_chat("lisa"),
    )
    assert asked.status_code == 201 and asked.json()["assignee"] == "contact_person"
    waiting = await db.all(select(Notification).where(col(Notification.delivered_at).is_(None)))
    assert waiting

    async with browser(app, karin.cookies) as web:
        left = await web.post(f"/web/staff/{ANNA}/deactivate", data={"csrf": karin.csrf})
        assert left.status_code == 303
        clients = await web.get("/web/clients")
    # Lisa's row says she needs a new contact person.
    lisa_row = next(line for line in clients.text.split("<tr>") if "Andersson, Lisa" in line)
    assert "behöver ny kontaktperson" in lisa_row

    api_refused = await api.get("/staff/day", headers=as_staff("anna"))
    assert (api_refused.status_code, api_refused.json()["code"]) == (401, "session_expired")
    async with browser(app, anna_web.cookies) as web:
        assert (await web.get("/web/")).status_code == 303
    bot = await api.get("/bot/me", headers=as_chat("anna"))
    assert (bot.status_code, bot.json()["code"]) == (401, "not_linked")
    dropped = await db.all(select(Notification).where(Notification.dropped_reason == "staff_left"))
    assert dropped  # the message waiting for Anna is not sent

    # Lisa's next request (about the evening's visit: a wish about lunch waits) goes to her
    # deputy, Maria.
    supper = await visit_at(api, tomorrow, 17)
    after = await api.post(
        f"/clients/{LISA}/requests",
        json={
            "change": {"kind": "resize", "visit_id": supper["id"], "new_duration": 25},
            "idempotency_key": "after-anna-left",
        },
        headers=as_chat("lisa"),
    )
    assert after.status_code == 201
    request = await db.get(ChangeRequest, after.json()["id"])
    assert (request.assignee, request.assigned_staff_id) == ("deputy", 2)


def test_cookies_are_secure_unless_served_over_http_on_this_machine() -> None:
    assert not secure_cookies(Settings(public_url="http://127.0.0.1:8000"))
    assert not secure_cookies(Settings(public_url="http://localhost:8000"))
    assert secure_cookies(Settings(public_url="https://ramtid.example.se"))
    assert secure_cookies(Settings(public_url="http://ramtid.example.se"))
    assert COOKIE == "ramtid_session"


async def test_a_new_staff_member_links_the_bot_with_the_managers_code(
    api: httpx.AsyncClient, demo: None, app: Any, db: Database
) -> None:
    karin = await staff_web_session(db, await db.get(Staff, KARIN))
    async with browser(app, karin.cookies) as web:
        created = await web.post(
            "/web/staff",
            data={"csrf": karin.csrf, "first_name": "Nora", "last_name": "Ek", "role": "carer"},
        )
        assert created.status_code == 303
        page = await web.post(
            f"{created.headers['location']}/invitation", data={"csrf": karin.csrf}
        )
    assert page.status_code == 200
    code = page.text.split('<p class="code" dir="ltr">')[1].split("<")[0]
    linked = await api.post(
        "/bot/link",
        json={"code": code, "telegram_user_id": 4242, "chat_id": 4242, "locale": "sv"},
        headers={"X-Service-Token": SERVICE_TOKEN},
    )
    assert linked.status_code == 200, linked.text
    assert (linked.json()["kind"], linked.json()["first_name"]) == ("staff", "Nora")
