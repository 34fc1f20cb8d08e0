"""The queue in the browser: Lisa asks in the bot, Anna sees it arrive on her open queue page
and approves it there, and Lisa's bot is told (the outbox, delivered by the notifier). A page
left open while the request was decided in the bot refuses the approval cleanly, and nothing
changes. axe-core checks every state on the way."""

from __future__ import annotations

import os
import re
from typing import Any

from aiogram.methods import SendMessage
from playwright.async_api import expect
from sqlmodel import col, select

from backend.config import Settings
from backend.demo import DEMO_ACCOUNTS
from backend.models import ChangeRequest, Visit
from bot.backend_client import BackendClient
from bot.delivery import Sender
from bot.factory import create_i18n
from bot.notifier import Notifier
from contract import TZ, Decision, DecisionIn, RejectIn, RejectReason, RequestStatus
from tests.bot.conftest import Chat
from tests.browser.conftest import SCREENSHOTS, accessible
from tests.conftest import Database


async def lisa_asks_for_a_longer_visit(chat: Chat, time: str) -> None:
    await chat.send("lisa", "✏️ Önska en ändring")
    await chat.press("lisa", time)
    await chat.press("lisa", "Längre")
    assert "Det ryms i din beviljade tid" in await chat.press("lisa", "15")
    assert "Skickat till din kontaktperson Anna" in await chat.press("lisa", "Skicka")


async def sign_in(page: Any, name: str) -> None:
    await page.goto("/web/signin")
    await page.get_by_role("button", name=re.compile(name)).click()
    await page.wait_for_url(re.compile(r"/web/$"))


async def test_anna_approves_on_the_web_what_lisa_asked_in_the_bot(
    page: Any,
    chat: Chat,
    db: Database,
    settings: Settings,
    backend_client: BackendClient,
) -> None:
    await sign_in(page, "Anna")
    await page.get_by_role("link", name="Kö").click()
    await expect(page.locator("#queue-empty")).to_contain_text("Inga önskemål väntar på dig")
    await accessible(page)

    # Lisa asks in the bot; the open page shows it without a reload.
    await lisa_asks_for_a_longer_visit(chat, "12:00")
    asked = await db.first(select(ChangeRequest))
    item = page.locator(f"#request-{asked.id}")
    await expect(item).to_be_visible(timeout=20_000)
    await expect(page.locator("#queue-status")).to_contain_text("1 nytt önskemål har kommit")
    lunch = await db.get(Visit, asked.visit_id)
    await expect(item).to_contain_text("Frågat av Lisa (omsorgstagaren)")
    await expect(item.locator("table.before-after tbody tr").first).to_contain_text(
        f"{lunch.duration_minutes} min"
    )
    await expect(item.locator("table.before-after tbody tr").nth(1)).to_contain_text(
        f"{lunch.duration_minutes + 15} min"
    )
    await expect(item.locator(".facts")).to_contain_text("+15 min")
    await accessible(page)
    if os.environ.get("RAMTID_WRITE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / "queue.png"), full_page=True)

    await item.get_by_role("button", name="Godkänn").click()
    await expect(page.locator(".notice")).to_contain_text("Godkänt. Lisa får veta det.")
    await accessible(page)
    assert (await db.get(Visit, asked.visit_id)).duration_minutes == lunch.duration_minutes + 15
    decided = await db.get(ChangeRequest, asked.id)
    assert (decided.status, decided.decided_by_staff_id) == (RequestStatus.APPROVED, 1)

    # The notifier delivers the outbox: Lisa's bot gets the answer, with who approved it.
    notifier = Notifier(
        backend_client, Sender(chat.bot, per_chat_interval=0), create_i18n(settings)
    )
    assert await notifier.deliver_once() > 0
    to_lisa = [
        r.text
        for r in chat.session.requests
        if isinstance(r, SendMessage) and r.chat_id == DEMO_ACCOUNTS["lisa"]
    ]
    assert any("Anna" in text and "godkänt" in text.lower() for text in to_lisa), to_lisa
    # The bot's queue is empty for Anna too.
    assert "Inga önskemål väntar på dig" in await chat.send("anna", "/queue")


async def test_a_stale_page_is_refused_cleanly(
    page: Any, chat: Chat, db: Database, backend_client: BackendClient
) -> None:
    await lisa_asks_for_a_longer_visit(chat, "12:00")
    asked = await db.first(select(ChangeRequest))
    before = (await db.get(Visit, asked.visit_id)).duration_minutes
    await sign_in(page, "Anna")
    await page.goto("/web/queue")
    item = page.locator(f"#request-{asked.id}")
    await expect(item).to_be_visible()

    # Meanwhile Anna says no in the bot (no staff that day).
    await backend_client.decide(
        DEMO_ACCOUNTS["anna"],
        asked.id,
        Decision.REJECT,
        RejectIn(version=asked.version, reason=RejectReason.NO_STAFF),
    )
    await item.get_by_role("button", name="Godkänn").click()
    alert = page.locator(".alert")
    decided = await db.get(ChangeRequest, asked.id)
    at = decided.decided_at.astimezone(TZ)
    await expect(alert).to_contain_text(
        f"Redan beslutat av Anna klockan {at:%H:%M}. Inget har ändrats."
    )
    await accessible(page)
    assert decided.status is RequestStatus.REJECTED
    assert (await db.get(Visit, asked.visit_id)).duration_minutes == before
    approved = await db.all(
        select(ChangeRequest).where(col(ChangeRequest.status) == RequestStatus.APPROVED)
    )
    assert approved == []


async def test_a_request_decided_in_the_bot_leaves_the_open_page(
    page: Any, chat: Chat, db: Database, backend_client: BackendClient
) -> None:
    """Anna keeps the queue open at her desk and approves from her phone: at the page's
    next poll the card loses its buttons and says why, and the change is announced."""
    await lisa_asks_for_a_longer_visit(chat, "12:00")
    asked = await db.first(select(ChangeRequest))
    await sign_in(page, "Anna")
    await page.goto("/web/queue")
    item = page.locator(f"#request-{asked.id}")
    await expect(item.get_by_role("button", name="Godkänn")).to_be_visible()

    await backend_client.decide(
        DEMO_ACCOUNTS["anna"], asked.id, Decision.APPROVE, DecisionIn(version=asked.version)
    )
    await expect(item).to_contain_text("Det här önskemålet väntar inte längre", timeout=20_000)
    await expect(item.get_by_role("button")).to_have_count(0)
    await expect(page.locator("#queue-status")).to_contain_text("1 önskemål väntar inte längre")
    await accessible(page)
