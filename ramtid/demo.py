"""``ramtid demo``: chat with the real bot and backend in the terminal, on the demo data.

No Telegram is needed: ``bot.terminal.TerminalSession`` prints what the bot sends. ``/as eva``
switches who you are (any seeded client, relative or staff member); notifications for
everyone are delivered after each step, so approving as Anna shows Lisa's answer arriving.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from typing import TextIO

from backend.config import Settings
from backend.demo import DEMO_ACCOUNTS
from bot.delivery import Sender
from bot.factory import create_bot, create_dispatcher, create_i18n
from bot.notifier import Notifier
from bot.terminal import TerminalSession, make_update
from ramtid.database import migrate_database, seed_demo_if_empty
from ramtid.wiring import in_process_backend

NAMES = {telegram_id: name.capitalize() for name, telegram_id in DEMO_ACCOUNTS.items()}


async def chat(
    settings: Settings,
    *,
    who: str = "lisa",
    out: TextIO = sys.stdout,
) -> None:
    """The demo until /quit or the end of input (cancelled by Ctrl-C)."""
    await migrate_database(settings)
    if await seed_demo_if_empty(settings, now=datetime.now(UTC)):
        print("Seeded the demo unit 'Hemtjänst Södermalm' (Lisa, Gösta, Aino, Samira).", file=out)
    async with in_process_backend(settings) as backend:
        user = DEMO_ACCOUNTS[who]
        session = TerminalSession(viewer=user, names=NAMES, out=out)
        bot = create_bot(settings, session=session)
        i18n = create_i18n(settings)
        dispatcher = create_dispatcher(settings, backend=backend.client, i18n=i18n)
        notifier = Notifier(
            backend.client, Sender(bot, per_chat_interval=0, global_rate=1000), i18n
        )
        print(
            "Ramtid demo: you are chatting with the home-care bot as "
            f"{NAMES[user]}. Type a number to press a button, a letter for the menu, or text.\n"
            f"Switch person with /as NAME ({', '.join(DEMO_ACCOUNTS)}); "
            "quit with /quit or Ctrl-C.\n"
            "Staff can also be reached by their API: `ramtid serve` then /docs.",
            file=out,
        )
        try:
            await dispatcher.feed_update(bot, make_update(user, NAMES[user], "/start"))
            while True:
                session.print_menu()
                try:
                    line = await asyncio.to_thread(input, f"{NAMES[user]}> ")
                except EOFError:
                    break
                line = line.strip()
                if line in ("/quit", "/exit"):
                    break
                if line.startswith("/as "):
                    name = line[4:].strip().lower()
                    if name not in DEMO_ACCOUNTS:
                        print(
                            f"Unknown person. Choose one of: {', '.join(DEMO_ACCOUNTS)}", file=out
                        )
                        continue
                    user = DEMO_ACCOUNTS[name]
                    session.switch_to(user)
                    await dispatcher.feed_update(bot, make_update(user, NAMES[user], "/start"))
                    continue
                update = session.typed(user, line)
                if update is None:
                    continue
                await dispatcher.feed_update(bot, update)
                await notifier.deliver_once()
        finally:
            await dispatcher.storage.close()
            await bot.session.close()
