"""One code, many phones at the same moment: exactly one is linked (on PostgreSQL, where the
redemptions really run at once; on SQLite, where they wait in turn)."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlmodel import col, select

from backend.models import ChatAccount, Client, Invitation
from tests.backend.helpers import service_headers
from tests.conftest import Database, as_staff

RACERS = 20


async def test_twenty_phones_racing_with_one_code_link_exactly_one(
    api, demo, db: Database
) -> None:
    berit = Client(unit_id=1, first_name="Berit", last_name="Ström", contact_person_id=1)
    await db.add(berit)
    r = await api.post(
        "/staff/invitations",
        json={"kind": "client", "client_id": berit.id},
        headers=as_staff("anna"),
    )
    code = r.json()["code"]
    phones = range(7000, 7000 + RACERS)
    start = asyncio.Event()

    async def redeem(telegram_user_id: int) -> tuple[int, str]:
        await start.wait()
        r = await api.post(
            "/bot/link",
            json={"code": code, "telegram_user_id": telegram_user_id, "chat_id": telegram_user_id},
            headers=service_headers(),
        )
        return r.status_code, r.json().get("code", "linked") if r.status_code != 200 else "linked"

    racers = [asyncio.create_task(redeem(phone)) for phone in phones]
    await asyncio.sleep(0)
    start.set()
    answers = Counter(await asyncio.gather(*racers))

    assert answers == Counter({(200, "linked"): 1, (422, "code_used"): RACERS - 1})
    linked = await db.all(select(ChatAccount).where(col(ChatAccount.telegram_user_id).in_(phones)))
    assert len(linked) == 1 and linked[0].client_id == berit.id
    [invitation] = await db.all(select(Invitation))
    assert invitation.used_by_chat_account_id == linked[0].id
