"""The day board in the browser: Erik has the board open when Anna tells the bot she will be
late; the board shows it by itself (HTMX polling), with the expected arrival worked out here
from the row. Later a missed visit asks for its reason. axe-core checks each state."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from typing import Any

import pytest
from playwright.async_api import expect
from sqlmodel import col, select

from backend.models import Visit
from backend.web import day as day_board
from contract import TZ
from tests.bot.conftest import Chat
from tests.browser.conftest import SCREENSHOTS, accessible
from tests.browser.test_every_page_is_accessible import sign_in
from tests.conftest import Clock, Database

LISA = 1


async def lisas_visits_today(db: Database, clock: Clock) -> list[Visit]:
    return list(
        await db.all(
            select(Visit)
            .where(Visit.client_id == LISA)
            .where(Visit.day == clock.now.astimezone(TZ).date())
            .order_by(col(Visit.planned_start))
        )
    )


def hhmm(moment: Any) -> str:
    return moment.astimezone(TZ).strftime("%H:%M")


async def test_the_board_shows_a_late_visit_after_the_carer_reports_it_in_the_bot(
    page: Any, chat: Chat, db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(day_board, "POLL_SECONDS", 1)  # the page polls every second here
    breakfast, lunch, _dinner = await lisas_visits_today(db, clock)
    await sign_in(page, "Erik")
    await page.get_by_role("link", name="Dagens besök").click()
    await page.wait_for_url(re.compile(r"/web/day$"))
    row = page.locator(f"#visit-{breakfast.id}")
    await expect(row).to_contain_text("Planerat")
    await accessible(page)

    # Anna, in the bot: 20 minutes late for the 08:00 visit at Lisa's.
    assert "Vilket besök" in await chat.send("anna", "⏰ Jag är försenad")
    await chat.press("anna", "08:00 Lisa")
    await chat.press("anna", "20 min")

    arrival = hhmm(breakfast.planned_start + timedelta(minutes=20))
    await expect(row).to_contain_text(f"20 min försenat, kommer ca {arrival}", timeout=10_000)
    await expect(page.locator(f"#visit-{lunch.id}")).to_contain_text("Planerat")
    await accessible(page)
    if os.environ.get("RAMTID_WRITE_SCREENSHOTS"):
        monkeypatch.setattr(day_board, "POLL_SECONDS", 20)  # what the page really says
        await page.reload()
        await page.screenshot(path=str(SCREENSHOTS / "day-board.png"), full_page=True)

    # 16:55: nobody came to lunch; the board says so and asks why.
    clock.set_local(2026, 11, 23, 16, 55)
    # Off the board first: its next poll without a session would send the page to the
    # sign-in on its own, racing the test's own way there (net::ERR_ABORTED in CI).
    await page.goto("about:blank")
    await page.context.clear_cookies()
    await sign_in(page, "Erik")
    await page.goto("/web/day")
    missed = page.locator(f"#visit-{lunch.id}")
    await expect(missed).to_contain_text("Blev inte av")
    await accessible(page)
    # Polling pauses while the form is in use (focus inside the board).
    reason = missed.get_by_label("Varför blev det inte av?")
    await reason.focus()
    await reason.select_option("hospital_stay")
    await missed.get_by_role("button", name="Spara skälet").click()
    await expect(page.locator(f"#visit-{lunch.id}")).to_contain_text(
        "Skäl: Brukaren låg på sjukhus"
    )
    assert (await db.get(Visit, lunch.id)).deviation_reason == "hospital_stay"
    await accessible(page)
