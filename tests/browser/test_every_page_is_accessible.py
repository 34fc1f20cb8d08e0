"""axe-core on every page of the web route table, as a manager and as a carer (whose menu is
smaller and who meets refusals), and on the error states: a form sent empty, an import with
bad rows, a sign-in link that is used up."""

from __future__ import annotations

import os
import re
from typing import Any

from playwright.async_api import expect
from sqlmodel import select

from backend import web
from backend.models import Order, Staff, StaffRole
from tests.backend.helpers import update_row
from tests.browser.conftest import SCREENSHOTS, accessible
from tests.conftest import as_chat, staff_web_session

IDS = {"client_id": "1", "plan_id": "1", "staff_id": "1"}


def web_pages() -> list[str]:
    """Every GET page of the web, its ids filled with the demo's first client, plan, staff."""
    pages = []
    for method, path in web.routes():
        if method != "GET" or "{token}" in path or "oidc" in path:
            continue  # a sign-in link or the provider's return: tested on their own
        if path.endswith(("/budget", "/day/board", "/news")):
            continue  # HTMX fragments of the plan page, the day board and the queue
        if path.endswith(".csv"):
            continue  # a download, not a page
        pages.append(re.sub(r"\{(\w+)\}", lambda m: IDS[m.group(1)], path))
    return sorted(pages)


async def sign_in(page: Any, name: str) -> None:
    await page.goto("/web/signin")
    await accessible(page)
    await page.get_by_role("button", name=re.compile(name)).click()
    await page.wait_for_url(re.compile(r"/web/$"))


async def test_every_page_passes_axe_for_a_manager_and_a_carer(
    page: Any, demo: None, api: Any
) -> None:
    pages = web_pages()
    assert "/web/plans/1" in pages and "/web/clients/1" in pages and "/web/unit" in pages
    assert "/web/followup" in pages and "/web/clients/1/followup" in pages
    assert "/web/day" in pages  # the day board (its states: tests/browser/test_day_board.py)
    assert {"/web/queue", "/web/audit", "/web/needs"} <= set(pages)
    await waiting_requests(api)  # the queue with something in it, and a changed need
    for who in ("Karin", "Anna"):
        await page.context.clear_cookies()
        await sign_in(page, who)
        for path in pages:
            response = await page.goto(path)
            assert response.status in (200, 403), (who, path, response.status)
            await accessible(page)


async def waiting_requests(api: Any) -> None:
    """Lisa asks for a longer lunch tomorrow (Anna's queue) and for three hours in the
    evening, which she sends on to her assessor as a changed need."""
    visits = await api.get(
        "/clients/1/visits", params={"from": "2026-11-24"}, headers=as_chat("lisa")
    )
    for minutes, to_assessor, at in ((35, False, "T11:00:00Z"), (180, True, "T16:00:00Z")):
        visit = next(v for v in visits.json()["visits"] if v["start"].endswith(at))
        asked = await api.post(
            "/clients/1/requests",
            json={
                "idempotency_key": f"axe-page-{minutes}",
                "change": {"kind": "resize", "visit_id": visit["id"], "new_duration": minutes},
                "to_assessor": to_assessor,
            },
            headers=as_chat("lisa"),
        )
        assert asked.status_code == 201, asked.text


async def test_the_assessors_pages_pass_axe(
    page: Any, demo: None, api: Any, db: Any, base_url: str
) -> None:
    await waiting_requests(api)
    astrid = Staff(unit_id=1, first_name="Astrid", last_name="Holm", role=StaffRole.ASSESSOR)
    await db.add(astrid)
    for order in await db.all(select(Order).where(Order.client_id == 1)):
        await update_row(db, Order, order.id, assessor_staff_id=astrid.id)
    who = await staff_web_session(db, astrid)
    await page.context.add_cookies(
        [{"name": name, "value": value, "url": base_url}
         for name, value in who.cookies.items()]
    )  # fmt: skip
    for path, status in (("/web/needs", 200), ("/web/account", 200), ("/web/clients", 403)):
        response = await page.goto(path)
        assert response.status == status, path
        await accessible(page)
    await page.goto("/web/needs")
    await expect(page.locator("main")).to_contain_text("Lisa Andersson")
    await page.goto("/web/needs?month=november")
    await expect(page.locator("#month-error")).to_be_visible()
    await accessible(page)


async def test_error_states_pass_axe(page: Any, demo: None) -> None:
    await sign_in(page, "Erik")
    await page.goto("/web/clients/new")
    await page.get_by_label("Personnummer").fill("19400307-1234")  # wrong check digit
    await page.get_by_role("button", name="Spara").click()
    await expect(page.locator("#personal_number-error")).to_contain_text("personnummer")
    await expect(page.locator("#first_name-error")).to_be_visible()
    await accessible(page)

    await page.goto("/web/orders/import")
    await page.locator("#file").set_input_files(
        files=[
            {
                "name": "orders.csv",
                "mimeType": "text/csv",
                "buffer": b"personal_number,period,frame_hours,valid_from,decided_on,services\n"
                b"19400307-1234,fortnight,many,2026-13-01,2026-11-01,meal:3/day\n",
            }
        ]
    )
    await page.get_by_role("button", name="Kontrollera filen").click()
    await expect(page.locator(".alert")).to_contain_text("inget sparades")
    await accessible(page)

    await page.goto("/web/staff/1")
    await page.get_by_label("Borta från").fill("2026-12-10")
    await page.get_by_label("Borta till och med").fill("2026-12-01")
    await page.get_by_role("button", name="Lägg till frånvaron").click()
    await expect(page.locator("#ends_on-error")).to_be_visible()
    await accessible(page)

    await page.goto("/web/signin/link/not-a-real-link")
    await expect(page.locator(".alert")).to_contain_text("inte giltig")
    await accessible(page)


async def test_the_follow_up_charts_pass_axe_and_read_as_tables(page: Any, demo: None) -> None:
    await sign_in(page, "Karin")
    await page.goto("/web/followup?month=2026-11")
    await expect(page.get_by_role("img", name="Avvikelse från beställd tid")).to_be_visible()
    await expect(
        page.get_by_role("table", name="Beställd och utförd tid, per kund")
    ).to_be_visible()
    await accessible(page)
    await page.get_by_role("link", name="Lisa", exact=True).click()
    chart = page.get_by_role("img", name="Utförd och beställd tid per månad")
    await expect(chart).to_be_visible()
    await expect(page.get_by_role("row", name=re.compile("september 2026"))).to_contain_text(
        "inga besök registrerade"
    )
    await accessible(page)
    if os.environ.get("RAMTID_WRITE_SCREENSHOTS"):
        await page.locator("h1").scroll_into_view_if_needed()
        await page.screenshot(path=str(SCREENSHOTS / "followup-chart.png"))
