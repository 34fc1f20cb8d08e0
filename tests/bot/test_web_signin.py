"""Staff ask the bot for a sign-in link to the web pages; clients and relatives cannot."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.bot.conftest import Chat


async def test_staff_get_a_one_time_link_to_the_web_pages(chat: Chat, app: Any) -> None:
    await chat.send("anna", "/start")
    assert "🔑 Logga in på webben" in chat.menu("anna")
    reply = await chat.send("anna", "🔑 Logga in på webben")
    assert "fungerar en gång, i 10 minuter" in reply
    url = re.search(r"http://\S+/web/signin/link/\S+", reply)
    assert url is not None
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000"
    ) as browser:
        page = await browser.get(url.group(0).removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200 and "Anna Lindqvist" in page.text
    typed = await chat.send("anna", "/web")
    assert "fungerar en gång" in typed


async def test_a_client_asking_for_the_web_gets_no_link(chat: Chat) -> None:
    reply = await chat.send("lisa", "/web")
    assert "/web/signin/link/" not in reply
    assert "🔑 Logga in på webben" not in str(chat.menu("lisa"))
