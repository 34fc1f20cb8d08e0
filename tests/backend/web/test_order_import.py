"""Importing the assessor's orders (JSON and CSV) on the web: a preview first, then all or
nothing; every bad field of every row named with its row number."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import httpx
from sqlmodel import col, select

from backend.models import Client, GrantedService, Order, Staff
from tests.conftest import Database, WebCredentials, staff_web_session

GOSTA_NUMBER = "19380512-9875"  # made up, valid (Luhn)
AINO_NUMBER = "19410101-8002"


async def numbered(db: Database) -> None:
    """Gösta and Aino get personal identity numbers, as the unit would have entered them."""
    async with db.sessions() as s:
        for client_id, number in ((2, GOSTA_NUMBER), (3, AINO_NUMBER)):
            client = await s.get(Client, client_id)
            assert client is not None
            client.personal_number = number
            s.add(client)
        await s.commit()


async def erik(db: Database) -> WebCredentials:
    return await staff_web_session(db, await db.get(Staff, 3))


async def upload(
    app: Any, who: WebCredentials, name: str, content: bytes, **form: str
) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", cookies=who.cookies
    ) as browser:
        return await browser.post(
            "/web/orders/import",
            data={"csrf": who.csrf, **form},
            files={"file": (name, content, "text/plain")},
        )


async def confirm(app: Any, who: WebCredentials, html: str) -> httpx.Response:
    """Press "Save these orders" on the preview: the hidden fields as the browser sends them."""
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    fields = {k: v.replace("&#34;", '"').replace("&amp;", "&") for k, v in fields.items()}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", cookies=who.cookies
    ) as browser:
        return await browser.post("/web/orders/import", data=fields)


GOOD_CSV = (
    "personal_number;needs;purpose;period;frame_hours;valid_from;valid_to;decided_on;services\n"
    f"{GOSTA_NUMBER};Hygien och inköp;Bo kvar hemma;month;32,5;2026-12-01;;2026-11-20;"
    '"hygiene:1/day; shower:2/week; shopping:1/week"\n'
    f"194101018002;Sällskap;Komma ut;week;6;2026-12-07;2027-06-30;2026-11-21;walk:2/week\n"
).encode()


async def test_a_good_csv_file_is_previewed_then_saved(app: Any, demo: None, db: Database) -> None:
    await numbered(db)
    who = await erik(db)
    before = await db.count(Order)
    preview = await upload(app, who, "orders.csv", GOOD_CSV)
    assert preview.status_code == 200
    assert "Förhandsvisning: 2 beslut" in preview.text
    assert "32 h 30 min per månad" in preview.text
    assert await db.count(Order) == before  # nothing written by the preview

    saved = await confirm(app, who, preview.text)
    assert saved.status_code == 200, saved.text
    assert "2 beslut importerades." in saved.text
    gosta = await db.all(select(Order).where(Order.client_id == 2).order_by(col(Order.valid_from)))
    old, new = gosta
    assert old.valid_to == date(2026, 11, 30)  # the order before ends the day before
    assert (new.frame_minutes, new.valid_from, new.valid_to) == (1950, date(2026, 12, 1), None)
    granted = await db.all(select(GrantedService).where(GrantedService.order_id == new.id))
    assert sorted((g.code, g.count, g.per) for g in granted) == [
        ("hygiene", 1, "day"),
        ("shopping", 1, "week"),
        ("shower", 2, "week"),
    ]
    aino = await db.first(
        select(Order).where(Order.client_id == 3).order_by(col(Order.valid_from).desc())
    )
    assert (aino.period, aino.frame_minutes, aino.valid_to) == ("week", 360, date(2027, 6, 30))


async def test_a_good_json_file_is_saved(app: Any, demo: None, db: Database) -> None:
    await numbered(db)
    who = await erik(db)
    content = json.dumps(
        {
            "orders": [
                {
                    "personal_number": GOSTA_NUMBER,
                    "period": "month",
                    "frame_hours": 28,
                    "valid_from": "2027-01-01",
                    "decided_on": "2026-12-15",
                    "services": [{"code": "hygiene", "count": 1, "per": "day"}],
                }
            ]
        }
    ).encode()
    preview = await upload(app, who, "orders.json", content)
    assert "Förhandsvisning: 1 beslut" in preview.text
    saved = await confirm(app, who, preview.text)
    assert "1 beslut importerades." in saved.text
    newest = await db.first(
        select(Order).where(Order.client_id == 2).order_by(col(Order.valid_from).desc())
    )
    assert (newest.frame_minutes, newest.valid_from) == (28 * 60, date(2027, 1, 1))


async def test_bad_rows_are_each_named_and_nothing_is_written(
    app: Any, demo: None, db: Database
) -> None:
    await numbered(db)
    who = await erik(db)
    content = (
        "personal_number,period,frame_hours,valid_from,valid_to,decided_on,services\n"
        f"{GOSTA_NUMBER},month,30,2026-12-01,,2026-11-20,hygiene:1/day\n"  # good
        f"{AINO_NUMBER},fortnight,lots,2026-02-30,,2026-11-20,sauna:1/week;walk:two/week\n"
        "19000101-0000,month,10,2026-12-01,2026-11-01,,meal:1/day\n"
    ).encode()
    orders, granted = await db.count(Order), await db.count(GrantedService)
    response = await upload(app, who, "orders.csv", content)
    assert response.status_code == 422
    rows = re.findall(r"<tr><td>(\d+)</td><td>(\w+)</td><td>(.*?)</td></tr>", response.text)
    problems = {(int(row), field) for row, field, _ in rows}
    assert problems == {
        (3, "period"),
        (3, "frame_hours"),
        (3, "valid_from"),
        (3, "services"),  # sauna is no service, and "two" is no number: both named
        (4, "personal_number"),
        (4, "decided_on"),
        (4, "valid_to"),
    }
    texts = [text for _, _, text in rows]
    assert "”sauna” är inte en känd insats." in texts
    assert any("walk:two/week" in text for text in texts)
    assert "8 problem: inget sparades" in response.text
    # The good first row was not written either; confirming the same content again fails.
    assert (await db.count(Order), await db.count(GrantedService)) == (orders, granted)
    again = await upload(app, who, "orders.csv", content, confirm="1")
    assert again.status_code == 422
    assert (await db.count(Order), await db.count(GrantedService)) == (orders, granted)


async def test_a_file_that_is_not_csv_or_json_is_refused(
    app: Any, demo: None, db: Database
) -> None:
    who = await erik(db)
    response = await upload(app, who, "orders.json", b'{"orders": [1, 2')
    assert response.status_code == 422
    assert "Filen kan inte läsas som CSV eller JSON (UTF-8)." in response.text
    latin1 = await upload(app, who, "orders.csv", "personal_number\nÅsa\n".encode("latin-1"))
    assert "Filen kan inte läsas" in latin1.text


async def test_a_carer_cannot_import(app: Any, demo: None, db: Database) -> None:
    anna = await staff_web_session(db, await db.get(Staff, 1))
    response = await upload(app, anna, "orders.csv", GOOD_CSV)
    assert response.status_code == 403
    assert "Bara planerare och enhetschefer kan göra det här." in response.text
