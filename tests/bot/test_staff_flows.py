"""Staff in the bot, through the real dispatcher and backend: the queue and its decisions,
stale buttons, the day's visits, check in/out and running late. Asserts the words staff read,
the rows in the database and the notifications written for clients."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from aiogram.methods import EditMessageText, SendMessage
from sqlmodel import col, or_, select

from backend.config import Settings
from backend.models import (
    AuditEvent,
    ChangeRequest,
    ChatAccount,
    Client,
    Notification,
    Order,
    RelativeLink,
    StaffAbsence,
    Visit,
)
from bot import keyboards
from bot.backend_client import BackendClient
from bot.factory import create_i18n
from bot.texts.notifications import render
from contract import TZ, PersonKind
from tests.backend.helpers import local, update_row, visit_at
from tests.bot.conftest import Chat
from tests.conftest import Clock, Database, as_chat, as_staff
from tests.support.outbox import drain

TODAY = date(2026, 11, 23)  # the tests' Monday
TOMORROW = TODAY + timedelta(days=1)
LISA, AINO = 1, 3
ANNA, SANNA = 1, 6  # staff ids

# What staff read, per language (the catalogs' words, not the code's).
SAY: dict[str, dict[str, Any]] = {
    "sv": {
        "queue": "📥 Önskemål att besluta",
        "my_day": "🚶 Mina besök idag",
        "late": "⏰ Jag är försenad",
        "waiting_2": "2 önskemål väntar, äldst först:",
        "nothing_waiting": "Inga önskemål väntar på dig.",
        "asked": "önskat måndag 23 november kl. 08:40",
        "resize": "Ändra längden på besöket tisdag 24 november kl. 12:00 till 35 min.",
        "move": "Flytta besöket måndag 23 november kl. 12:30 till måndag 23 november kl. 11:30.",
        "move_tomorrow": "Flytta besöket tisdag 24 november kl. {old} till tisdag 24 november "
        "kl. {new}.",
        "good_news": "Goda nyheter: Anna har godkänt ditt önskemål.",
        "good_news_lisas": "Goda nyheter: Anna har godkänt önskemålet som Lisa skickade.",
        "within": "Inom ramtiden",
        "review": "Inom ramtiden, men kontrollera:",
        "short_notice": "Kort varsel: besöket börjar om mindre än 3 tim.",
        "no_longer_fits": "Det ryms inte längre inom ramtiden och kan därför inte godkännas.",
        "over_frame": "för mycket",
        "10_min": "10 min",
        "23_min": "23 min",
        "approve": "Godkänn",
        "reject": "Avslå",
        "handover": "Till planeraren",
        "approved_alert": "Godkänt.",
        "approved": "✅ Godkänt. Lisa får besked.",
        "why": "Varför går det inte?",
        "no_staff": "Ingen personal ledig då",
        "rejected": "Avslaget: ingen personal ledig då. Lisa får besked.",
        "other": "Annat skäl (skriv det)",
        "write_reason": "Skriv skälet med några ord. Brukaren kommer att se det.",
        "rejected_why": "Avslaget. Lisa får veta varför.",
        "passed": "➡️ Lämnat vidare till planerarna. Lisa får veta vem som beslutar nu.",
        "escalated": "Har väntat för länge",
        "already": "Redan godkänt av Maria måndag 23 november kl. {time}.",
        "changed": "Önskemålet har ändrats. Så här ser det ut nu.",
        "not_yours": "Bara kontaktpersonen, ersättaren eller planeraren kan besluta om det här.",
        "visits_heading": "Dina besök idag:",
        "check_in": "Checka in",
        "write_note": "📝 Skriv en anteckning",
        "check_out": "Checka ut",
        "checked_in": "Incheckad kl. {time}.",
        "checked_out": "Utcheckad kl. {time}: {length} utförd tid.",
        "which_visit": "Vilket besök blir du sen till?",
        "how_late_for": "Hur sent kommer du till {name} kl. {time}?\n"
        "Eller skriv hur många minuter, till exempel 25.",
        "late_written": "en kvart",
        "late_range": "Skriv minuterna som ett tal från 1 till 240, till exempel 25.",
        "a_note": "Lisa ville ha sin lunch lite senare idag",
        "read_back": "Din anteckning:",
        "use_buttons": "Använd knapparna här nedanför, eller tryck på ”Hjälp”.",
        "help_heading": "Det här kan jag hjälpa dig med:",
        "told": "Jag har meddelat när de kan vänta dig:",
        "told_line": "{name} (planerat {time}): ca {arrival}",
        "correct_time": "Rätta utförd tid",
        "so_soon": "Du checkade in för bara {n} minuter sedan. Checka ut ändå?",
        "sure": "Ja, checka ut",
        "mistake": "Jag checkade ut av misstag",
        "corrected": "Rättat: 25 min utförd tid. Ändringen och skälet är sparade.",
        "services": {"meal": "måltid", "dressing": "påklädning", "supervision": "tillsyn"},
        "and": "och",
    },
    "en": {
        "queue": "📥 Requests to decide",
        "my_day": "🚶 My visits today",
        "late": "⏰ I am running late",
        "waiting_2": "2 requests are waiting, oldest first:",
        "nothing_waiting": "No requests are waiting for you.",
        "asked": "asked Monday 23 November 08:40",
        "resize": "Change the length of the visit Tuesday 24 November at 12:00 to 35 mins.",
        "move": "Move the visit Monday 23 November at 12:30 to Monday 23 November at 11:30.",
        "move_tomorrow": "Move the visit Tuesday 24 November at {old} to Tuesday 24 November "
        "at {new}.",
        "good_news": "Good news: Anna approved your request.",
        "good_news_lisas": "Good news: Anna approved the request Lisa made.",
        "within": "Within the frame",
        "review": "Within the frame, but check:",
        "short_notice": "Short notice: the visit is in less than 3 hrs.",
        "no_longer_fits": "This no longer fits within the frame, so it cannot be approved.",
        "over_frame": " over.",
        "10_min": "10 mins",
        "23_min": "23 mins",
        "approve": "Approve",
        "reject": "Reject",
        "handover": "To the planner",
        "approved_alert": "Approved.",
        "approved": "✅ Approved. Lisa will be told.",
        "why": "Why is it not possible?",
        "no_staff": "No staff available at that time",
        "rejected": "Rejected: no staff available at that time. Lisa will be told.",
        "other": "Another reason (write it)",
        "write_reason": "Write the reason in a few words; the client will see it.",
        "rejected_why": "Rejected. Lisa will be told why.",
        "passed": "➡️ Passed to the planners. Lisa will be told who decides now.",
        "escalated": "Waited too long",
        "already": "Already approved by Maria on Monday 23 November at {time}.",
        "changed": "This request has changed. Here is how it looks now.",
        "not_yours": "Only the contact person, deputy or planner can decide this.",
        "visits_heading": "Your visits today:",
        "check_in": "Check in",
        "write_note": "📝 Write a note",
        "check_out": "Check out",
        "checked_in": "Checked in at {time}.",
        "checked_out": "Checked out at {time}: {length} performed.",
        "which_visit": "Which visit will you be late for?",
        "how_late_for": "How late will you be for {name} at {time}?\n"
        "Or write how many minutes, for example 25.",
        "late_written": "a quarter of an hour",
        "late_range": "Write the minutes as a number from 1 to 240, for example 25.",
        "a_note": "Lisa wanted her lunch a bit later today",
        "read_back": "Your note:",
        "use_buttons": "Please use the buttons below, or press “Help”.",
        "help_heading": "What I can do for you:",
        "told": "I have told them when to expect you:",
        "told_line": "{name} (planned {time}): about {arrival}",
        "correct_time": "Correct the performed time",
        "so_soon": "You checked in only {n} minutes ago. Check out now anyway?",
        "sure": "Yes, check out",
        "mistake": "I checked out by mistake",
        "corrected": "Corrected: 25 mins performed. The change and its reason are saved.",
        "services": {"meal": "meal", "dressing": "dressing", "supervision": "safety check"},
        "and": "and",
    },
}
LANGS = ["sv", "en"]
STAFF = ("anna", "maria", "erik", "ahmed")


@pytest.fixture(params=LANGS)
async def lang(request: pytest.FixtureRequest, chat: Chat, backend_client: BackendClient) -> str:
    """The staff speak this language for the test."""
    for who in STAFF:
        await backend_client.update_me(Chat.user_id(who), locale=request.param)
    return str(request.param)


def joined(words: list[str], and_word: str) -> str:
    """A list as people write it: "meal", "meal and dressing", "a, b and c"."""
    if len(words) < 2:
        return "".join(words)
    return "{} {} {}".format(", ".join(words[:-1]), and_word, words[-1])


def hhmm(moment: Any) -> str:
    return moment.astimezone(TZ).strftime("%H:%M")


async def ask(
    api: httpx.AsyncClient, who: str, client_id: int, change: dict[str, Any], note: str = ""
) -> dict[str, Any]:
    """A client's request, sent the way the bot sends it (as their chat account)."""
    r = await api.post(
        f"/clients/{client_id}/requests",
        json={"idempotency_key": uuid.uuid4().hex, "note": note, "change": change},
        headers=as_chat(who),
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def lisa_asks_for_a_longer_lunch(api: httpx.AsyncClient) -> dict[str, Any]:
    lunch = await visit_at(api, TOMORROW, 12)
    return await ask(
        api,
        "lisa",
        LISA,
        {"kind": "resize", "visit_id": lunch["id"], "new_duration": 35},
        note="Jag vill hinna äta i lugn och ro",
    )


async def notifications(db: Database, kind: str) -> list[tuple[int, Any]]:
    """(telegram user id, message) of every notification of ``kind``."""
    rows = await db.all(
        select(ChatAccount.telegram_user_id, Notification.message)
        .join(ChatAccount, col(ChatAccount.id) == Notification.chat_account_id)
        .where(Notification.kind == kind)
    )
    return [(user, message) for user, message in rows]


async def accounts_told_about(db: Database, client_id: int) -> set[int]:
    """The client's own chat account and those of relatives with the client's consent."""
    relatives = (
        select(RelativeLink.relative_id)
        .where(RelativeLink.client_id == client_id)
        .where(col(RelativeLink.revoked_at).is_(None))
    )
    rows = await db.all(
        select(ChatAccount.telegram_user_id).where(
            or_(
                col(ChatAccount.client_id) == client_id,
                col(ChatAccount.relative_id).in_(relatives),
            )
        )
    )
    return set(rows)


# --- the queue ----------------------------------------------------------------------------


async def test_a_long_queue_comes_five_at_a_time_with_show_more(
    chat: Chat, api, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    """Seven waiting: five messages, each with its buttons, then "Visa fler" for the other
    two; the button goes away once pressed, and each request is shown once, oldest first."""
    weekdays = {0: "måndag", 1: "tisdag", 2: "onsdag", 3: "torsdag"}
    asked = []  # what each request's message says it changes, oldest first
    for day in (TOMORROW, TOMORROW + timedelta(days=1), TOMORROW + timedelta(days=2)):
        for hour in (8, 12, 17)[: 7 - len(asked)]:
            visit = await visit_at(api, day, hour)
            await ask(
                api, "lisa", LISA, {"kind": "resize", "visit_id": visit["id"], "new_duration": 30}
            )
            asked.append(f"besöket {weekdays[day.weekday()]} {day.day} november kl. {hour:02d}:00")
            clock.advance(minutes=1)
    assert len(asked) == 7

    await chat.send("anna", "📥 Önskemål att besluta")
    heading, *first, more = chat.sent()
    assert heading == "7 önskemål väntar, äldst först:"
    assert more == "Fler önskemål väntar."
    assert chat.buttons("anna") == ["Visa fler"]
    assert len(first) == 5
    for text, visit in zip(first, asked[:5], strict=True):
        assert visit in text, text

    await chat.press("anna", "Visa fler")
    edited = [r for r in chat.last if isinstance(r, EditMessageText)]
    assert [(e.text, e.reply_markup) for e in edited] == [("Fler önskemål väntar.", None)]
    second = chat.sent()  # the other two, and no "more" after them
    assert len(second) == 2
    for text, visit in zip(second, asked[5:], strict=True):
        assert visit in text, text
    assert any("Godkänn" in b for b in chat.buttons("anna"))


async def test_queue_shows_the_oldest_first_with_the_frame_check(
    chat: Chat, lang: str, api, db: Database, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    s = SAY[lang]
    await lisa_asks_for_a_longer_lunch(api)
    # Sanna, Aino's contact person, is away: Anna is her deputy.
    await db.add(StaffAbsence(staff_id=SANNA, starts_on=TODAY, ends_on=TODAY))
    clock.advance(minutes=10)
    lunch = await visit_at(api, TODAY, 12, who="aino", client_id=AINO)
    await ask(
        api,
        "aino",
        AINO,
        {"kind": "move", "visit_id": lunch["id"], "new_start": local(TODAY, 11, 30).isoformat()},
    )

    reply = await chat.send("anna", s["queue"])
    assert s["waiting_2"] in reply
    _heading, first, second = chat.sent()
    assert "Lisa" in first and "Aino" not in first
    assert s["asked"] in first
    assert s["resize"] in first
    assert "“Jag vill hinna äta i lugn och ro”" in first  # the client's own words
    assert s["within"] in first and s["review"] not in first
    assert "Aino" in second and "Lisa" not in second
    assert s["move"] in second
    assert s["review"] in second and s["short_notice"] in second
    for label in (s["approve"], s["reject"], s["handover"]):
        assert any(label in b for b in chat.buttons("anna"))
    # Maria is neither Lisa's contact person nor on duty for Aino: her queue is empty.
    assert s["nothing_waiting"] in await chat.send("maria", s["queue"])


async def test_a_request_that_no_longer_fits_says_why_on_its_card_and_can_still_be_rejected(
    chat: Chat, lang: str, api, db: Database, backend_client: BackendClient
) -> None:  # type: ignore[no-untyped-def]
    s = SAY[lang]
    request = await lisa_asks_for_a_longer_lunch(api)
    # Meanwhile the assessor lowered Lisa's frame to 5 minutes above what is used.
    frame = await backend_client.frame(Chat.user_id("lisa"), LISA)
    used = frame.performed_minutes + frame.planned_minutes
    async with db.sessions() as session:
        order = (await session.exec(select(Order).where(Order.client_id == LISA))).one()
        order.frame_minutes = used + 5
        session.add(order)
        await session.commit()

    await chat.send("anna", s["queue"])
    await chat.press("anna", s["approve"])
    [shown] = chat.edits()
    # The card still says whose request it is and what it asks, then why it cannot be approved.
    assert shown.startswith("<b>Lisa</b>") and s["resize"] in shown
    assert s["no_longer_fits"] in shown
    assert s["over_frame"] in shown and s["10_min"] in shown  # 15 more, 5 left
    assert s["within"] not in shown  # what the check said when it was sent no longer holds
    row = await db.get(ChangeRequest, request["id"])
    assert row.status == "pending" and row.version == request["version"]
    assert (await db.get(Visit, request["change"]["visit_id"])).duration_minutes == 20
    assert await notifications(db, "request_decided") == []
    # Anna can still reject it or pass it on from the same card, but not approve it.
    buttons = chat.buttons("anna")
    assert any(s["reject"] in b for b in buttons) and any(s["handover"] in b for b in buttons)
    assert not any(s["approve"] in b for b in buttons)
    await chat.press("anna", s["reject"])
    await chat.press("anna", s["no_staff"])
    assert s["rejected"] in chat.edits()[0]
    assert (await db.get(ChangeRequest, request["id"])).status == "rejected"


async def test_approve_changes_the_visit_and_tells_the_client(
    chat: Chat, lang: str, api, db: Database, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    s = SAY[lang]
    request = await lisa_asks_for_a_longer_lunch(api)
    await chat.send("anna", s["queue"])
    clock.advance(minutes=3)
    await chat.press("anna", s["approve"])
    assert s["approved_alert"] in chat.alerts()
    [edited] = chat.edits()
    assert s["approved"] in edited and s["resize"] in edited
    row = await db.get(ChangeRequest, request["id"])
    assert row.status == "approved"
    assert row.decided_by_staff_id == ANNA and row.decided_at == clock.now
    assert (await db.get(Visit, request["change"]["visit_id"])).duration_minutes == 35
    told = await notifications(db, "request_decided")
    assert sorted(user for user, _ in told) == sorted(await accounts_told_about(db, LISA))
    assert all(m.status == "approved" and m.decided_by_first_name == "Anna" for _, m in told)


async def test_an_approved_move_still_shows_the_old_and_the_new_time(
    chat: Chat, lang: str, api, db: Database, backend_client: BackendClient, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    """Once approved, the visit has moved; the request must still say where it moved from.
    (It used to be worded from the moved visit: "move 13:00 to 13:00".)"""
    s = SAY[lang]
    lunch = await visit_at(api, TOMORROW, 12)
    before = await db.get(Visit, lunch["id"])  # the visit as it is when Lisa asks
    request = await ask(
        api,
        "lisa",
        LISA,
        {"kind": "move", "visit_id": lunch["id"], "new_start": local(TOMORROW, 13).isoformat()},
    )
    asked = await db.get(ChangeRequest, request["id"])
    old, new = hhmm(before.planned_start), hhmm(asked.change.new_start)
    assert old != new

    await chat.send("anna", s["queue"])
    await chat.press("anna", s["approve"])
    moved = await db.get(Visit, lunch["id"])
    assert hhmm(moved.planned_start) == new  # the visit itself now says only the new time

    # Anna's card after she approved it.
    [card] = chat.edits()
    assert s["move_tomorrow"].format(old=old, new=new) in card and s["approved"] in card

    # Lisa's list of her wishes (she reads Swedish).
    listed = await chat.send("lisa", "📨 Mina önskemål")
    moved_sv = SAY["sv"]["move_tomorrow"].format(old=old, new=new)
    assert moved_sv in listed and "Godkänt av Anna" in listed

    # And the message she and Eva are sent about it, in their language.
    i18n = create_i18n(settings)
    decided = await drain(backend_client, "request_decided")
    assert {n.chat_id for n in decided} == await accounts_told_about(db, LISA)
    for notification in decided:
        with i18n.context(), i18n.use_locale(notification.locale):
            text = render(notification)
        # Lisa asked: she reads "your request", Eva reads whose request it was.
        mine = notification.recipient is PersonKind.CLIENT
        assert SAY[notification.locale]["good_news" if mine else "good_news_lisas"] in text
        assert SAY[notification.locale]["move_tomorrow"].format(old=old, new=new) in text


async def test_reject_with_a_reason_button(chat: Chat, lang: str, api, db: Database) -> None:  # type: ignore[no-untyped-def]
    s = SAY[lang]
    request = await lisa_asks_for_a_longer_lunch(api)
    await chat.send("anna", s["queue"])
    asked = await chat.press("anna", s["reject"])
    assert s["why"] in asked
    assert (await db.get(ChangeRequest, request["id"])).status == "pending"  # not yet
    await chat.press("anna", s["no_staff"])
    [edited] = chat.edits()
    assert s["rejected"] in edited
    row = await db.get(ChangeRequest, request["id"])
    assert row.status == "rejected" and row.reject_reason == "no_staff"
    assert row.reject_text is None and row.decided_by_staff_id == ANNA
    assert (await db.get(Visit, request["change"]["visit_id"])).duration_minutes == 20
    told = await notifications(db, "request_decided")
    assert {user for user, _ in told} == await accounts_told_about(db, LISA)
    assert all(m.reject_reason == "no_staff" for _, m in told)


async def test_reject_with_another_reason_asks_for_the_words(
    chat: Chat, lang: str, api, db: Database
) -> None:  # type: ignore[no-untyped-def]
    s = SAY[lang]
    request = await lisa_asks_for_a_longer_lunch(api)
    await chat.send("anna", s["queue"])
    await chat.press("anna", s["reject"])
    assert s["write_reason"] in await chat.press("anna", s["other"])
    assert (await db.get(ChangeRequest, request["id"])).status == "pending"
    typed = "Vi har personalmöte vid lunch i morgon"
    assert s["rejected_why"] in await chat.send("anna", typed)
    row = await db.get(ChangeRequest, request["id"])
    assert row.status == "rejected"
    assert row.reject_reason == "other" and row.reject_text == typed
    told = await notifications(db, "request_decided")
    assert {user for user, _ in told} == await accounts_told_about(db, LISA)
    assert all(m.reject_text == typed for _, m in told)


async def test_hand_over_to_the_planner(chat: Chat, lang: str, api, db: Database) -> None:  # type: ignore[no-untyped-def]
    s = SAY[lang]
    request = await lisa_asks_for_a_longer_lunch(api)
    assert s["nothing_waiting"] in await chat.send("erik", s["queue"])
    await chat.send("anna", s["queue"])
    await chat.press("anna", s["handover"])
    [edited] = chat.edits()
    assert s["passed"] in edited
    row = await db.get(ChangeRequest, request["id"])
    assert row.status == "pending"
    assert row.assignee == "planners" and row.assigned_staff_id is None

    erik = await chat.send("erik", s["queue"])
    assert "Lisa" in erik and s["resize"] in erik
    assert s["escalated"] not in erik  # handed over at once: it did not wait too long
    assert s["nothing_waiting"] in await chat.send("anna", s["queue"])
    told = await notifications(db, "request_handed_over")
    assert [user for user, _ in told] == [Chat.user_id("erik")]


# --- stale buttons and who may decide -----------------------------------------------------


async def test_a_request_decided_by_someone_else_says_who_and_when(
    chat: Chat, lang: str, api, db: Database, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    s = SAY[lang]
    request = await lisa_asks_for_a_longer_lunch(api)
    await chat.send("anna", s["queue"])
    stale_approve = chat.callback_for("anna", s["approve"])

    clock.advance(minutes=7)  # Maria, Lisa's deputy, decides on the staff web
    r = await api.post(
        f"/staff/requests/{request['id']}/approve", json={}, headers=as_staff("maria")
    )
    assert r.status_code == 200, r.text
    decided = await db.get(ChangeRequest, request["id"])
    notified = await db.count(Notification)

    clock.advance(minutes=5)
    await chat.press_data("anna", stale_approve)
    expected = s["already"].format(time=hhmm(decided.decided_at))
    assert expected in chat.alerts()
    assert hhmm(decided.decided_at) != hhmm(clock.now)  # Maria's time, not the press's
    [edited] = chat.edits()
    assert expected in edited and "Lisa" in edited
    after = await db.get(ChangeRequest, request["id"])
    assert (after.status, after.decided_by_staff_id, after.decided_at, after.version) == (
        "approved",
        decided.decided_by_staff_id,
        decided.decided_at,
        decided.version,
    )
    assert (
        await db.get(Visit, request["change"]["visit_id"])
    ).duration_minutes == 35  # applied once
    assert await db.count(Notification) == notified


async def test_a_stale_button_shows_the_request_as_it_is_now(
    chat: Chat, lang: str, api, db: Database
) -> None:  # type: ignore[no-untyped-def]
    s = SAY[lang]
    request = await lisa_asks_for_a_longer_lunch(api)
    await chat.send("anna", s["queue"])
    stale_approve = chat.callback_for("anna", s["approve"])
    await chat.press("anna", s["handover"])
    handed = await db.get(ChangeRequest, request["id"])
    assert handed.version == request["version"] + 1

    await chat.press_data("anna", stale_approve)
    assert s["changed"] in chat.alerts()
    [shown] = chat.edits()
    assert s["resize"] in shown and s["approved"] not in shown
    after = await db.get(ChangeRequest, request["id"])
    assert after.status == "pending" and after.version == handed.version
    assert (await db.get(Visit, request["change"]["visit_id"])).duration_minutes == 20
    # The buttons shown now act on the current version.
    fresh = keyboards.Decide.unpack(chat.callback_for("anna", s["approve"]))
    assert (fresh.request_id, fresh.version) == (request["id"], handed.version)
    assert await notifications(db, "request_decided") == []


async def test_a_carer_who_is_not_contact_person_or_deputy_cannot_decide(
    chat: Chat, lang: str, api, db: Database
) -> None:  # type: ignore[no-untyped-def]
    s = SAY[lang]
    request = await lisa_asks_for_a_longer_lunch(api)
    notified = await db.count(Notification)
    crafted = keyboards.Decide(
        action="approve", request_id=request["id"], version=request["version"]
    ).pack()
    await chat.press_data("ahmed", crafted)
    assert s["not_yours"] in chat.alerts()
    row = await db.get(ChangeRequest, request["id"])
    assert row.status == "pending" and row.version == request["version"]
    assert row.decided_by_staff_id is None
    assert (await db.get(Visit, request["change"]["visit_id"])).duration_minutes == 20
    assert await db.count(Notification) == notified


# --- my day -------------------------------------------------------------------------------


async def give_aino_s_lunch_to_anna(api: httpx.AsyncClient) -> dict[str, Any]:
    """Erik the planner gives Aino's lunch today to Anna (Sanna, her contact, is away)."""
    lunch = await visit_at(api, TODAY, 12, who="aino", client_id=AINO)
    r = await api.post(f"/staff/visits/{lunch['id']}/assign/{ANNA}", headers=as_staff("erik"))
    assert r.status_code == 200, r.text
    return lunch


async def annas_visits_today(db: Database) -> list[tuple[Visit, Client]]:
    return await db.all(
        select(Visit, Client)
        .join(Client, col(Client.id) == Visit.client_id)
        .where(Visit.staff_id == ANNA)
        .where(Visit.day == TODAY)
        .order_by(col(Visit.planned_start))
    )


async def test_my_day_lists_the_visits_in_time_order(
    chat: Chat, lang: str, api, db: Database
) -> None:  # type: ignore[no-untyped-def]
    s = SAY[lang]
    await give_aino_s_lunch_to_anna(api)
    expected = await annas_visits_today(db)
    assert {c.first_name for _, c in expected} == {"Lisa", "Aino"}

    reply = await chat.send("anna", s["my_day"])
    assert s["visits_heading"] in reply
    _heading, *blocks = chat.sent()
    assert len(blocks) == len(expected)
    for block, (visit, client) in zip(blocks, expected, strict=True):
        end = visit.planned_start + timedelta(minutes=visit.duration_minutes)
        assert f"{hhmm(visit.planned_start)}–{hhmm(end)}" in block
        assert f"{client.first_name} · {client.address_area}" in block
        assert joined([s["services"][code] for code in visit.services], s["and"]) in block
        assert visit.how in block  # the client's own wishes for how it is done
    assert any("Gröt med lingon, kaffe." in b for b in blocks)
    assert chat.buttons("anna") == [s["check_in"], s["write_note"]]


async def reads_recorded(db: Database) -> int:
    return len(await db.all(select(AuditEvent.id).where(AuditEvent.action == "client.read")))


async def test_check_in_and_out_record_the_actual_times(
    chat: Chat, lang: str, db: Database, clock: Clock
) -> None:
    s = SAY[lang]
    await chat.send("anna", s["my_day"])
    breakfast, client = (await annas_visits_today(db))[0]
    first = hhmm(breakfast.planned_start)
    reads_before = await reads_recorded(db)

    checked_in_at = clock.now
    await chat.press_on("anna", first, s["check_in"])
    note = s["checked_in"].format(time=hhmm(checked_in_at))
    assert note in chat.alerts()
    [edited] = chat.edits()
    assert note in edited and first in edited
    assert f"{client.first_name} · {client.address_area}" in edited
    # Checking in to one visit is not a read of every client of her day.
    assert await reads_recorded(db) == reads_before
    row = await db.get(Visit, breakfast.id)
    assert row.status == "in_progress" and row.actual_start == checked_in_at
    assert row.actual_end is None

    clock.advance(minutes=23)
    await chat.press_on("anna", first, s["check_out"])
    note = s["checked_out"].format(time=hhmm(clock.now), length=s["23_min"])
    assert note in chat.alerts()
    [edited] = chat.edits()
    assert note in edited
    [edit] = [r for r in chat.last if isinstance(r, EditMessageText)]
    # On a done visit what is left: correct the performed time, or write a note about it.
    assert edit.reply_markup is not None
    assert [b.text for row in edit.reply_markup.inline_keyboard for b in row] == [
        s["correct_time"],
        s["write_note"],
    ]
    row = await db.get(Visit, breakfast.id)
    assert row.status == "done"
    assert (row.actual_start, row.actual_end) == (checked_in_at, clock.now)


async def test_a_double_tap_does_not_check_out_and_a_wrong_time_can_be_corrected(
    chat: Chat, lang: str, db: Database, clock: Clock
) -> None:
    s = SAY[lang]
    await chat.send("anna", s["my_day"])
    breakfast, _client = (await annas_visits_today(db))[0]
    first = hhmm(breakfast.planned_start)
    await chat.press_on("anna", first, s["check_in"])
    checked_in_at = clock.now
    # The second tap of a double tap lands on the button that just became "check out".
    clock.advance(seconds=20)
    await chat.press_on("anna", first, s["check_out"])
    [edited] = chat.edits()
    assert edited.endswith(s["so_soon"].format(n=0))
    row = await db.get(Visit, breakfast.id)
    assert (row.status, row.actual_end) == ("in_progress", None)  # no "0 min performed"

    # Anna really did leave at once: she confirms, then corrects the time to what she did.
    await chat.press_on("anna", first, s["sure"])
    row = await db.get(Visit, breakfast.id)
    assert row.status == "done" and row.actual_end == clock.now
    clock.advance(minutes=30)
    await chat.press_on("anna", first, s["correct_time"])
    await chat.send("anna", "25")
    await chat.press("anna", s["mistake"])
    row = await db.get(Visit, breakfast.id)
    assert row.actual_end == checked_in_at + timedelta(minutes=25)
    [event] = await db.all(
        select(AuditEvent)
        .where(AuditEvent.action == "visit.performed_corrected")
        .where(AuditEvent.entity_id == breakfast.id)
    )
    assert event.details == {
        "reason": "double_tap",
        "previous_minutes": 0,
        "performed_minutes": 25,
    }
    assert s["corrected"] in chat.alerts()


# --- running late -------------------------------------------------------------------------


async def test_running_late_is_for_one_visit_and_the_visits_it_pushes(
    chat: Chat, lang: str, api, db: Database, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    s = SAY[lang]
    await give_aino_s_lunch_to_anna(api)
    # Breakfast at Lisa's is done; the rest of Anna's day is still to come.
    breakfast, _client = (await annas_visits_today(db))[0]
    for action in ("check-in", "check-out"):
        r = await api.post(f"/staff/visits/{breakfast.id}/{action}", headers=as_staff("anna"))
        assert r.status_code == 200, r.text
        clock.advance(minutes=20)
    waiting = [(v, c) for v, c in await annas_visits_today(db) if v.status == "planned"]
    assert [(hhmm(v.planned_start), c.first_name) for v, c in waiting] == [
        ("12:00", "Lisa"),
        ("12:30", "Aino"),
        ("17:00", "Lisa"),
    ]

    assert s["which_visit"] in await chat.send("anna", s["late"])
    lunch, lisa = waiting[0]
    await chat.press("anna", f"12:00 {lisa.first_name}")
    [asked] = chat.edits()
    assert asked == s["how_late_for"].format(name="Lisa", time="12:00")
    await chat.press("anna", "20 min")

    # Computed here from the rows: Lisa's lunch starts 20 min late and ends 20 min late; each
    # later visit is late by what the one before overruns its start, until one has slack.
    expected: dict[int, int] = {}
    free_at = lunch.planned_start + timedelta(minutes=20 + lunch.duration_minutes)
    expected[lunch.id] = 20
    for visit, _c in waiting[1:]:
        late = int((free_at - visit.planned_start).total_seconds() // 60)
        if late <= 0:
            break
        expected[visit.id] = late
        free_at = visit.planned_start + timedelta(minutes=late + visit.duration_minutes)
    assert len(expected) == 2  # Aino's 12:30 is pushed, Lisa's 17:00 is not
    names = {v.id: c.first_name for v, c in waiting}
    starts = {v.id: v.planned_start for v, _c in waiting}
    [told] = chat.edits()
    assert told == "\n".join(
        [s["told"]]
        + [
            s["told_line"].format(
                name=names[vid],
                time=hhmm(starts[vid]),
                arrival=hhmm(starts[vid] + timedelta(minutes=late)),
            )
            for vid, late in expected.items()
        ]
    )
    for visit, _c in waiting:
        assert (await db.get(Visit, visit.id)).late_minutes == expected.get(visit.id, 0)
    assert (await db.get(Visit, breakfast.id)).late_minutes == 0

    # One message per client (and each consenting relative), about the visit it concerns.
    rows = await notifications(db, "staff_late")
    want = {
        (user, vid)
        for vid in expected
        for user in await accounts_told_about(db, next(c.id for v, c in waiting if v.id == vid))
    }
    assert {(user, m.visit_id) for user, m in rows} == want
    assert len(rows) == len(want)
    assert all(m.late_minutes == expected[m.visit_id] for _, m in rows)


async def test_a_long_day_is_one_list_and_the_visits_to_act_on_now(
    chat: Chat, db: Database
) -> None:
    # Anna also has eight of Gösta's visits today: eleven in all. Her breakfast visit with
    # Lisa is under way. It is 08:40.
    await db.add(
        *(
            Visit(
                client_id=2,
                day=TODAY,
                planned_start=local(TODAY, hour, minute),
                duration_minutes=20,
                services=["meal"],
                staff_id=ANNA,
            )
            for hour, minute in (
                (10, 0),
                (10, 30),
                (11, 0),
                (13, 0),
                (14, 0),
                (15, 0),
                (16, 0),
                (18, 0),
            )
        )
    )
    day = await annas_visits_today(db)
    breakfast = day[0][0]
    await update_row(
        db, Visit, breakfast.id, status="in_progress", actual_start=local(TODAY, 8, 5)
    )

    await chat.send("anna", "🚶 Mina besök idag")

    listing, *blocks = chat.sent()
    assert listing.startswith(f"Dina {len(day)} besök idag:")
    for visit, client in day:
        assert f"{hhmm(visit.planned_start)}–" in listing and client.first_name in listing
    assert listing.count("\n<b>") == len(day)  # a line a visit
    [sent] = [r for r in chat.last if isinstance(r, SendMessage) and r.text == listing]
    assert [b.text for row in sent.reply_markup.inline_keyboard for b in row] == [
        f"{hhmm(visit.planned_start)} {client.first_name}" for visit, client in day
    ]
    # Under way (to check out), then the next three not yet begun; the rest only listed.
    assert [block.split("</b>")[0][3:8] for block in blocks] == [
        "08:00",
        "10:00",
        "10:30",
        "11:00",
    ]
    assert "Checka ut" not in listing and "incheckad" in blocks[0]

    await chat.press_on("anna", "besök idag", "13:00 Gösta")
    [opened] = chat.sent()
    assert opened.startswith("<b>13:00–13:20</b> Gösta")
    assert chat.buttons("anna") == ["Checka in", "📝 Skriv en anteckning"]


async def test_how_late_can_be_written_instead_of_pressed(
    chat: Chat, lang: str, api, db: Database, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    """Before: Anna writing "20" at "Hur sent kommer du?" read "Använd knapparna här
    nedanför", and nobody was told."""
    s = SAY[lang]
    breakfast, _client = (await annas_visits_today(db))[0]
    for action in ("check-in", "check-out"):
        r = await api.post(f"/staff/visits/{breakfast.id}/{action}", headers=as_staff("anna"))
        assert r.status_code == 200, r.text
        clock.advance(minutes=20)
    waiting = [v for v, _c in await annas_visits_today(db) if v.status == "planned"]
    lunch = waiting[0]

    assert s["which_visit"] in await chat.send("anna", s["late"])
    await chat.press("anna", f"{hhmm(lunch.planned_start)} Lisa")
    # A number out of bounds is refused with the bounds, and nothing changes.
    assert await chat.send("anna", "300") == s["late_range"]
    assert (await db.get(Visit, lunch.id)).late_minutes == 0
    told = await chat.send("anna", s["late_written"])
    assert told.startswith(s["told"] + "\n"), told
    assert (
        s["told_line"].format(
            name="Lisa",
            time=hhmm(lunch.planned_start),
            arrival=hhmm(lunch.planned_start + timedelta(minutes=15)),
        )
        in told
    )
    assert (await db.get(Visit, lunch.id)).late_minutes == 15

    # The question is answered: a number written now is no longer how late.
    assert await chat.send("anna", "20") == s["use_buttons"]
    assert (await db.get(Visit, lunch.id)).late_minutes == 15


async def test_words_written_at_how_late_are_a_note_not_lost(
    chat: Chat, lang: str, db: Database, clock: Clock
) -> None:
    """What is not a number of minutes is what staff text always is: offered as a note."""
    s = SAY[lang]
    await chat.send("anna", s["late"])
    await chat.press("anna", "12:00 Lisa")
    reply = await chat.send("anna", s["a_note"])
    assert reply.startswith(s["read_back"]) and s["a_note"] in reply, reply
    [lunch] = [v for v, _c in await annas_visits_today(db) if hhmm(v.planned_start) == "12:00"]
    assert (await db.get(Visit, lunch.id)).late_minutes == 0

    # A command is the command, also while the question is open.
    await chat.send("anna", s["late"])
    await chat.press("anna", "12:00 Lisa")
    assert s["help_heading"] in await chat.send("anna", "/help")

    # A number written long after the question is not taken as how late either.
    await chat.send("anna", s["late"])
    await chat.press("anna", "12:00 Lisa")
    clock.advance(minutes=16)
    assert await chat.send("anna", "20") == s["use_buttons"]
    assert (await db.get(Visit, lunch.id)).late_minutes == 0
