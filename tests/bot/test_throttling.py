"""A flood from one person is slowed down; other people are not affected."""

from __future__ import annotations

import os
import uuid

import pytest
from aiogram.methods import SendMessage

from bot.middlewares.throttling import MemoryCounter, RedisCounter
from tests.bot.conftest import Chat


async def test_a_flood_is_answered_only_up_to_the_limit(chat: Chat) -> None:
    for _ in range(25):
        await chat.send("lisa", "/help")
    answered = [
        r for r in chat.session.requests_of(SendMessage) if r.chat_id == Chat.user_id("lisa")
    ]
    assert len(answered) == 20  # the limit per 10 seconds
    reply = await chat.send("anna", "/help")  # someone else is answered as usual
    assert "Önskemål att besluta" in reply


@pytest.mark.parametrize("backend", ["memory", "redis"])
async def test_counters_count_hits_per_key_within_the_window(backend: str) -> None:
    if backend == "memory":
        counter: MemoryCounter | RedisCounter = MemoryCounter()
    else:
        url = os.environ.get("RAMTID_TEST_REDIS_URL")
        if not url:
            pytest.skip("RAMTID_TEST_REDIS_URL is not set")
        from redis.asyncio import Redis

        counter = RedisCounter(Redis.from_url(url))
    key = uuid.uuid4().hex
    assert [await counter.hit(key, 10) for _ in range(3)] == [1, 2, 3]
    assert await counter.hit(key + "-other", 10) == 1
    if isinstance(counter, RedisCounter):
        await counter.redis.aclose()
