"""The bot keeps who each chat account is between updates (one backend call per update at
most), and yet a change of identity takes effect on the very next message: a revoked consent,
a new language, a new link, a staff member who has left."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import select

from backend.models import RelativeLink, Staff
from bot.backend_client import BackendClient
from bot.middlewares.identity import IdentityMiddleware
from tests.bot.conftest import Chat
from tests.conftest import Database, staff_web_session

ME = "GET /bot/me"
ANNA, KARIN = 1, 4


@pytest.fixture
def backend_calls(backend_client: BackendClient) -> list[str]:
    calls: list[str] = []

    async def hook(request: httpx.Request) -> None:
        calls.append(f"{request.method} {request.url.path}")

    backend_client.http.event_hooks["request"].append(hook)
    return calls


async def test_the_identity_is_asked_once_and_then_kept(
    chat: Chat, backend_calls: list[str]
) -> None:
    await chat.send("lisa", "/help")
    backend_calls.clear()
    await chat.send("lisa", "/help")
    await chat.send("lisa", "📅 Idag")
    assert ME not in backend_calls
    assert backend_calls == ["GET /clients/1/visits"]  # the one call of the update


async def test_a_revoked_consent_takes_effect_on_the_next_message(
    chat: Chat, db: Database, backend_calls: list[str]
) -> None:
    stranger = await chat.send(999_001, "📅 Idag")  # what someone the bot does not know sees
    seen = await chat.send("eva", "📅 Idag")
    assert "Lisa" in seen
    link = await db.first(select(RelativeLink).where(RelativeLink.relative_id == 1))
    await chat.send("lisa", "⚙️ Inställningar")
    await chat.press_data("lisa", f"rv:1:{link.id}")  # Lisa ends Eva's access in the bot
    await chat.press("lisa", "Ja, ta bort Eva")  # after saying yes when asked
    backend_calls.clear()
    after = await chat.send("eva", "📅 Idag")
    assert backend_calls[0] == ME  # asked again: the cached identity was stale
    assert "Lisa" not in after
    assert after != seen
    assert after != stranger  # still known, as a relative who may see nobody now


async def test_a_new_language_takes_effect_on_the_next_message(chat: Chat) -> None:
    assert "kontaktperson" in (await chat.send("lisa", "/help")).lower()
    await chat.send("lisa", "⚙️ Inställningar")
    await chat.press_data("lisa", "set:language")
    await chat.press_data("lisa", "lang:fi")
    helped = await chat.send("lisa", "/help", language_code="sv")
    assert "kontaktperson" not in helped.lower()
    assert "yhteyshenkilö" in helped.lower()


async def test_a_new_language_set_by_the_api_takes_effect_too(
    chat: Chat, backend_client: BackendClient
) -> None:
    await chat.send("lisa", "/help")  # cached in Swedish
    await backend_client.update_me(1001, locale="fi")  # another worker's handler, say
    assert "yhteyshenkilö" in (await chat.send("lisa", "/help")).lower()


async def test_a_staff_member_who_has_left_is_a_stranger_at_once(
    chat: Chat, db: Database, app: Any
) -> None:
    stranger = await chat.send(999_002, "/queue")
    assert await chat.send("anna", "/queue") != stranger  # Anna is known and cached
    karin = await staff_web_session(db, await db.get(Staff, KARIN))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver", cookies=karin.cookies
    ) as web:
        left = await web.post(f"/web/staff/{ANNA}/deactivate", data={"csrf": karin.csrf})
    assert left.status_code == 303
    assert await chat.send("anna", "/queue") == stranger


async def test_a_new_link_is_known_on_the_next_message(
    chat: Chat, backend_calls: list[str]
) -> None:
    await chat.send("lisa", "⚙️ Inställningar")
    await chat.press_data("lisa", "set:invite")
    await chat.send("lisa", "Olle")
    reply = await chat.press_data("lisa", "sc:0")
    import re

    code = re.search(r"<b>([A-Z0-9-]+)</b>", reply)[1]  # type: ignore[index]
    not_linked = await chat.send(777_004, "📅 Idag")
    assert "Lisa" in await chat.send(777_004, code)
    assert await chat.send(777_004, "📅 Idag") != not_linked


async def test_without_an_epoch_nothing_is_cached(backend_client: BackendClient) -> None:
    identity = IdentityMiddleware(backend_client, None)
    calls: list[str] = []

    async def hook(request: httpx.Request) -> None:
        calls.append(request.url.path)

    backend_client.http.event_hooks["request"].append(hook)
    await identity.identity(1001)
    await identity.identity(1001)
    assert calls == ["/bot/me", "/bot/me"]
