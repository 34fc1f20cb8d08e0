"""A planner's afternoon in the browser: sign in with the bot's link, create a client, enter
the assessor's order, write a plan whose budget goes over the frame and see it say so, fix it,
sign it, print the invitation; then the client links in the bot with the printed code and
sees the new visits. axe-core checks every page on the way, error states included."""

from __future__ import annotations

import calendar
import os
import re
from datetime import date
from typing import Any

from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardMarkup
from playwright.async_api import expect
from sqlmodel import select

from backend.models import Client, Visit
from contract import TZ
from tests.bot.conftest import Chat
from tests.browser.conftest import SCREENSHOTS, accessible
from tests.conftest import Clock, Database

PERSONAL_NUMBER = "19400307-1232"  # a valid one (Luhn), made up
MEAL_MINUTES, FIXED_MEAL_MINUTES, SHOWER_MINUTES = 25, 20, 60
FRAME_HOURS = 16
TUESDAY = 1


def planned_minutes(year: int, month: int, meal: int, shower: int) -> int:
    """The test's own count: a meal every day and a shower every Tuesday of the month."""
    days = calendar.monthrange(year, month)[1]
    tuesdays = sum(1 for d in range(1, days + 1) if date(year, month, d).weekday() == TUESDAY)
    return days * meal + tuesdays * shower


def hours(minutes: int) -> str:
    """How the page writes a duration in Swedish: "17 h 55 min"."""
    h, m = divmod(minutes, 60)
    return f"{h} h {m} min" if m else f"{h} h"


def link_in_reply(chat: Chat) -> str:
    for request in reversed(chat.session.requests):
        if isinstance(request, SendMessage) and isinstance(
            request.reply_markup, InlineKeyboardMarkup
        ):
            url = request.reply_markup.inline_keyboard[0][0].url
            if url:
                return url
    raise AssertionError("the bot sent no link")


async def screenshot(page: Any, name: str) -> None:
    """For the README (RAMTID_WRITE_SCREENSHOTS=1): the top of the page, budget beside."""
    await page.evaluate("window.scrollTo(0, 0)")
    await page.locator("#budget").evaluate("node => node.scrollIntoView({block: 'start'})")
    await page.evaluate("window.scrollBy(0, -20)")
    await page.screenshot(path=str(SCREENSHOTS / name))


async def budget_row(page: Any, month: str) -> str:
    row = page.locator("#budget tbody tr", has_text=month).first
    return " ".join((await row.inner_text()).split())


async def test_a_planner_writes_a_plan_within_the_frame_and_the_client_sees_the_visits(
    page: Any, chat: Chat, clock: Clock, db: Database, base_url: str
) -> None:
    # Erik, the planner, asks the bot for a sign-in link and opens it.
    reply = await chat.send("erik", "Logga in på webben")
    assert "10" in reply
    link = link_in_reply(chat)
    assert link.startswith(base_url + "/web/signin/link/")
    await page.goto(link)
    await accessible(page)
    await page.get_by_role("button", name="Fortsätt").click()
    await page.wait_for_url(base_url + "/web/")
    assert "Erik" in await page.locator("h1").inner_text()
    await accessible(page)

    # A new client; first with the form left empty, which says what is missing.
    await page.get_by_role("link", name="Omsorgstagare").first.click()
    await accessible(page)
    await page.get_by_role("link", name="Ny omsorgstagare").click()
    await page.get_by_role("button", name="Spara").click()
    await expect(page.locator("#first_name-error")).to_be_visible()
    await accessible(page)
    await page.get_by_label("Förnamn").fill("Britt")
    await page.get_by_label("Efternamn").fill("Ek")
    await page.get_by_label("Personnummer").fill("194003071232")
    await page.get_by_label("Område").fill("Hornstull")
    await page.get_by_label("Kontaktperson", exact=True).select_option(
        label="Anna Lindqvist (omsorgspersonal)"
    )
    await page.get_by_role("button", name="Spara").click()
    await page.wait_for_url(re.compile(r"/web/clients/\d+$"))
    client = await db.first(select(Client).where(Client.last_name == "Ek"))
    assert client.personal_number == PERSONAL_NUMBER
    await accessible(page)

    # The assessor's order: 16 h a month, a meal a day and a shower a week.
    await page.get_by_role("link", name="Lägg in ett nytt beslut").click()
    await page.get_by_label("Ramtimmar per period").fill(str(FRAME_HOURS))
    await page.locator("#count_meal").fill("1")
    await page.locator("#per_meal").select_option("day")
    await page.locator("#count_shower").fill("1")
    await page.locator("#per_shower").select_option("week")
    await accessible(page)
    await page.get_by_role("button", name="Spara beslutet").click()
    await page.wait_for_url(re.compile(rf"/web/clients/{client.id}$"))
    assert (
        "16 h" in await page.locator("#orders-heading + p + article, article").first.inner_text()
    )

    # A first plan from 1 December: a 25-minute meal every day and a shower on Tuesdays.
    await page.get_by_label("Ny planversion gäller från").fill("2026-12-01")
    await page.get_by_role("button", name="Skriv en ny planversion").click()
    await page.wait_for_url(re.compile(r"/web/plans/\d+$"))
    await accessible(page)
    for day in range(7):
        await page.locator(f"#add_day_{day}").check()
    await page.locator("#start").fill("12:00")
    await page.locator("#duration").fill(str(MEAL_MINUTES))
    await page.locator("#add_svc_meal").check()
    await page.get_by_role("button", name="Lägg till", exact=True).click()
    await page.locator("form.slot").nth(6).wait_for()
    await page.locator("#add_day_1").check()
    await page.locator("#start").fill("10:00")
    await page.locator("#duration").fill(str(SHOWER_MINUTES))
    await page.locator("#add_svc_shower").check()
    await page.get_by_role("button", name="Lägg till", exact=True).click()
    await page.locator("form.slot").nth(7).wait_for()

    frame = FRAME_HOURS * 60
    december = planned_minutes(2026, 12, MEAL_MINUTES, SHOWER_MINUTES)
    assert december > frame  # 31 meals of 25 min and five Tuesdays: over the frame
    row = await budget_row(page, "December 2026")
    assert hours(december) in row and hours(december - frame) in row
    assert "Över ramen" in await page.locator("#budget .headline").inner_text()
    await accessible(page)
    if os.environ.get("RAMTID_WRITE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await screenshot(page, "plan-over-the-frame.png")

    # Signing it like this is refused, and nothing is planned.
    await page.get_by_role("button", name="Signera", exact=True).click()
    await expect(page.locator(".alert")).to_contain_text("Planen kan inte signeras")
    assert await db.all(select(Visit).where(Visit.client_id == client.id)) == []
    await accessible(page)

    # Fix it: each meal five minutes shorter. The budget follows as each row is changed.
    for index in range(await page.locator("form.slot").count()):
        slot = page.locator("form.slot").nth(index)
        duration = slot.locator("input[type=number]")
        if await duration.input_value() == str(MEAL_MINUTES):
            async with page.expect_response(re.compile(r"/slots/\d+$")):
                await duration.fill(str(FIXED_MEAL_MINUTES))
                await duration.dispatch_event("change")
    fixed = planned_minutes(2026, 12, FIXED_MEAL_MINUTES, SHOWER_MINUTES)
    assert fixed <= frame
    december_row = page.locator("#budget tbody tr", has_text="December 2026")
    await expect(december_row).to_contain_text(hours(fixed))
    row = await budget_row(page, "December 2026")
    assert hours(fixed) in row and "–" in row
    january = planned_minutes(2027, 1, FIXED_MEAL_MINUTES, SHOWER_MINUTES)
    assert hours(january) in await budget_row(page, "Januari 2027")
    assert "Inom ramen" in await page.locator("#budget .headline").inner_text()
    await accessible(page)
    if os.environ.get("RAMTID_WRITE_SCREENSHOTS"):
        await screenshot(page, "plan-within-the-frame.png")

    # Sign it, with Britt taking part: the visits are made from 1 December.
    await page.get_by_label("Omsorgstagaren deltog när planen skrevs").check()
    await page.get_by_role("button", name="Signera", exact=True).click()
    await page.wait_for_url(re.compile(r"made=\d+"))
    await accessible(page)
    visits = await db.all(select(Visit).where(Visit.client_id == client.id))
    today = clock.now.astimezone(TZ).date()
    assert {v.day for v in visits} == {
        date(2026, 12, d) for d in range(1, (today.day + 14) - 30 + 1)
    }
    made = int(re.search(r"made=(\d+)", page.url).group(1))  # type: ignore[union-attr]
    assert made == len(visits)

    # Print the invitation: Swedish letter, the code, and the QR code of the deep link.
    await page.get_by_role("link", name="Tillbaka till Britt").click()
    await page.get_by_role("button", name="Skriv ut ett inbjudningsbrev").click()
    code = (await page.locator(".code").inner_text()).strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{5}", code)  # read aloud in groups
    qr_title = await page.locator(".qr svg title").text_content()
    assert qr_title == f"https://t.me/RamtidTestBot?start={code}"
    assert "08-508 123 00" in await page.locator("main").inner_text()
    await accessible(page)

    # Britt links her Telegram with the printed code, and on 1 December sees her lunch.
    britt = 3001
    assert "Britt" in await chat.send(britt, f"/start {code}")
    clock.set_local(2026, 12, 1, 9, 0)
    today_reply = await chat.send(britt, "📅 Idag")
    assert "12:00" in today_reply and "10:00" in today_reply  # 1 December is a Tuesday
    week = await chat.send(britt, "🗓 Den här veckan")
    assert week.count("12:00–12:20") == 7  # the next seven days, 1 to 7 December
    assert week.count("10:00–11:00") == 1  # one Tuesday among them
