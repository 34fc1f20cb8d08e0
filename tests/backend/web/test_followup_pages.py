"""Follow-up on the web: the unit's overview and each client's months, drawn as SVG charts
with the same figures in tables. Every figure is summed by the test from the visit rows."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import httpx
from sqlmodel import select

from backend.models import Client, Order, Staff, Visit
from contract import Period, VisitStatus
from tests.backend.helpers import LISA
from tests.conftest import Database, staff_web_session

ANNA, ERIK, KARIN = 1, 3, 4
SAMIRA = 4


def browser(app: Any, cookies: dict[str, str]) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver", cookies=cookies
    )


async def signed_in(app: Any, db: Database, staff_id: int) -> httpx.AsyncClient:
    credentials = await staff_web_session(db, await db.get(Staff, staff_id))
    return browser(app, credentials.cookies)


def web_minutes(minutes: int) -> str:
    """As the Swedish pages write a duration: "40 h", "27 h 37 min", "12 min"."""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


def web_percent(ordered: int, performed: int) -> str:
    """(performed - ordered) / ordered in per cent, one decimal, half away from zero."""
    tenths = abs(performed - ordered) * 1000 / ordered
    value = int(tenths + 0.5) / 10
    sign = "−" if performed < ordered else "+"
    return f"{sign}{value:.1f}".replace(".", ",") + "\u00a0%"


def cells(html: str, first_cell: str) -> list[str]:
    """The texts of the table row whose header cell holds ``first_cell``."""
    for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S):
        texts = [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        ]
        if texts and texts[0] == first_cell:
            return texts
    raise AssertionError(f"no row for {first_cell!r}")


async def november(db: Database, client_id: int) -> tuple[int, int]:
    """Ordered and performed minutes of November 2026, from the order and the visit rows."""
    order = await db.first(select(Order).where(Order.client_id == client_id))
    ordered = (
        order.frame_minutes
        if order.period is Period.MONTH
        else int(order.frame_minutes * 30 / 7 + 0.5)
    )
    visits = await db.all(select(Visit).where(Visit.client_id == client_id))
    performed = sum(
        round((v.actual_end - v.actual_start).total_seconds() / 60)
        for v in visits
        if v.status is VisitStatus.DONE and v.day.month == 11 and v.actual_start and v.actual_end
    )
    return ordered, performed


async def test_the_units_overview_shows_every_clients_figures_and_the_band(
    app: Any, demo: None, db: Database
) -> None:
    async with await signed_in(app, db, KARIN) as web:
        page = await web.get("/web/followup", params={"month": "2026-11"})
    assert page.status_code == 200
    html = page.text
    assert "<h1>Uppföljning: november 2026</h1>" in html
    assert 'role="img"' in html and '<title id="chart-title">' in html
    clients = await db.all(select(Client))
    outside = 0
    for client in clients:
        ordered, performed = await november(db, client.id or 0)
        row = cells(html, client.first_name)
        assert row[1:4] == [
            web_minutes(ordered),
            web_minutes(performed),
            web_percent(ordered, performed),
        ]
        flagged = abs(performed - ordered) * 100 > 10 * ordered
        outside += flagged
        assert row[4] == (
            "under" if flagged and performed < ordered else "nej" if not flagged else "över"
        )
    assert f"<strong>{outside}</strong> kunder utanför spannet ±10 %" in html
    # Lisa's November stands alone: September and October have no visits at all.
    assert cells(html, "Lisa")[5] == "1"
    # The unit's deviation reasons: visits with each reason in November, from the rows.
    visits = await db.all(select(Visit))
    declined = sum(
        1 for v in visits if v.day.month == 11 and v.deviation_reason == "client_declined"
    )
    assert cells(html, "kunden tackade nej") == ["kunden tackade nej", str(declined)]


async def test_a_clients_months_say_no_data_where_there_were_no_visits(
    app: Any, demo: None, db: Database
) -> None:
    ordered, performed = await november(db, LISA)
    async with await signed_in(app, db, ANNA) as web:
        page = await web.get(f"/web/clients/{LISA}/followup", params={"month": "2026-11"})
    assert page.status_code == 200
    html = page.text
    assert cells(html, "september 2026")[1:] == [
        web_minutes(2610),  # 45 h × 29/30: the order starts on 2 September
        f"{web_minutes(2349)}–{web_minutes(2871)}",
        "inga besök registrerade",
    ]
    assert cells(html, "november 2026")[1:] == [
        web_minutes(ordered),
        f"{web_minutes(round(ordered * 0.9))}–{web_minutes(round(ordered * 1.1))}",
        web_minutes(performed),
        web_percent(ordered, performed),
        "ja",
    ]
    assert "Utanför spannet ±10 %, 1 månad i rad." in html
    assert cells(html, "kunden tackade nej") == ["kunden tackade nej", "2"]


async def test_a_contact_person_sees_only_their_clients_and_the_csv_matches(
    app: Any, demo: None, db: Database
) -> None:
    async with await signed_in(app, db, ANNA) as web:
        page = await web.get("/web/followup", params={"month": "2026-11"})
        exported = await web.get("/web/followup.csv", params={"month": "2026-11"})
        samira = await web.get(f"/web/clients/{SAMIRA}/followup")
    assert page.status_code == 200 and "Samira" not in page.text
    assert samira.status_code == 403
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff")), delimiter=";"))
    assert [r["first_name"] for r in rows] == ["Lisa", "Gösta", "Aino"]
    ordered, performed = await november(db, LISA)
    assert (rows[0]["ordered_minutes"], rows[0]["performed_minutes"]) == (
        str(ordered),
        str(performed),
    )


async def test_an_unknown_month_is_refused_in_words(app: Any, demo: None, db: Database) -> None:
    async with await signed_in(app, db, ERIK) as web:
        page = await web.get("/web/followup", params={"month": "2026-13"})
    assert page.status_code == 422
    assert "<html" in page.text


async def test_a_month_still_to_come_has_no_data_and_claims_nothing(
    app: Any, demo: None, db: Database
) -> None:
    # December has planned visits but none has happened yet (today is 23 November).
    december = [v for v in await db.all(select(Visit)) if v.day.month == 12]
    assert december and all(v.status is VisitStatus.PLANNED for v in december)
    async with await signed_in(app, db, KARIN) as web:
        page = await web.get("/web/followup", params={"month": "2026-12"})
    assert page.status_code == 200
    assert cells(page.text, "Lisa")[3:6] == ["inga besök registrerade", "nej", ""]
    assert "<strong>0</strong> kunder utanför spannet ±10 %" in page.text
