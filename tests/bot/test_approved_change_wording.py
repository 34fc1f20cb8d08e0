"""Issue 9, point 1: an approved move must still read "from the old time to the new one" on
every screen that shows it, never "from 09:00 to 09:00". Driven through the real bot: Lisa
types her wish, Anna hands it to the planner, Erik approves it in his queue; then Erik's card,
Anna's queue and Lisa's "Mina önskemål" are read. The times are taken from the rows."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from backend.config import Settings
from backend.models import ChangeRequest, Visit
from bot.backend_client import BackendClient
from bot.factory import create_i18n
from bot.texts.notifications import render
from contract import TZ
from tests.backend.helpers import LISA
from tests.bot.conftest import Chat
from tests.conftest import Database
from tests.support.outbox import drain

TOMORROW = date(2026, 11, 24)


def hhmm(moment) -> str:  # type: ignore[no-untyped-def]
    return moment.astimezone(TZ).strftime("%H:%M")


async def test_a_move_approved_by_the_planner_reads_from_and_to_everywhere(
    chat: Chat, db: Database, backend_client: BackendClient, settings: Settings
) -> None:
    visits = await db.all(select(Visit).where(Visit.client_id == LISA))
    morning = next(v for v in visits if v.day == TOMORROW and hhmm(v.planned_start) == "08:00")

    await chat.send("lisa", "kan ni komma klockan tio i stället i morgon?")
    await chat.press("lisa", "08:00")
    await chat.press("lisa", "Skicka")
    request = await db.first(select(ChangeRequest))
    assert request.visit_id == morning.id
    old, new = hhmm(request.before.start), hhmm(request.change.new_start)
    assert (old, new) == ("08:00", "10:00")
    moved = f"Flytta besöket tisdag 24 november kl. {old} till tisdag 24 november kl. {new}."

    await chat.send("anna", "📥 Önskemål att besluta")
    await chat.press("anna", "Till planeraren")
    queue = await chat.send("erik", "📥 Önskemål att besluta")
    assert moved in queue
    await chat.press("erik", "Godkänn")
    assert hhmm((await db.get(Visit, morning.id)).planned_start) == new  # the visit moved

    [card] = [text for text in chat.edits() if "Godkänt" in text]
    assert moved in card
    assert f"kl. {new} till tisdag 24 november kl. {new}" not in card

    listed = await chat.send("lisa", "📨 Mina önskemål")
    assert moved in listed and "Godkänt av Erik" in listed
    assert f"kl. {new} till tisdag 24 november kl. {new}" not in listed

    # The message Lisa (and Eva) are sent about the decision says the same.
    i18n = create_i18n(settings)
    decided = await drain(backend_client, "request_decided")
    assert decided
    for notification in decided:
        with i18n.context(), i18n.use_locale("sv"):
            text = render(notification)
        assert "Erik har godkänt" in text and moved in text
