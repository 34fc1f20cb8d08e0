"""The database made ready for a process: migrated, and seeded with the demo unit if asked."""

from __future__ import annotations

import asyncio
from datetime import datetime

from backend import demo
from backend.config import Settings
from backend.db import create_engine, migrate, session_factory

SEEDED = "Seeded the demo unit 'Hemtjänst Södermalm' (Lisa, Gösta, Aino, Samira)."


async def migrate_database(settings: Settings) -> None:
    await asyncio.to_thread(migrate, settings.database_url)


async def seed_demo_if_empty(settings: Settings, *, now: datetime) -> bool:
    """Seed the demo unit into an empty database; False if it already has data. In demo
    mode the demo's staff get their published tokens (``demo-anna``); never otherwise."""
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            seeded = await demo.seed_if_empty(session, now=now)
            if settings.demo:
                await demo.issue_staff_tokens(session, demo.demo_staff_tokens(), now=now)
            await session.commit()
    finally:
        await engine.dispose()
    return seeded
