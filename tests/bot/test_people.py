"""The people around a request, through the real dispatcher and backend: who asked, who is
told, what each role's menu offers, the client's consent to relatives, the reasons given,
and plain words (issue 9, points 5, 6, 9, 11, 12 and 13)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlmodel import select

from backend.config import Settings
from backend.models import (
    AuditEvent,
    ChangeRequest,
    ChatAccount,
    Client,
    RelativeLink,
    Staff,
    StaffRole,
    Unit,
    Visit,
)
from backend.services.audit import READ_ACTIONS
from bot.backend_client import BackendClient
from bot.factory import create_i18n
from bot.texts.notifications import render
from contract import TZ, DeviationReason, NotificationPublic, Scope, VisitStatus
from tests.backend.helpers import visit_at
from tests.bot.conftest import Chat, leave_lisa_ten_minutes
from tests.bot.test_staff_flows import TOMORROW, ask
from tests.conftest import Clock, Database, as_staff
from tests.support.outbox import drain

LISA = 1
CARER_BO = 777100  # a carer who is nobody's contact person (made by the test)
ASSESSOR_IDA = 777101  # the assessor of the unit's orders: read-only, on the web
FORBIDDEN_WORDS = ("ramtid", "biståndshandläggare", "/cancel", "/help", "Stop")


async def claimed(backend_client: BackendClient, kind: str) -> list[NotificationPublic]:
    return [n for n in await drain(backend_client, kind) if isinstance(n, NotificationPublic)]


def rendered(settings: Settings, notification: NotificationPublic) -> str:
    i18n = create_i18n(settings)
    with i18n.context(), i18n.use_locale(notification.locale):
        return render(notification)


async def set_eva_scopes(db: Database, scopes: list[Scope]) -> None:
    async with db.sessions() as session:
        link = (await session.exec(select(RelativeLink))).one()
        link.scopes = scopes
        session.add(link)
        await session.commit()


async def eva_asks_for_a_longer_lunch(chat: Chat) -> str:
    """Eva asks, in the bot, for Lisa's lunch tomorrow to be 15 minutes longer."""
    await chat.send("eva", "✏️ Önska en ändring")
    await chat.press("eva", "12:00")
    await chat.press("eva", "Längre")
    await chat.press("eva", "15")
    return await chat.press("eva", "Skicka")


# --- 5. who asked -------------------------------------------------------------------------


async def test_anna_pressing_a_wish_eva_took_back_is_told_eva_did(
    chat: Chat, db: Database
) -> None:
    await eva_asks_for_a_longer_lunch(chat)
    await chat.send("anna", "📥 Önskemål att besluta")  # the card, with its buttons
    await chat.send("eva", "📨 Önskemål")
    await chat.press("eva", "Dra tillbaka")
    await chat.press("anna", "Godkänn")
    assert chat.alerts() == ["Eva har dragit tillbaka önskemålet."]
    [card] = chat.edits()
    assert "Eva har dragit tillbaka önskemålet." in card and "Brukaren" not in card
    assert (await db.first(select(ChangeRequest))).status == "withdrawn"


async def test_who_withdrew_a_wish_is_said_to_lisa_eva_and_anna(
    chat: Chat, db: Database, backend_client: BackendClient, settings: Settings
) -> None:
    """Lisa read "Du drog tillbaka det", and Anna "Lisa drog tillbaka ett önskemål", when Eva
    had taken back the wish Eva sent."""
    anna = Chat.user_id("anna")
    await eva_asks_for_a_longer_lunch(chat)
    await chat.send("eva", "📨 Önskemål")
    await chat.press("eva", "Dra tillbaka")
    assert (await db.first(select(ChangeRequest))).status == "withdrawn"
    told = [
        (n.chat_id, rendered(settings, n))
        for n in await claimed(backend_client, "request_withdrawn")
    ]
    assert told == [(anna, "Eva drog tillbaka ett önskemål för Lisa.")]
    lisas = await chat.send("lisa", "📨 Mina önskemål")
    assert "Eva drog tillbaka det" in lisas and "Du drog tillbaka det" not in lisas
    assert "Du drog tillbaka det" in await chat.send("eva", "📨 Önskemål")

    # Lisa asks for a longer breakfast and takes it back herself.
    await chat.send("lisa", "✏️ Önska en ändring")
    await chat.press("lisa", "08:00")
    await chat.press("lisa", "Längre")
    await chat.press("lisa", "15")
    await chat.press("lisa", "Skicka")
    await chat.send("lisa", "📨 Mina önskemål")
    await chat.press_on("lisa", "08:00", "Dra tillbaka")
    assert [r.status for r in await db.all(select(ChangeRequest))] == ["withdrawn"] * 2
    told = [
        (n.chat_id, rendered(settings, n))
        for n in await claimed(backend_client, "request_withdrawn")
    ]
    assert told == [(anna, "Lisa drog tillbaka ett önskemål.")]
    lisas = await chat.send("lisa", "📨 Mina önskemål")
    assert lisas.count("Du drog tillbaka det") == 1 and lisas.count("Eva drog tillbaka det") == 1
    evas = await chat.send("eva", "📨 Önskemål")
    assert evas.count("Du drog tillbaka det") == 1 and evas.count("Lisa drog tillbaka det") == 1


async def test_a_wish_eva_sent_says_so_to_anna_lisa_and_eva(
    chat: Chat, db: Database, backend_client: BackendClient, settings: Settings
) -> None:
    await eva_asks_for_a_longer_lunch(chat)
    request = await db.first(select(ChangeRequest))
    asked_at = request.created_at.astimezone(TZ).strftime("%H:%M")

    # Anna's queue: Lisa's request, asked by Eva (not "Lisa" alone).
    queue = await chat.send("anna", "📥 Önskemål att besluta")
    assert f"<b>Lisa</b> · Eva (anhörig) önskade måndag 23 november {asked_at}" in queue

    # Lisa's own list says Eva asked for it; Eva's does not tell her she asked herself.
    lisas = await chat.send("lisa", "📨 Mina önskemål")
    assert "Eva önskade det här åt dig" in lisas
    evas = await chat.send("eva", "📨 Önskemål")
    assert "Lisas önskemål:" in evas and "Önskat av" not in evas

    await chat.send("anna", "📥 Önskemål att besluta")
    await chat.press("anna", "Godkänn")
    [card] = chat.edits()
    assert "✅ Godkänt. Lisa och Eva får besked." in card

    decided = {
        n.chat_id: rendered(settings, n) for n in await claimed(backend_client, "request_decided")
    }
    lisa, eva = Chat.user_id("lisa"), Chat.user_id("eva")
    assert decided[lisa].startswith(
        "Goda nyheter: Anna har godkänt önskemålet som Eva skickade åt dig."
    )
    assert decided[eva].startswith("Gäller Lisa:\nGoda nyheter: Anna har godkänt ditt önskemål.")


# --- 6. handed to a planner -----------------------------------------------------------------


async def test_lisa_is_told_her_wish_went_to_erik_and_erik_cannot_hand_it_to_himself(
    chat: Chat, api: httpx.AsyncClient, backend_client: BackendClient, settings: Settings
) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    await ask(api, "lisa", LISA, {"kind": "resize", "visit_id": lunch["id"], "new_duration": 35})
    await chat.send("anna", "📥 Önskemål att besluta")
    assert "➡️ Till planeraren" in chat.buttons("anna")
    await chat.press("anna", "Till planeraren")

    passed = {
        n.chat_id: rendered(settings, n)
        for n in await claimed(backend_client, "request_passed_on")
    }
    assert passed[Chat.user_id("lisa")].startswith(
        "Anna har lämnat ditt önskemål vidare till planeraren Erik, som beslutar om det nu.\n"
        "Ändra längden på besöket tisdag 24 november kl. 12:00 till 35 min."
    )
    assert passed[Chat.user_id("eva")].startswith(
        "Gäller Lisa:\nAnna har lämnat önskemålet vidare"
    )

    await chat.send("erik", "📥 Önskemål att besluta")
    assert chat.buttons("erik") == ["✅ Godkänn", "✖️ Avslå"]


async def test_lisa_is_told_when_her_wish_waited_too_long_and_went_to_the_planners(
    chat: Chat,
    api: httpx.AsyncClient,
    app: Any,
    clock: Any,
    backend_client: BackendClient,
    settings: Settings,
) -> None:
    from backend.services import requests as request_service

    lunch = await visit_at(api, TOMORROW, 12)
    await ask(api, "lisa", LISA, {"kind": "resize", "visit_id": lunch["id"], "new_duration": 35})
    clock.advance(hours=3)  # past the unit's limit for tomorrow's visit: nobody answered
    async with app.state.sessions() as session:
        assert await request_service.escalate_waiting(session, now=clock.now) == 1
        await session.commit()

    passed = {
        n.chat_id: rendered(settings, n)
        for n in await claimed(backend_client, "request_passed_on")
    }
    assert passed[Chat.user_id("lisa")].startswith(
        "Ditt önskemål har väntat ett tag, så det har gått vidare till enhetens planerare. "
        "Erik beslutar om det nu.\n"
        "Ändra längden på besöket tisdag 24 november kl. 12:00 till 35 min."
    )
    assert passed[Chat.user_id("eva")].startswith("Gäller Lisa:\nÖnskemålet har väntat ett tag")


# --- 9. each role's screens ------------------------------------------------------------------


async def add_carer_bo(db: Database) -> None:
    """A carer who is nobody's contact person or deputy, linked to the bot."""
    async with db.sessions() as session:
        anna = (await session.exec(select(Staff).where(Staff.first_name == "Anna"))).one()
        bo = Staff(unit_id=anna.unit_id, first_name="Bo", last_name="Berg", role=StaffRole.CARER)
        session.add(bo)
        await session.flush()
        session.add(ChatAccount(telegram_user_id=CARER_BO, chat_id=CARER_BO, staff_id=bo.id))
        ida = Staff(
            unit_id=anna.unit_id, first_name="Ida", last_name="Ek", role=StaffRole.ASSESSOR
        )
        session.add(ida)
        await session.flush()
        session.add(
            ChatAccount(telegram_user_id=ASSESSOR_IDA, chat_id=ASSESSOR_IDA, staff_id=ida.id)
        )
        await session.commit()


MENUS: dict[str, list[str]] = {
    "lisa": [
        "📅 Idag",
        "🗓 Den här veckan",
        "⏱ Min tid",
        "✏️ Önska en ändring",
        "📨 Mina önskemål",
        "📝 Anteckningar",
        "⚙️ Inställningar",
        "❓ Hjälp",
    ],
    "bo": ["🚶 Mina besök idag", "⏰ Jag är försenad", "⚙️ Inställningar", "❓ Hjälp"],
    # The assessor reads changed needs on the web; the bot's staff work is not theirs.
    "ida": ["🔑 Logga in på webben", "⚙️ Inställningar", "❓ Hjälp"],
    "anna": [
        "📥 Önskemål att besluta",
        "🚶 Mina besök idag",
        "⏰ Jag är försenad",
        "🔑 Logga in på webben",
        "⚙️ Inställningar",
        "❓ Hjälp",
    ],
    "erik": [
        "📥 Önskemål att besluta",
        "🚶 Mina besök idag",
        "📊 Uppföljning",
        "🔑 Logga in på webben",
        "⚙️ Inställningar",
        "❓ Hjälp",
    ],
    "karin": [
        "📊 Uppföljning",
        "🛡 Tillsyn",
        "📥 Önskemål att besluta",
        "🔑 Logga in på webben",
        "⚙️ Inställningar",
        "❓ Hjälp",
    ],
}
EVA_MENUS = {
    (Scope.VISITS,): [
        "📅 Idag",
        "🗓 Den här veckan",
        "⏱ Beviljad tid",
        "⚙️ Inställningar",
        "❓ Hjälp",
    ],
    (Scope.VISITS, Scope.REQUESTS): [
        "📅 Idag",
        "🗓 Den här veckan",
        "⏱ Beviljad tid",
        "✏️ Önska en ändring",
        "📨 Önskemål",
        "⚙️ Inställningar",
        "❓ Hjälp",
    ],
    # Lisa's menu, in words about Lisa: her hours and requests are not Eva's.
    tuple(Scope): [
        {"⏱ Min tid": "⏱ Beviljad tid", "📨 Mina önskemål": "📨 Önskemål"}.get(label, label)
        for label in MENUS["lisa"]
    ],
}
# What must never be said to staff: sentences written to a client.
CLIENT_SENTENCES = ("personalen är hos dig nu", "Din kontaktperson tittar på det", "förstod inte")
# What shows that a menu entry worked (one phrase of its answer).
WORKED: dict[str, str | tuple[str, ...]] = {
    "📅 Idag": "måndag 23 november",
    "🗓 Den här veckan": "<b>Tisdag 24 november</b>",
    "⏱ Min tid": "tim",
    "✏️ Önska en ändring": "Vilket besök",
    "📨 Mina önskemål": "",
    "⏱ Beviljad tid": "Beviljad tid för Lisa",
    "📨 Önskemål": "",
    "📝 Anteckningar": "",
    "⚙️ Inställningar": "Språk: Svenska",
    "❓ Hjälp": "Det här kan jag hjälpa dig med:",
    "🚶 Mina besök idag": "besök idag",
    # Anna picks the visit (or is asked how late, with one left); Bo has no visits today.
    "⏰ Jag är försenad": (
        "Vilket besök blir du sen till?",
        "Hur sent kommer du till",
        "Du har inga fler besök idag.",
    ),
    "📥 Önskemål att besluta": "",
    "🔑 Logga in på webben": "inloggningslänk",
    "📊 Uppföljning": "Uppföljning för november 2026",
    "🛡 Tillsyn": "Vem som har läst eller ändrat vad (loggen) finns på webbsidorna.",
}


async def press_every_entry(chat: Chat, who: str | int, menu: list[str]) -> None:
    for entry in menu:
        reply = await chat.send(who, entry)
        assert reply, f"{entry}: no answer"
        worked = WORKED[entry]
        assert any(w in reply for w in ((worked,) if isinstance(worked, str) else worked)), (
            f"{entry}: {reply}"
        )
        assert "förstod inte" not in reply and "gick fel" not in reply, reply
        await chat.send(who, "/start")  # out of any question the entry asked


@pytest.mark.parametrize("who", ["lisa", "bo", "anna", "erik", "karin", "ida"])
async def test_each_role_has_its_own_menu_and_every_entry_works(
    chat: Chat, db: Database, who: str
) -> None:
    await add_carer_bo(db)
    user: str | int = {"bo": CARER_BO, "ida": ASSESSOR_IDA}.get(who, who)
    await chat.send(user, "/start")
    assert chat.menu(user) == MENUS[who]
    await press_every_entry(chat, user, MENUS[who])
    if who != "lisa":
        everything = "\n".join(
            r.text for r in chat.session.requests if hasattr(r, "text") and r.text
        )
        assert not any(sentence in everything for sentence in CLIENT_SENTENCES)
        assert "Jag är försenad" not in "".join(MENUS["erik"] + MENUS["karin"])


@pytest.mark.parametrize("scopes", list(EVA_MENUS), ids=lambda s: "+".join(s))
async def test_evas_menu_holds_what_lisa_allowed_and_every_entry_works(
    chat: Chat, db: Database, scopes: tuple[Scope, ...]
) -> None:
    await set_eva_scopes(db, list(scopes))
    await chat.send("eva", "/start")
    assert chat.menu("eva") == EVA_MENUS[scopes]
    await press_every_entry(chat, "eva", EVA_MENUS[scopes])


async def test_staff_see_checked_in_not_the_clients_sentence(chat: Chat, clock: Any) -> None:
    await chat.send("anna", "🚶 Mina besök idag")
    assert "Incheckad kl." in await chat.press_on("anna", "08:00", "Checka in")
    day = await chat.send("anna", "🚶 Mina besök idag")
    assert "Status: incheckad" in day
    assert "personalen är hos dig nu" not in day


# --- 11. consent for relatives ---------------------------------------------------------------


async def test_eva_who_may_ask_for_changes_but_not_see_the_visits_can_ask(
    chat: Chat, db: Database
) -> None:
    # Lisa lets Eva ask for changes on her behalf, and nothing else. Before, the menu offered
    # Eva "Önska en ändring" and then told her she had no access: the wish read the visits.
    await set_eva_scopes(db, [Scope.REQUESTS])
    await chat.send("eva", "/start")
    assert "✏️ Önska en ändring" in chat.menu("eva") and "📅 Idag" not in chat.menu("eva")

    sent = await eva_asks_for_a_longer_lunch(chat)

    assert "Skickat" in sent, sent
    request = await db.first(select(ChangeRequest))
    assert request is not None and request.client_id == 1
    # What she may not see stays closed: the day itself.
    assert "Du har inte fått tillgång" in await chat.send("eva", "📅 Idag")


async def test_lisa_chooses_each_scope_and_eva_sees_notes_only_when_granted(
    chat: Chat, db: Database
) -> None:
    await set_eva_scopes(db, [Scope.VISITS, Scope.REQUESTS])
    # Without the notes scope Eva has no notes button, and typing it shows no note.
    assert "📝 Anteckningar" not in (await chat.send("eva", "/start") and chat.menu("eva"))
    refused = await chat.send("eva", "📝 Anteckningar")
    assert "skrivit" not in refused

    await chat.send("lisa", "⚙️ Inställningar")
    screen = await chat.press("lisa", "Mina anhöriga och vad de får göra")
    assert (
        "<b>Eva</b>\n"
        "  ✅ får se dina besök\n"
        "  ✅ får be om ändringar åt dig\n"
        "  ✖️ får inte läsa anteckningarna från besöken"
    ) in screen
    assert chat.buttons("lisa") == [
        "✅ Eva: se dina besök",
        "✅ Eva: be om ändringar åt dig",
        "⬜ Eva: läsa anteckningarna från besöken",
        "Ta bort Eva",
    ]
    await chat.press("lisa", "⬜ Eva: läsa")
    [screen] = chat.edits()
    assert "  ✅ får läsa anteckningarna från besöken" in screen
    link = await db.first(select(RelativeLink))
    assert link.scopes == [Scope.VISITS, Scope.REQUESTS, Scope.NOTES]
    await chat.send("eva", "/start")
    assert "📝 Anteckningar" in chat.menu("eva")


async def test_removing_eva_asks_first_then_she_is_unlinked_and_can_be_invited_again(
    chat: Chat, db: Database
) -> None:
    await chat.send("lisa", "⚙️ Inställningar")
    await chat.press("lisa", "Mina anhöriga")
    asked = await chat.press("lisa", "Ta bort Eva")
    assert asked == (
        "Vill du ta bort Eva? Då kan Eva inte längre se dina besök, önska ändringar eller "
        "läsa anteckningar."
    )
    kept = await chat.press("lisa", "Nej, behåll Eva")
    assert "Bra, ingenting ändrades." in kept
    assert (await db.first(select(RelativeLink))).revoked_at is None

    await chat.send("lisa", "⚙️ Inställningar")
    await chat.press("lisa", "Mina anhöriga")
    await chat.press("lisa", "Ta bort Eva")
    done = await chat.press("lisa", "Ja, ta bort Eva")
    assert "Klart. Eva kan inte längre se något om dig." in done
    assert (await db.first(select(RelativeLink))).revoked_at is not None

    # Eva's menu is the unlinked one: no buttons, only "write your new code".
    reply = await chat.send("eva", "📅 Idag")
    assert reply == (
        "Du kan inte längre se någons besök här: din behörighet har tagits bort. "
        "Om du får en ny kod kan du skriva den här."
    )
    assert "08:00" not in reply

    # Lisa invites her again; Eva links with the new code and sees Lisa's day.
    await chat.send("lisa", "⚙️ Inställningar")
    await chat.press("lisa", "Bjud in")
    await chat.send("lisa", "Eva")
    invited = await chat.press("lisa", "Får se besöken och önska ändringar")
    code = re.search(r"<b>([A-Z0-9-]+)</b>", invited)[1]  # type: ignore[index]
    linked = await chat.send("eva", code)
    assert "Lisa" in linked
    assert "Besök för Lisa idag" in await chat.send("eva", "📅 Idag")


# --- 12. rejections and their reasons -----------------------------------------------------


async def test_a_cancellation_is_not_refused_for_want_of_staff_and_other_needs_words(
    chat: Chat, api: httpx.AsyncClient, backend_client: BackendClient, settings: Settings
) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    await ask(api, "lisa", LISA, {"kind": "cancel", "visit_id": lunch["id"]})
    await chat.send("anna", "📥 Önskemål att besluta")
    await chat.press("anna", "Avslå")
    assert chat.buttons("anna") == ["Av säkerhetsskäl", "Annat skäl (skriv det)"]
    asked = await chat.press("anna", "Annat skäl")
    assert "Skriv skälet med några ord" in asked
    assert "Ingen personal ledig då" not in asked


async def test_a_visit_cancelled_at_the_clients_wish_says_so(
    chat: Chat, api: httpx.AsyncClient, db: Database
) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    await ask(api, "lisa", LISA, {"kind": "cancel", "visit_id": lunch["id"]})
    await chat.send("anna", "📥 Önskemål att besluta")
    await chat.press("anna", "Godkänn")
    row = await db.get(Visit, lunch["id"])
    assert row.status == VisitStatus.CANCELLED
    assert row.deviation_reason == DeviationReason.CLIENT_DECLINED

    week = await chat.send("lisa", "🗓 Den här veckan")
    [line] = [line for line in week.split("\n") if "12:00" in line and "inställt" in line]
    assert "inställt enligt önskemål" in line
    # Eva, who follows Lisa, reads the same words: not "your" wish, Lisa's.
    assert "inställt enligt önskemål" in await chat.send("eva", "🗓 Den här veckan")


async def test_the_client_reads_the_staff_members_words_not_other_reason(
    chat: Chat, api: httpx.AsyncClient, backend_client: BackendClient, settings: Settings
) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    await ask(api, "lisa", LISA, {"kind": "cancel", "visit_id": lunch["id"]})
    await chat.send("anna", "📥 Önskemål att besluta")
    await chat.press("anna", "Avslå")
    await chat.press("anna", "Annat skäl")
    await chat.send("anna", "Du behöver din medicin vid lunch")
    decided = {
        n.chat_id: rendered(settings, n) for n in await claimed(backend_client, "request_decided")
    }
    text = decided[Chat.user_id("lisa")]
    assert text.startswith(
        "Anna kunde inte ordna ditt önskemål: Du behöver din medicin vid lunch.\n"
        "Ställ in besöket tisdag 24 november kl. 12:00."
    )
    assert "annat skäl" not in text
    listed = await chat.send("lisa", "📨 Mina önskemål")
    assert "Går inte: Du behöver din medicin vid lunch" in listed


async def test_already_decided_says_approved_or_rejected_and_by_whom(
    chat: Chat, api: httpx.AsyncClient, clock: Any
) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    request = await ask(
        api, "lisa", LISA, {"kind": "resize", "visit_id": lunch["id"], "new_duration": 35}
    )
    await chat.send("anna", "📥 Önskemål att besluta")
    stale = chat.callback_for("anna", "Godkänn")
    r = await api.post(
        f"/staff/requests/{request['id']}/reject",
        json={"reason": "no_staff"},
        headers=as_staff("maria"),
    )
    assert r.status_code == 200, r.text
    decided_at = r.json()["decided_at"]
    hhmm = datetime.fromisoformat(decided_at).astimezone(TZ).strftime("%H:%M")
    await chat.press_data("anna", stale)
    assert f"Redan avslaget av Maria måndag 23 november kl. {hhmm}." in chat.alerts()


# --- 13. plain words ------------------------------------------------------------------------


async def test_help_speaks_plainly_and_gives_the_units_phone(chat: Chat) -> None:
    help_text = await chat.send("lisa", "❓ Hjälp")
    assert "Om något är bråttom, ring din hemtjänst: 08-508 123 00." in help_text
    assert "Tryck på ”Avbryt” för att sluta med det du håller på med." in help_text
    for word in FORBIDDEN_WORDS:
        assert word not in help_text, word


async def test_outside_the_frame_offers_a_changed_need_in_plain_words(
    chat: Chat, db: Database, backend_client: BackendClient
) -> None:
    await leave_lisa_ten_minutes(db, backend_client)
    await chat.send("lisa", "✏️ Önska en ändring")
    await chat.press("lisa", "12:00")
    await chat.press("lisa", "Längre")
    preview = await chat.press("lisa", "15")
    assert (
        "Om ditt behov av hjälp har ändrats kan jag lämna det här vidare som ett ändrat behov. "
        "Din kontaktperson tar det till den på kommunen som beslutar om din hjälp "
        "(biståndshandläggaren)."
    ) in preview
    assert chat.buttons("lisa")[0] == "Lämna vidare som ändrat behov"
    sent = await chat.press("lisa", "Lämna vidare som ändrat behov")
    assert sent.startswith("Sparat som ett ändrat behov. Hemtjänsten samlar in det")
    assert "hör av sig" not in sent


EVA_READS = {
    "sv": {
        "frame": "⏱ Beviljad tid",
        "change": "✏️ Önska en ändring",
        "longer": "Längre",
        "send": "Skicka",
        "pass_on": "Lämna vidare som ändrat behov",
        "heading": "Beviljad tid för Lisa\nBeviljad tid den här månaden: 45 tim",
        "fits": "Det ryms i den beviljade tiden för Lisa.",
        "sent": "Skickat till kontaktpersonen för Lisa, Anna. Du får svaret här.",
        "outside": "Det här ryms inte i den beviljade tiden för Lisa:",
        "over": "beviljad tid för Lisa – 5 min mer än beviljat.",
        "changed_need": "Om behovet av hjälp för Lisa har ändrats",
        "saved": "Sparat som ett ändrat behov. Hemtjänsten för Lisa samlar in det",
        "yours": re.compile(r"\b(din|dina|ditt|du har beviljats)\b", re.IGNORECASE),
    },
    "en": {
        "frame": "⏱ Granted time",
        "change": "✏️ Ask for a change",
        "longer": "Longer",
        "send": "Send",
        "pass_on": "Pass it on as a changed need",
        "heading": "Lisa's granted time\nGranted time this month: 45 hrs",
        "fits": "This fits within Lisa's frame.",
        "sent": "Sent to Lisa's contact person Anna. You will get the answer here.",
        "outside": "This does not fit within Lisa's frame:",
        "over": "– 5 mins more than the frame.",
        "changed_need": "If Lisa's need for help has changed",
        "saved": "Saved as a changed need. Lisa's home-care unit collects it",
        "yours": re.compile(r"\b(your|you are granted)\b", re.IGNORECASE),
    },
}


@pytest.mark.parametrize("language", ["sv", "en"])
async def test_eva_reads_lisas_frame_and_wishes_as_lisas_not_her_own(
    chat: Chat, db: Database, backend_client: BackendClient, language: str
) -> None:
    """A relative is addressed as herself (DESIGN section 3): the granted time she reads and
    asks within is Lisa's, in every reply of the wish, from the frame to where it was sent."""
    say = EVA_READS[language]
    await backend_client.update_me(Chat.user_id("eva"), locale=language)
    frame_reply = await chat.send("eva", say["frame"])
    assert say["heading"] in frame_reply

    await chat.send("eva", say["change"])
    await chat.press("eva", "12:00")
    await chat.press("eva", say["longer"])
    preview = await chat.press("eva", "15")
    assert say["fits"] in preview
    sent = await chat.press("eva", say["send"])
    assert sent == say["sent"]
    for reply in (frame_reply, preview, sent):
        assert not say["yours"].search(reply), reply

    # Ten minutes left this month: a quarter of an hour more does not fit, by five minutes.
    await leave_lisa_ten_minutes(db, backend_client)
    await chat.send("eva", say["change"])
    await chat.press("eva", "17:00")
    await chat.press("eva", say["longer"])
    outside = await chat.press("eva", "15")
    assert say["outside"] in outside and say["over"] in outside
    assert say["changed_need"] in outside
    saved = await chat.press("eva", say["pass_on"])
    assert saved.startswith(say["saved"])
    for reply in (outside, saved):
        assert not say["yours"].search(reply), reply


async def test_eva_reads_who_is_new_to_lisa_and_whom_to_call(chat: Chat, db: Database) -> None:
    """The week, a new carer and the unit's phone, as a relative reads them: about Lisa."""
    await add_carer_bo(db)
    async with db.sessions() as session:
        bo = (await session.exec(select(Staff).where(Staff.first_name == "Bo"))).one()
        tomorrow = (
            await session.exec(select(Visit).where(Visit.client_id == LISA, Visit.day == TOMORROW))
        ).all()
        lunch = next(v for v in tomorrow if v.planned_start.astimezone(TZ).hour == 12)
        lunch.staff_id = bo.id
        session.add(lunch)
        await session.commit()

    week = await chat.send("eva", "🗓 Den här veckan")
    assert week.startswith("Besök för Lisa de kommande sju dagarna:\n\n<b>")
    assert "  Bo kommer – en ny person för Lisa" in week
    assert "för dig" not in week
    lisas = await chat.send("lisa", "🗓 Den här veckan")
    assert lisas.startswith("<b>") and "  Bo kommer – en ny person för dig" in lisas

    help_text = await chat.send("eva", "❓ Hjälp")
    assert "Om något är bråttom, ring hemtjänsten: 08-508 123 00." in help_text
    assert "din hemtjänst" not in help_text


async def test_a_relative_following_clients_of_two_units_is_given_each_ones_number(
    chat: Chat, db: Database, clock: Clock
) -> None:
    """Eva also follows her uncle Harald, whose home care is another unit's."""
    async with db.sessions() as session:
        lisas = select(RelativeLink).where(RelativeLink.client_id == LISA)
        eva = (await session.exec(lisas)).one()
        unit = Unit(name="Hemtjänst Kungsholmen", municipality="Stockholm", phone="08-508 456 00")
        session.add(unit)
        await session.flush()
        harald = Client(unit_id=unit.id or 0, first_name="Harald", last_name="Berg")
        session.add(harald)
        await session.flush()
        session.add(
            RelativeLink(
                relative_id=eva.relative_id,
                client_id=harald.id or 0,
                scopes=[Scope.VISITS],
                granted_at=clock.now,
            )
        )
        await session.commit()

    help_text = await chat.send("eva", "❓ Hjälp")
    assert "Om något är bråttom för Harald, ring hemtjänsten: 08-508 456 00." in help_text
    assert "Om något är bråttom för Lisa, ring hemtjänsten: 08-508 123 00." in help_text
    assert "Om något är bråttom, ring" not in help_text  # not one number for both
    # Lisa, of one unit, is told hers as before.
    assert "Om något är bråttom, ring din hemtjänst: 08-508 123 00." in (
        await chat.send("lisa", "❓ Hjälp")
    )


@pytest.mark.parametrize(
    ("language", "day", "cancel"),
    [
        ("fi", "ti 24.11.", "✖️ Peruuta"),
        ("en", "Tue, 24/11", "✖️ Cancel"),
        ("sv", "tis 24/11", "✖️ Avbryt"),
    ],
)
async def test_buttons_use_each_languages_short_date_and_cancel_word(
    chat: Chat, backend_client: BackendClient, language: str, day: str, cancel: str
) -> None:
    await backend_client.update_me(Chat.user_id("lisa"), locale=language)
    await chat.send("lisa", "/start")
    change = {"fi": "✏️ Toivo muutosta", "en": "✏️ Ask for a change", "sv": "✏️ Önska en ändring"}
    await chat.send("lisa", change[language])
    buttons = chat.buttons("lisa")
    assert any(label.startswith(day) for label in buttons), buttons
    assert cancel in buttons


async def test_lisa_asks_who_on_the_staff_has_looked_at_her_information(
    chat: Chat, db: Database
) -> None:
    # Anna opens her day (Lisa's visits on it) twice; Erik opens the queue once.
    await chat.send("anna", "🚶 Mina besök idag")
    await chat.send("anna", "🚶 Mina besök idag")
    await chat.send("erik", "📥 Önskemål att besluta")

    await chat.send("lisa", "⚙️ Inställningar")
    reply = await chat.press("lisa", "Vem har tittat på mina uppgifter")

    # What the test expects, from the audit rows: per staff member and day, how many reads.
    rows = await db.all(
        select(Staff.first_name, Staff.role)
        .select_from(AuditEvent)
        .join(Staff, Staff.id == AuditEvent.staff_id)
        .where(AuditEvent.client_id == LISA, AuditEvent.action.in_(READ_ACTIONS))
    )
    assert rows, "reading Lisa's visits leaves a trace"
    counts: dict[tuple[str, str], int] = {}
    for name, role in rows:  # all today: one line per staff member
        key = (name, role)
        counts[key] = counts.get(key, 0) + 1
    roles = {"carer": "omsorgspersonal", "planner": "planerare", "manager": "enhetschef"}
    lines = reply.split("\n")
    assert lines[0] == "I personalen har de här tittat på dina uppgifter de senaste 90 dagarna:"
    for (name, role), n in counts.items():
        times = f"{n} gång" if n == 1 else f"{n} gånger"
        assert any(line.endswith(f": {name} ({roles[role]}), {times}") for line in lines[1:]), (
            name,
            n,
            reply,
        )
    assert len(lines) == 1 + len(counts)
    assert "blodtryck" not in reply and "Gröt" not in reply  # who and when, never what
