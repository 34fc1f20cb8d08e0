"""No update waits for a worker thread to choose its handler: aiogram runs a plain filter (a
bare ``State``, ``F.text``) in ``asyncio.to_thread`` on every check, and the dispatcher
resolves them in the event loop instead (``bot.filters.resolve_filters_in_the_loop``)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from backend.config import Settings
from bot.backend_client import BackendClient
from bot.factory import create_dispatcher, create_i18n
from tests.bot.conftest import Chat


def test_every_filter_of_the_dispatcher_runs_in_the_event_loop(settings: Settings) -> None:
    dispatcher = create_dispatcher(
        settings,
        backend=BackendClient("http://127.0.0.1:1", "x" * 40),
        i18n=create_i18n(settings),
    )
    threaded = [
        (router.name, event, handler.callback.__name__)
        for router in dispatcher.chain_tail
        for event, observer in router.observers.items()
        for handler in observer.handlers
        for check in handler.filters or ()
        if not check.awaitable
    ]
    assert threaded == []


async def test_a_day_and_a_typed_wish_hop_to_no_thread(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    hops: list[Any] = []
    to_thread = asyncio.to_thread

    async def counted(function: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(function)
        return await to_thread(function, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", counted)
    assert "Anna" in await chat.send("lisa", "Idag")
    assert await chat.send("lisa", "kan ni komma klockan tio i stället i morgon?")
    assert await chat.send("anna", "📥 Önskemål att besluta")
    assert hops == []
