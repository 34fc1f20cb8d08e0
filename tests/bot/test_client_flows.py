"""The client's and relative's flows, through the real dispatcher and backend, asserting the
words a user reads in Swedish and in another language."""

from __future__ import annotations

import re
from html import escape
from typing import Any

import pytest
from sqlmodel import select

from backend.models import ChangeRequest, Client, Invitation, RelativeLink, Visit
from bot.backend_client import BackendClient
from contract import MAX_NOTE, Scope
from tests.bot.conftest import Chat, leave_lisa_ten_minutes
from tests.conftest import Clock, Database, as_staff
from tests.support.fake_telegram import render_html

# What a user reads, per language (the catalogs' words, not the code's).
SAY = {
    "sv": {
        "today": "📅 Idag",
        "frame": "⏱ Min tid",
        "change": "✏️ Önska en ändring",
        "requests": "📨 Mina önskemål",
        "settings": "⚙️ Inställningar",
        "longer": "Längre",
        "send": "Skicka",
        "anna_coming": "Anna kommer",
        "fits": "Det ryms i din beviljade tid",
        "sent": "Skickat till din kontaktperson Anna",
        "outside": "ryms inte i din beviljade tid",
        "assessor": "biståndshandläggare",
        "which_visit": "Vilket besök",
        "no_such_time": "Den tiden finns inte",
        "not_understood": "förstod inte",
        "wrong_code": "Koden stämmer inte",
        "linked": "Nu är du kopplad",
        "unreachable": "når inte hemtjänstens system",
        "stale": "inte längre",
        "frame_heading": "Din beviljade tid den här månaden: 45 tim",
    },
    "en": {
        "today": "📅 Today",
        "frame": "⏱ My hours",
        "change": "✏️ Ask for a change",
        "requests": "📨 My requests",
        "settings": "⚙️ Settings",
        "longer": "Longer",
        "send": "Send",
        "anna_coming": "Anna is coming",
        "fits": "This fits within your frame",
        "sent": "Sent to your contact person Anna",
        "outside": "does not fit within your frame",
        "assessor": "assessor",
        "which_visit": "Which visit",
        "no_such_time": "There is no such time",
        "not_understood": "did not understand",
        "wrong_code": "That code is not right",
        "linked": "You are now linked",
        "unreachable": "cannot reach the home-care system",
        "stale": "no longer",
        "frame_heading": "Your frame this month: 45 h",
    },
}
FI = {"which_visit": "Mitä käyntiä", "fits": "mahtuu"}
LANGS = ["sv", "en"]


@pytest.fixture(params=LANGS)
async def lang(request: pytest.FixtureRequest, chat: Chat, backend_client: BackendClient) -> str:
    """Lisa and Eva speak this language for the test."""
    for who in ("lisa", "eva"):
        await backend_client.update_me(Chat.user_id(who), locale=request.param)
    return str(request.param)


async def test_today_shows_times_services_and_who_is_coming(chat: Chat, lang: str) -> None:
    s = SAY[lang]
    reply = await chat.send("lisa", s["today"])
    assert "08:00" in reply and "12:00" in reply and "17:00" in reply
    assert s["anna_coming"] in reply
    assert s["change"] in chat.menu("lisa")


async def test_nothing_today_says_so_and_shows_the_next_visit(
    chat: Chat, lang: str, db: Database
) -> None:
    async with db.sessions() as session:
        for visit in (await session.exec(select(Visit).where(Visit.client_id == 1))).all():
            if visit.day.isoformat() == "2026-11-23":
                visit.status = "cancelled"  # type: ignore[assignment]
                session.add(visit)
        await session.commit()
    reply = await chat.send("lisa", SAY[lang]["today"])
    expected = {"sv": "Inga besök idag", "en": "There are no visits today"}[lang]
    assert expected in reply
    assert "08:00" in reply  # tomorrow's first visit is the next one


async def test_my_frame_in_hours_and_minutes_with_a_bar(chat: Chat, lang: str) -> None:
    reply = await chat.send("lisa", SAY[lang]["frame"])
    assert SAY[lang]["frame_heading"] in reply
    assert "▓" in reply and "░" in reply


async def test_longer_visit_by_buttons_is_previewed_then_sent(
    chat: Chat, lang: str, db: Database
) -> None:
    s = SAY[lang]
    await chat.send("lisa", s["change"])
    await chat.press("lisa", "12:00")
    await chat.press("lisa", s["longer"])
    preview = await chat.press("lisa", "15")
    assert s["fits"] in preview
    assert await db.count(ChangeRequest) == 0  # nothing is sent before confirming
    sent = await chat.press("lisa", s["send"])
    assert s["sent"] in sent
    request = await db.first(select(ChangeRequest))
    assert request.kind == "resize" and request.change.new_duration == 35


async def test_outside_the_frame_is_explained_and_can_go_to_the_assessor(
    chat: Chat, lang: str, db: Database, backend_client: BackendClient
) -> None:
    s = SAY[lang]
    await leave_lisa_ten_minutes(db, backend_client)  # nearly used: 10 minutes left
    await chat.send("lisa", s["change"])
    await chat.press("lisa", "12:00")
    await chat.press("lisa", s["longer"])
    preview = await chat.press("lisa", "15")
    assert s["outside"] in preview
    assert not any(label.startswith("✅") for label in chat.buttons("lisa"))
    assert await db.count(ChangeRequest) == 0
    sent = await chat.press("lisa", {"sv": "ändrat behov", "en": "changed need"}[lang])
    assert s["assessor"] in sent
    request = await db.first(select(ChangeRequest))
    assert request.status == "to_assessor"


async def test_typed_wish_is_shown_back_before_sending(
    chat: Chat, lang: str, db: Database
) -> None:
    s = SAY[lang]
    wish = {
        "sv": "kan ni komma klockan tio i stället i morgon?",
        "en": "tomorrow at 10 instead",
    }[lang]
    reply = await chat.send("lisa", wish)
    assert s["which_visit"] in reply  # three visits tomorrow: ask, don't guess
    preview = await chat.press("lisa", "08:00")
    assert "10:00" in preview and s["fits"] in preview
    assert await db.count(ChangeRequest) == 0
    await chat.press("lisa", s["send"])
    request = await db.first(select(ChangeRequest))
    assert request.kind == "move"
    assert request.note == wish  # the client's own words travel with the request


async def test_finnish_wish_from_aino(chat: Chat, db: Database) -> None:
    reply = await chat.send("aino", "huomenna kello 10", language_code="fi")
    assert FI["which_visit"] in reply  # lunch and the walk tomorrow: which one?
    preview = await chat.press("aino", "12.30")  # Finnish writes times with a dot
    assert "10.00" in preview or "10:00" in preview
    assert FI["fits"] in preview


async def test_gibberish_and_impossible_times_get_a_hint_and_change_nothing(
    chat: Chat, lang: str, db: Database
) -> None:
    s = SAY[lang]
    assert s["not_understood"] in await chat.send("lisa", "asdfgh qwerty")
    assert s["no_such_time"] in await chat.send("lisa", "i morgon kl 25:70")
    assert await db.count(ChangeRequest) == 0


async def test_a_stale_button_for_a_passed_visit_is_refused(
    chat: Chat, lang: str, clock: Clock, db: Database
) -> None:
    s = SAY[lang]
    await chat.send("lisa", s["change"])
    data = chat.callback_for("lisa", "12:00")
    clock.set_local(2026, 11, 23, 12, 30)  # the lunch visit has passed meanwhile
    reply = await chat.press_data("lisa", data)
    assert s["stale"] in reply
    assert await db.count(ChangeRequest) == 0


async def test_backend_down_gets_a_clear_answer(
    chat: Chat, lang: str, backend_client: BackendClient, db: Database
) -> None:
    import httpx

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("backend is down", request=request)

    backend_client.http._transport = httpx.MockTransport(down)
    reply = await chat.send("lisa", SAY[lang]["today"], language_code=lang)
    assert SAY[lang]["unreachable"] in reply
    assert await db.count(ChangeRequest) == 0


async def test_linking_with_wrong_then_right_code(
    chat: Chat, lang: str, api, db: Database
) -> None:  # type: ignore[no-untyped-def]
    s = SAY[lang]
    await db.add(  # Anna is her contact person: she makes the code
        Client(
            unit_id=1,
            first_name="Britt",
            last_name="Ek",
            preferred_language=lang,
            contact_person_id=1,
        )
    )
    r = await api.post(
        "/staff/invitations",
        json={"kind": "client", "client_id": 5},
        headers=as_staff("anna"),
    )
    code = r.json()["code"]
    new_user = 777001
    assert s["wrong_code"] in await chat.send(new_user, "WRONG123", language_code=lang)
    reply = await chat.send(new_user, f"/start {code}", language_code=lang)
    assert s["linked"] in reply and "Britt" in reply
    assert s["today"] in chat.menu(new_user)
    invitation = await db.first(select(Invitation).where(Invitation.kind == "client"))
    assert invitation.used_at is not None


async def test_repeated_wrong_codes_are_slowed_down(chat: Chat) -> None:
    for _ in range(5):
        await chat.send(777002, "WRONG999", language_code="sv")
    reply = await chat.send(777002, "WRONG999", language_code="sv")
    assert "15 minuter" in reply


async def test_my_requests_and_withdraw(chat: Chat, lang: str, db: Database) -> None:
    s = SAY[lang]
    await chat.send("lisa", s["change"])
    await chat.press("lisa", "12:00")
    await chat.press("lisa", s["longer"])
    await chat.press("lisa", "15")
    await chat.press("lisa", s["send"])
    listed = await chat.send("lisa", s["requests"])
    assert "Anna" in listed
    withdraw = {"sv": "Dra tillbaka", "en": "Withdraw"}[lang]
    await chat.press("lisa", withdraw)
    request = await db.first(select(ChangeRequest))
    assert request.status == "withdrawn"


async def test_relative_with_view_only_scope_cannot_ask(chat: Chat, db: Database) -> None:
    async with db.sessions() as session:
        link = (await session.exec(select(RelativeLink))).first()
        assert link is not None
        link.scopes = [Scope.VISITS]
        session.add(link)
        await session.commit()
    reply = await chat.send("eva", "✏️ Önska en ändring")
    assert "inte be om ändringar" in reply or "not ask for changes" in reply


async def test_client_invites_a_relative_and_revokes_access(chat: Chat, db: Database) -> None:
    await chat.send("lisa", "⚙️ Inställningar")
    await chat.press_data("lisa", "set:invite")
    await chat.send("lisa", "Olle")
    reply = await chat.press_data("lisa", "sc:0")  # may only see
    code = re.search(r"<b>([A-Z0-9-]+)</b>", reply)[1]  # type: ignore[index]
    invitation = await db.first(select(Invitation).where(Invitation.relative_first_name == "Olle"))
    assert invitation.scopes == [Scope.VISITS]
    linked = await chat.send(777003, code, language_code="sv")
    assert "Lisa" in linked
    assert "Olle" in await chat.press_data("lisa", "set:relatives")
    links = await db.all(select(RelativeLink).where(RelativeLink.revoked_at.is_(None)))  # type: ignore[union-attr]
    olle = max(links, key=lambda link: link.id)
    asked = await chat.press_data("lisa", f"rv:1:{olle.id}")
    assert "Vill du ta bort Olle?" in asked  # nothing is removed before she confirms
    assert (await db.get(RelativeLink, olle.id)).revoked_at is None
    await chat.press("lisa", "Ja, ta bort Olle")
    reply = await chat.send(777003, "📅 Idag", language_code="sv")
    assert "08:00" not in reply


async def test_switching_language(chat: Chat) -> None:
    await chat.send("lisa", "⚙️ Inställningar")
    await chat.press_data("lisa", "set:language")
    reply = await chat.press_data("lisa", "lang:fi")
    assert "suomeksi" in reply.lower() or "Suomi" in reply
    assert "📅 Tänään" in chat.menu("lisa")


async def test_help_and_cancel(chat: Chat) -> None:
    assert "kontaktperson" in (await chat.send("lisa", "/help")).lower()
    await chat.send("lisa", "✏️ Önska en ändring")
    assert "Inget skickades" in await chat.send("lisa", "/cancel")


async def test_send_pressed_twice_makes_one_request(chat: Chat, db: Database) -> None:
    await chat.send("lisa", "✏️ Önska en ändring")
    await chat.press("lisa", "12:00")
    await chat.press("lisa", "Längre")
    await chat.press("lisa", "15")
    send = chat.callback_for("lisa", "Skicka")
    first = await chat.press_data("lisa", send)
    assert "Skickat till din kontaktperson Anna" in first
    await chat.press_data("lisa", send)  # a double tap, or Telegram delivering it again
    assert await db.count(ChangeRequest) == 1


async def anna_writes_notes(
    api: Any, db: Database, texts: list[str], *, wrong: int
) -> list[dict[str, Any]]:
    """Anna writes ``texts`` as notes on Lisa's first visit and marks the ``wrong``-th as
    wrong: the notes as the API answered them."""
    visit = await db.first(select(Visit).where(Visit.client_id == 1).order_by(Visit.id))
    staff = as_staff("anna")
    written = []
    for text in texts:
        r = await api.post(f"/staff/visits/{visit.id}/notes", json={"text": text}, headers=staff)
        assert r.status_code == 201, r.text
        written.append(r.json())
    r = await api.post(f"/staff/notes/{written[wrong]['id']}/wrong", headers=staff)
    assert r.status_code == 200, r.text
    return written


async def test_lisa_and_eva_read_the_notes_with_wrong_ones_struck_through(
    chat: Chat,
    api,
    db: Database,  # type: ignore[no-untyped-def]
) -> None:
    await anna_writes_notes(api, db, ["Lisa åt hela frukosten.", "Lisa duschade."], wrong=1)
    reply = await chat.send("lisa", "📝 Anteckningar")
    assert "Lisa åt hela frukosten." in reply and "Anna" in reply
    assert "<s>Lisa duschade.</s>" in reply  # kept, never deleted, but shown as wrong
    assert "Lisa åt hela frukosten." in await chat.send("eva", "📝 Anteckningar")


async def test_long_notes_come_whole_in_messages_telegram_accepts(
    chat: Chat,
    api,
    db: Database,  # type: ignore[no-untyped-def]
) -> None:
    # Ten notes of nearly the longest kind, with characters HTML must escape: together far
    # more than one message holds. Each message must be one Telegram takes (at most 4096
    # characters, its HTML whole), and every note must be there in full.
    texts = [
        " ".join(f"Lisa<{n}> & kaffe {i}" if i % 7 == 0 else f"ord{n}-{i}" for i in range(520))
        for n in range(10)
    ]
    written = await anna_writes_notes(api, db, [text[:MAX_NOTE] for text in texts], wrong=3)

    await chat.send("lisa", "📝 Anteckningar")
    messages = chat.sent()
    assert len(messages) > 1
    assert all(len(m) <= 4096 for m in messages)
    shown = "".join(render_html(m) for m in messages)  # raises where Telegram would refuse
    for note in written:
        assert note["text"] in shown
    assert "<s>" in next(m for m in messages if escape("Lisa<3>") in m)


async def test_no_notes_yet_is_said_to_lisa_of_hers_and_to_eva_of_lisas(
    chat: Chat, db: Database
) -> None:
    async with db.sessions() as session:
        link = (await session.exec(select(RelativeLink))).one()
        link.scopes = [Scope.NOTES]
        session.add(link)
        await session.commit()

    assert await chat.send("lisa", "📝 Anteckningar") == "Inga anteckningar om dina besök än."
    assert (
        await chat.send("eva", "📝 Anteckningar")
        == "Det finns inga anteckningar om besöken hos Lisa än."
    )
