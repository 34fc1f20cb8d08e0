"""The notifier stops when it is told to, whatever it was doing at that instant.

On Python 3.11 ``asyncio.wait_for`` swallows a cancellation that arrives just as its timeout
fires; a notifier idling that way would loop on and hang every shutdown (and the e2e tests'
teardown) for good.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from bot.notifier import Notifier


class EmptyOutbox:
    async def claim(self, **_kwargs: Any) -> list[Any]:
        return []


async def test_a_cancelled_idle_notifier_always_ends() -> None:
    rng = random.Random(7)
    hung = 0
    for _ in range(600):
        notifier = Notifier(EmptyOutbox(), sender=None, i18n=None, idle_seconds=0.001)  # type: ignore[arg-type]
        task = asyncio.create_task(notifier.run())
        await asyncio.sleep(rng.random() * 0.003)
        if rng.random() < 0.5:
            notifier.wake.set()  # new rows were committed just as the service stops
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=1.0)
        if not done:
            hung += 1
            notifier.idle_seconds = 3600  # leave it parked; the test fails below
    assert hung == 0
