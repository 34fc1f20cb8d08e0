"""The queue on the web: Anna sees what Lisa and Eva asked in the bot, with the frame check in
numbers and the visit before and after, and decides with the bot's own services: the visit
changes, Lisa is told through the outbox, the bot's queue is empty, and a stale page is refused
with words and nothing changed."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from html import unescape
from typing import Any

import httpx
from sqlmodel import select

from backend.models import AuditEvent, ChangeRequest, Notification, Order, Staff, Visit
from contract import TZ, RequestStatus
from tests.backend.helpers import LISA, local, visit_at
from tests.conftest import WebCredentials, as_chat, as_staff, staff_web_session

TODAY = date(2026, 11, 23)
TOMORROW = TODAY + timedelta(days=1)
ANNA, ERIK = 1, 3
SHORT_MONTHS_SV = {11: "nov.", 12: "dec."}


def browser(app: Any, who: WebCredentials) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver", cookies=who.cookies
    )


def text_of(html: str) -> str:
    """The page as a person reads it: tags gone (inline ones without a gap), spaces collapsed."""
    html = re.sub(r"</?(a|span|strong|em)\b[^>]*>", "", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def minutes(total: int) -> str:
    hours, rest = divmod(total, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


async def ask(api: httpx.AsyncClient, who: str, change: dict[str, Any]) -> dict[str, Any]:
    r = await api.post(
        f"/clients/{LISA}/requests",
        json={"idempotency_key": uuid.uuid4().hex, "change": change},
        headers=as_chat(who),
    )
    assert r.status_code == 201, r.text
    return r.json()


async def test_anna_sees_who_asked_the_numbers_and_the_visit_before_and_after(
    api, app, demo, db
) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    lisas = await ask(api, "lisa", {"kind": "resize", "visit_id": lunch["id"], "new_duration": 35})
    evening = await visit_at(api, TOMORROW, 17)
    evas = await ask(api, "eva", {"kind": "resize", "visit_id": evening["id"], "new_duration": 45})
    anna = await staff_web_session(db, await db.get(Staff, ANNA))
    async with browser(app, anna) as web:
        page = await web.get("/web/queue")
    assert page.status_code == 200
    text = text_of(page.text)

    order = await db.first(select(Order).where(Order.client_id == LISA))
    frame = (await api.get(f"/clients/{LISA}/frame", headers=as_chat("lisa"))).json()
    used = frame["performed_minutes"] + frame["planned_minutes"]
    row = await db.get(Visit, lunch["id"])
    added = 35 - row.duration_minutes

    assert f"Ram {minutes(order.frame_minutes)}" in text
    assert f"Den här ändringen +{minutes(added)}" in text
    assert f"Efter ändringen {minutes(used + added)}" in text
    assert f"Kvar efter ändringen {minutes(order.frame_minutes - used - added)}" in text
    assert "Lisa: Ändra längden" in text
    assert "Frågat av Lisa (omsorgstagaren)" in text
    assert "Frågat av Eva, anhörig" in text
    # Before and after, as the request was asked.
    assert f"Före tis 24 nov. 12:00 {minutes(row.duration_minutes)}" in text
    assert "Efter tis 24 nov. 12:00 35 min" in text
    assert page.text.index(f'id="request-{lisas["id"]}"') < page.text.index(
        f'id="request-{evas["id"]}"'
    )


async def test_a_move_in_a_month_already_over_is_not_shown_as_within(api, app, demo, db) -> None:
    frame = (await api.get(f"/clients/{LISA}/frame", headers=as_chat("lisa"))).json()
    used = frame["performed_minutes"] + frame["planned_minutes"]
    order = await db.first(select(Order).where(Order.client_id == LISA))
    order.frame_minutes = used - 60  # the assessor granted an hour less than is planned
    await db.add(order)
    lunch = await visit_at(api, TOMORROW, 12)
    start = local(TOMORROW, 12, 30).isoformat()  # half an hour later: adds no time
    await ask(api, "lisa", {"kind": "move", "visit_id": lunch["id"], "new_start": start})
    anna = await staff_web_session(db, await db.get(Staff, ANNA))
    async with browser(app, anna) as web:
        text = text_of((await web.get("/web/queue")).text)

    assert "Inom ramtiden" not in text
    assert "Lägger inte till någon tid, men kontrollera:" in text
    assert (
        f"Perioden är redan över ramtiden: {minutes(used)} av beviljade {minutes(used - 60)}, "
        "1 h för mycket."
    ) in text


async def test_a_cancellation_in_a_month_already_over_says_what_it_frees(
    api, app, demo, db
) -> None:
    frame = (await api.get(f"/clients/{LISA}/frame", headers=as_chat("lisa"))).json()
    used = frame["performed_minutes"] + frame["planned_minutes"]
    order = await db.first(select(Order).where(Order.client_id == LISA))
    order.frame_minutes = used - 60
    await db.add(order)
    lunch = await visit_at(api, TOMORROW, 12)
    await ask(api, "lisa", {"kind": "cancel", "visit_id": lunch["id"]})
    anna = await staff_web_session(db, await db.get(Staff, ANNA))
    async with browser(app, anna) as web:
        text = text_of((await web.get("/web/queue")).text)

    freed = (await db.get(Visit, lunch["id"])).duration_minutes
    assert f"Frigör {minutes(freed)}, men kontrollera:" in text
    assert "Lägger inte till någon tid" not in text
    assert f"Perioden är redan över ramtiden: {minutes(used - freed)} av beviljade" in text


async def test_anna_approves_on_the_web_and_lisa_is_told_as_from_the_bot(
    api, app, demo, db
) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    asked = await ask(api, "lisa", {"kind": "resize", "visit_id": lunch["id"], "new_duration": 35})
    anna = await staff_web_session(db, await db.get(Staff, ANNA))
    async with browser(app, anna) as web:
        done = await web.post(
            f"/web/queue/{asked['id']}/approve",
            data={"csrf": anna.csrf, "version": str(asked["version"])},
        )
        assert done.status_code == 303
        assert done.headers["location"] == f"/web/queue?done=approved&decided={asked['id']}"
        after = await web.get(done.headers["location"])
    assert "Godkänt. Lisa får veta det." in text_of(after.text)
    assert "Inga önskemål väntar på dig." in text_of(after.text)

    assert (await db.get(Visit, lunch["id"])).duration_minutes == 35
    request = await db.get(ChangeRequest, asked["id"])
    assert (request.status, request.decided_by_staff_id) == (RequestStatus.APPROVED, ANNA)
    told = await db.all(select(Notification).where(Notification.kind == "request_decided"))
    lisa_told = [n for n in told if n.message.request_id == asked["id"]]
    assert lisa_told and all(n.message.status == "approved" for n in lisa_told)
    assert lisa_told[0].message.decided_by_first_name == "Anna"
    audit = await db.all(select(AuditEvent).where(AuditEvent.action == "request.approve"))
    assert [(a.staff_id, a.entity_id) for a in audit] == [(ANNA, asked["id"])]
    # The bot's queue is empty, and its old button is told who decided.
    assert (await api.get("/staff/queue", headers=as_staff("anna"))).json()["requests"] == []
    again = await api.post(
        f"/staff/requests/{asked['id']}/approve",
        json={"version": asked["version"]},
        headers=as_chat("anna"),
    )
    assert (again.status_code, again.json()["details"]["decided_by_first_name"]) == (409, "Anna")


async def test_a_stale_page_is_refused_cleanly_and_nothing_changes(api, app, demo, db) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    asked = await ask(api, "lisa", {"kind": "resize", "visit_id": lunch["id"], "new_duration": 35})
    anna = await staff_web_session(db, await db.get(Staff, ANNA))
    async with browser(app, anna) as web:
        shown = await web.get("/web/queue")
        assert f'name="version" value="{asked["version"]}"' in shown.text
        # Meanwhile Anna rejects it in the bot.
        decided = await api.post(
            f"/staff/requests/{asked['id']}/reject",
            json={"version": asked["version"], "reason": "no_staff"},
            headers=as_chat("anna"),
        )
        assert decided.status_code == 200, decided.text
        notes_before = await db.count(Notification)
        stale = await web.post(
            f"/web/queue/{asked['id']}/approve",
            data={"csrf": anna.csrf, "version": str(asked["version"])},
        )
    assert stale.status_code == 409
    decided_at = (await db.get(ChangeRequest, asked["id"])).decided_at.astimezone(TZ)
    assert f"Redan beslutat av Anna klockan {decided_at:%H:%M}. Inget har ändrats." in text_of(
        stale.text
    )
    assert (await db.get(Visit, lunch["id"])).duration_minutes == lunch["duration_minutes"]
    assert (await db.get(ChangeRequest, asked["id"])).status is RequestStatus.REJECTED
    assert await db.count(Notification) == notes_before


async def test_a_wish_taken_back_by_eva_says_eva_took_it_back(api, app, demo, db) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    asked = await ask(api, "eva", {"kind": "resize", "visit_id": lunch["id"], "new_duration": 35})
    anna = await staff_web_session(db, await db.get(Staff, ANNA))
    async with browser(app, anna) as web:
        await web.get("/web/queue")
        withdrawn = await api.post(f"/requests/{asked['id']}/withdraw", headers=as_chat("eva"))
        assert withdrawn.status_code == 200, withdrawn.text
        assert withdrawn.json()["withdrawn_by_first_name"] == "Eva"
        stale = await web.post(
            f"/web/queue/{asked['id']}/approve",
            data={"csrf": anna.csrf, "version": str(asked["version"])},
        )
    assert stale.status_code == 409
    shown = text_of(stale.text)
    assert "Eva har dragit tillbaka önskemålet." in shown and "Brukaren" not in shown
    assert (await db.get(ChangeRequest, asked["id"])).status is RequestStatus.WITHDRAWN


async def test_a_changed_request_is_refused_with_the_reason(api, app, demo, db) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    asked = await ask(api, "lisa", {"kind": "resize", "visit_id": lunch["id"], "new_duration": 35})
    handed = await api.post(
        f"/staff/requests/{asked['id']}/hand-over",
        json={"version": asked["version"]},
        headers=as_chat("anna"),
    )
    assert handed.status_code == 200, handed.text
    erik = await staff_web_session(db, await db.get(Staff, ERIK))
    async with browser(app, erik) as web:
        stale = await web.post(
            f"/web/queue/{asked['id']}/approve",
            data={"csrf": erik.csrf, "version": str(asked["version"])},
        )
        assert stale.status_code == 409
        assert "Önskemålet har ändrats sedan sidan visades. Inget har ändrats" in text_of(
            stale.text
        )
        # The page shows it as it is now, for the planners, with the new version.
        assert f'name="version" value="{asked["version"] + 1}"' in stale.text
        approved = await web.post(
            f"/web/queue/{asked['id']}/approve",
            data={"csrf": erik.csrf, "version": str(asked["version"] + 1)},
        )
    assert approved.status_code == 303
    assert (await db.get(Visit, lunch["id"])).duration_minutes == 35


async def test_reject_needs_a_reason_and_words_for_other(api, app, demo, db) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    asked = await ask(api, "lisa", {"kind": "resize", "visit_id": lunch["id"], "new_duration": 35})
    anna = await staff_web_session(db, await db.get(Staff, ANNA))
    form = {"csrf": anna.csrf, "version": str(asked["version"])}
    async with browser(app, anna) as web:
        no_reason = await web.post(f"/web/queue/{asked['id']}/reject", data=form)
        assert no_reason.status_code == 422
        assert "Välj varför det inte går." in text_of(no_reason.text)
        no_words = await web.post(
            f"/web/queue/{asked['id']}/reject", data={**form, "reason": "other"}
        )
        assert no_words.status_code == 422
        assert "Skriv skälet när du väljer ”annat skäl”." in text_of(no_words.text)
        assert (await db.get(ChangeRequest, asked["id"])).status is RequestStatus.PENDING
        rejected = await web.post(
            f"/web/queue/{asked['id']}/reject",
            data={**form, "reason": "other", "text": "Vi har ingen bil den dagen"},
        )
    assert rejected.status_code == 303
    request = await db.get(ChangeRequest, asked["id"])
    assert (request.status, request.reject_text) == (
        RequestStatus.REJECTED,
        "Vi har ingen bil den dagen",
    )
    told = await db.all(select(Notification).where(Notification.kind == "request_decided"))
    assert {n.message.reject_text for n in told} == {"Vi har ingen bil den dagen"}


async def test_new_requests_come_to_the_open_page(api, app, demo, db) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    first = await ask(api, "lisa", {"kind": "resize", "visit_id": lunch["id"], "new_duration": 35})
    anna = await staff_web_session(db, await db.get(Staff, ANNA))
    async with browser(app, anna) as web:
        quiet = await web.get(f"/web/queue/news?seen={first['id']}")
        assert quiet.status_code == 200 and "request-" not in quiet.text
        evening = await visit_at(api, TOMORROW, 17)
        second = await ask(
            api, "eva", {"kind": "resize", "visit_id": evening["id"], "new_duration": 45}
        )
        news = await web.get(f"/web/queue/news?seen={first['id']}", headers={"HX-Request": "true"})
    assert f'id="request-{second["id"]}"' in news.text
    assert f'id="request-{first["id"]}"' not in news.text
    assert "1 nytt önskemål har kommit." in text_of(news.text)
    assert f"seen={first['id']},{second['id']}" in news.text


async def test_a_request_decided_in_the_bot_leaves_the_open_page(api, app, demo, db) -> None:
    """Anna has the queue open at her desk and approves Lisa's wish from her phone: at the
    next poll the page's card loses its buttons and says so; Eva's wish, still waiting, is
    untouched."""
    lunch = await visit_at(api, TOMORROW, 12)
    lisas = await ask(api, "lisa", {"kind": "resize", "visit_id": lunch["id"], "new_duration": 35})
    evening = await visit_at(api, TOMORROW, 17)
    evas = await ask(api, "eva", {"kind": "resize", "visit_id": evening["id"], "new_duration": 45})
    anna = await staff_web_session(db, await db.get(Staff, ANNA))
    seen = f"{lisas['id']},{evas['id']}"
    async with browser(app, anna) as web:
        page = await web.get("/web/queue")
        assert f"seen={seen}" in page.text
        r = await api.post(
            f"/staff/requests/{lisas['id']}/approve", json={}, headers=as_staff("anna")
        )
        assert r.status_code == 200
        news = await web.get(f"/web/queue/news?seen={seen}", headers={"HX-Request": "true"})
    assert news.status_code == 200
    card = re.search(rf'<li id="request-{lisas["id"]}"[^>]*>(.*?)</li>', news.text, re.S)
    assert card is not None and 'hx-swap-oob="outerHTML"' in card.group(0)
    assert "Det här önskemålet väntar inte längre" in text_of(card.group(1))
    assert "Godkänn" not in card.group(1)
    assert f'id="request-{evas["id"]}"' not in news.text  # still waiting: left as it is
    assert "1 önskemål väntar inte längre." in text_of(news.text)
    assert f'seen={evas["id"]}"' in news.text  # told once, not at every poll


async def test_a_carer_who_is_not_the_contact_person_cannot_decide(api, app, demo, db) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    asked = await ask(api, "lisa", {"kind": "resize", "visit_id": lunch["id"], "new_duration": 35})
    olle = Staff(unit_id=1, first_name="Olle", last_name="Berg")  # a carer, nobody's contact
    await db.add(olle)
    who = await staff_web_session(db, olle)
    async with browser(app, who) as web:
        page = await web.get("/web/queue")
        assert f"request-{asked['id']}" not in page.text
        refused = await web.post(
            f"/web/queue/{asked['id']}/approve",
            data={"csrf": who.csrf, "version": str(asked["version"])},
        )
    assert refused.status_code == 403
    assert (await db.get(ChangeRequest, asked["id"])).status is RequestStatus.PENDING


async def test_the_history_says_who_withdrew_an_earlier_wish(api, app, demo, db) -> None:
    """Before: "… – återkallat" without who, where a decided one names the decider."""
    lunch = await visit_at(api, TOMORROW, 12)
    evas = await ask(api, "eva", {"kind": "resize", "visit_id": lunch["id"], "new_duration": 35})
    withdrawn = await api.post(f"/requests/{evas['id']}/withdraw", headers=as_chat("eva"))
    assert withdrawn.status_code == 200, withdrawn.text
    evening = await visit_at(api, TOMORROW, 17)
    await ask(api, "lisa", {"kind": "resize", "visit_id": evening["id"], "new_duration": 45})
    anna = await staff_web_session(db, await db.get(Staff, ANNA))
    async with browser(app, anna) as web:
        page = await web.get("/web/queue")
    text = text_of(page.text)
    asked_on = (await db.get(ChangeRequest, evas["id"])).created_at.astimezone(TZ)
    assert "1 tidigare önskemål från Lisa" in text, text
    assert (
        f"{asked_on.day} {SHORT_MONTHS_SV[asked_on.month]}: Ändra längden – återkallat (Eva)"
        in text
    ), text


async def test_a_move_into_next_month_shows_the_figures_of_both_months(api, app, demo, db) -> None:
    """Monday 30 November's lunch moved to Tuesday 1 December: December gains its minutes,
    November loses them. Before, only December's figures were shown."""
    monday = TODAY + timedelta(days=7)
    lunch = await visit_at(api, monday, 12)
    tuesday_one_pm = local(monday + timedelta(days=1), 13).isoformat()
    await ask(api, "lisa", {"kind": "move", "visit_id": lunch["id"], "new_start": tuesday_one_pm})
    anna = await staff_web_session(db, await db.get(Staff, ANNA))
    async with browser(app, anna) as web:
        text = text_of((await web.get("/web/queue")).text)
    order = await db.first(select(Order).where(Order.client_id == LISA))
    frame = (await api.get(f"/clients/{LISA}/frame", headers=as_chat("lisa"))).json()
    november_used = frame["performed_minutes"] + frame["planned_minutes"]
    moved = minutes(lunch["duration_minutes"])
    assert f"Den här ändringen +{moved}" in text
    assert (
        f"Ram {minutes(order.frame_minutes)} (1 nov. – 30 nov.) "
        f"Utfört {minutes(frame['performed_minutes'])} "
    ) in text, text
    november_after = minutes(november_used - lunch["duration_minutes"])
    assert f"Den här ändringen −{moved} Efter ändringen {november_after}" in text
