"""``python -m bot`` (or ``ramtid bot``): run the bot with long polling or a webhook.

Without RAMTID_BACKEND_URL the backend runs inside this process on the same database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram import Bot, Dispatcher
from aiohttp import web

from backend.config import Settings
from backend.main import housekeeping_loop
from bot.backend_client import BackendClient
from bot.factory import (
    create_bot,
    create_dispatcher,
    create_i18n,
    create_notifier,
    in_process_backend,
)

log = logging.getLogger("bot")


async def serve_webhook(settings: Settings, dispatcher: Dispatcher, bot: Bot) -> None:
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application

    assert settings.webhook_url is not None
    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, secret_token=settings.webhook_secret).register(
        app, path="/telegram"
    )
    setup_application(app, dispatcher, bot=bot)
    await bot.set_webhook(
        settings.webhook_url.rstrip("/") + "/telegram", secret_token=settings.webhook_secret
    )
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "0.0.0.0", 8080).start()  # noqa: S104 - behind the load balancer
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


async def run(settings: Settings) -> None:
    if not settings.telegram_token:
        raise SystemExit("Set RAMTID_TELEGRAM_TOKEN (or run `ramtid demo` for the terminal demo).")
    tasks: list[asyncio.Task[None]] = []
    if settings.backend_url:
        backend = BackendClient.over_http(settings.backend_url, settings.service_token)
        app = None
    else:
        backend, app = await in_process_backend(settings)
        tasks.append(asyncio.create_task(housekeeping_loop(app, asyncio.Event())))
    i18n = create_i18n(settings)
    bot = create_bot(settings)
    dispatcher = create_dispatcher(settings, backend=backend, i18n=i18n)
    notifier = create_notifier(settings, bot=bot, backend=backend, i18n=i18n)
    if app is not None:
        app.state.outbox_listeners.append(notifier.wake.set)
    tasks.append(asyncio.create_task(notifier.run()))
    try:
        if settings.webhook_url:
            await serve_webhook(settings, dispatcher, bot)
        else:
            await dispatcher.start_polling(bot)
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await backend.close()
        await bot.session.close()


def main() -> None:
    settings = Settings()
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
