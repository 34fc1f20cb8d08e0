"""How the pieces run together: the database made ready, the backend inside the bot's process
(running its own lifespan), the bot on long polling or a webhook, and the notifier beside it.

Shutdown is the start-up in reverse, and everything started is awaited: the bot stops taking
updates and finishes those under way, the notifier finishes the message in flight and stops,
the bot's session closes, then the backend's lifespan stops housekeeping and closes the
database and Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import prometheus_client
import uvicorn
from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.types import TelegramObject
from fastapi import FastAPI
from pydantic import SecretStr

from backend.config import (
    Settings,
    require_bot_settings,
    require_service_token,
    service_token_is_strong,
)
from backend.main import BackendState, backend_state, create_app
from backend.prometheus import REGISTRY
from backend.speech import Transcriber
from bot.backend_client import BackendClient
from bot.factory import create_bot, create_dispatcher, create_i18n, create_notifier
from bot.middlewares.identity import LocalEpoch
from bot.notifier import Notifier
from bot.webhook import WEBHOOK_PATH, create_webhook_app
from ramtid.database import migrate_database
from ramtid.memory import settle_memory

log = logging.getLogger("ramtid")
# How long a stopping bot waits for the updates it is handling (a transcription takes a while).
UPDATES_GRACE_SECONDS = 10.0
# How long a stopping notifier may take to finish the message in flight and its acknowledgement.
NOTIFIER_GRACE_SECONDS = 10.0


@dataclass(frozen=True)
class Backend:
    """The bot's way to the backend, and the backend (its app and state) when it runs in
    this process."""

    client: BackendClient
    state: BackendState | None = None
    app: FastAPI | None = None


class EmbeddedServer(uvicorn.Server):
    """uvicorn inside a process that handles its own signals (the demo's Ctrl-C)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def serve_here(self) -> None:
        """``serve()``, but a port it cannot bind (taken since it was looked at) ends only
        this server: uvicorn calls ``sys.exit`` then, which in a task ends the whole process."""
        try:
            await self.serve()
        except SystemExit:
            log.warning("the server could not listen on port %s", self.config.port)

    async def start(self, name: str) -> asyncio.Task[None]:
        """Serve in a task of its own, once listening (or once it gave up: ``started`` says
        which); the caller sets ``should_exit`` and waits for the task to stop it."""
        task = asyncio.create_task(self.serve_here(), name=name)
        while not self.started and not task.done():  # noqa: ASYNC110 - uvicorn has no event
            await asyncio.sleep(0.02)
        return task


@contextlib.asynccontextmanager
async def web_pages(app: FastAPI, *, host: str, port: int) -> AsyncIterator[str | None]:
    """Serve ``app`` (its lifespan already running) over HTTP for the block: yields its
    address, or None when the port is taken (the process goes on without it)."""
    config = uvicorn.Config(
        app, host=host, port=port, lifespan="off", log_config=None, log_level="warning"
    )
    server = EmbeddedServer(config)
    try:
        with socket.create_server((host, port)) as probe:
            probe.close()
    except OSError:
        yield None
        return
    task = await server.start("web")
    try:
        yield f"http://{host}:{port}/web/" if server.started else None
    finally:
        server.should_exit = True
        await asyncio.wait({task})


@contextlib.asynccontextmanager
async def in_process_backend(
    settings: Settings,
    *,
    run_housekeeping: bool = True,
    transcriber: Transcriber | None = None,
) -> AsyncIterator[Backend]:
    """The backend in this process, reached over ``httpx.ASGITransport`` (one path, as over
    HTTP), with its own lifespan running for the block. The database must be migrated.

    Its API is on no network here, so a service token nobody chose (the default) is
    replaced by a random one for the life of the process: nothing guessable exists."""
    if not service_token_is_strong(settings):
        settings = settings.model_copy(
            update={"service_token": SecretStr(secrets.token_urlsafe(32))}
        )
    app = create_app(settings, run_housekeeping=run_housekeeping, transcriber=transcriber)
    async with app.router.lifespan_context(app):
        client = BackendClient.in_process(app, settings.service_token.get_secret_value())
        try:
            yield Backend(client, backend_state(app), app)
        finally:
            await client.close()


@contextlib.asynccontextmanager
async def backend_for_bot(settings: Settings) -> AsyncIterator[Backend]:
    """The backend at RAMTID_BACKEND_URL, or, without one, in this process."""
    if settings.backend_url:
        require_service_token(settings)  # it crosses the network: a real secret, or no start
        token = settings.service_token.get_secret_value()
        client = BackendClient.over_http(settings.backend_url, token)
        try:
            yield Backend(client)
        finally:
            await client.close()
        return
    await migrate_database(settings)
    async with in_process_backend(settings) as backend:
        yield backend


def identity_epoch(backend: Backend) -> LocalEpoch | None:
    """The backend's own epoch when it runs in this process (its commits bump it at once);
    else None: the dispatcher uses Redis's, or caches nothing."""
    if backend.state is None or backend.state.redis is not None:
        return None
    epoch = LocalEpoch()
    backend.state.identity_listeners.append(epoch.bump)
    return epoch


class UpdatesInFlight(BaseMiddleware):
    """Counts the updates being handled, so that a stopping bot can let them finish before
    the backend goes (aiogram handles each update in a task of its own and does not wait)."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        self.count += 1
        self._idle.clear()
        try:
            return await handler(event, data)
        finally:
            self.count -= 1
            if self.count == 0:
                self._idle.set()

    async def finished(self, grace: float = UPDATES_GRACE_SECONDS) -> None:
        """Wait until no update is being handled, at most ``grace`` seconds."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace):
                await self._idle.wait()
        if self.count:
            log.warning("stopping with %d updates still being handled", self.count)


async def cancel_and_wait(task: asyncio.Task[Any]) -> None:
    """Cancel ``task`` and return once it has ended (without swallowing a cancellation of
    the caller, as awaiting it under ``suppress(CancelledError)`` would)."""
    task.cancel()
    await asyncio.wait({task})
    if not task.cancelled() and task.exception() is not None:
        log.error("%s ended with an error", task.get_name(), exc_info=task.exception())


async def stop_notifier(
    notifier: Notifier, task: asyncio.Task[None], grace: float = NOTIFIER_GRACE_SECONDS
) -> None:
    """Tell the notifier to stop, and wait while it finishes the message in flight (and its
    acknowledgement: no duplicate after a restart); cancel it only if that takes too long."""
    notifier.stop()
    done, _ = await asyncio.wait({task}, timeout=grace)
    if not done:
        log.warning("the notifier did not stop within %.0f s; cancelling it", grace)
    await cancel_and_wait(task)


async def run_bot(settings: Settings) -> None:
    """The Telegram bot and its notifier (and the backend, unless RAMTID_BACKEND_URL says
    where it runs) until SIGINT or SIGTERM."""
    require_bot_settings(settings)
    async with backend_for_bot(settings) as backend:
        i18n = create_i18n(settings)
        bot = create_bot(settings)
        dispatcher = create_dispatcher(
            settings, backend=backend.client, i18n=i18n, identity_epoch=identity_epoch(backend)
        )
        in_flight = UpdatesInFlight()
        dispatcher.update.outer_middleware(in_flight)
        notifier = create_notifier(settings, bot=bot, backend=backend.client, i18n=i18n)
        if backend.state is not None:
            backend.state.outbox_listeners.append(notifier.wake.set)
        delivering = asyncio.create_task(notifier.run(), name="notifier")
        settle_memory()
        try:
            if settings.webhook_url:
                await serve_webhook(settings, dispatcher, bot, in_flight)
            else:
                # aiogram stops polling on SIGINT and SIGTERM and returns.
                await dispatcher.start_polling(bot, close_bot_session=False)
                await in_flight.finished()
        finally:
            await stop_notifier(notifier, delivering)
            if notifier.redis is not None:
                await notifier.redis.aclose()
            await bot.session.close()


async def serve_webhook(
    settings: Settings, dispatcher: Dispatcher, bot: Bot, in_flight: UpdatesInFlight
) -> None:
    """Take Telegram's updates on RAMTID_WEBHOOK_PORT (8080, behind the load balancer) until
    SIGINT or SIGTERM: the FastAPI route of ``bot.webhook``, served by uvicorn."""
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value()  # checked at start (run_bot)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    app = create_webhook_app(dispatcher, bot, secret)
    config = uvicorn.Config(
        app,
        host="0.0.0.0",  # noqa: S104 - behind the balancer
        port=settings.webhook_port,
        lifespan="off",
        log_config=None,
        log_level="warning",
        access_log=False,
    )
    server = EmbeddedServer(config)
    serving = await server.start("webhook")
    try:
        if not server.started:
            raise SystemExit(f"the webhook could not listen on port {settings.webhook_port}")
        await bot.set_webhook(settings.webhook_url.rstrip("/") + WEBHOOK_PATH, secret_token=secret)
        stopping = asyncio.create_task(stop.wait(), name="stop")
        await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        await cancel_and_wait(stopping)
        log.info("stopping: no new updates")
    finally:
        server.should_exit = True
        await asyncio.wait({serving})
        await in_flight.finished()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def run_notifier(settings: Settings) -> None:
    """The notifier alone (``ramtid notifier``): deliver the outbox to Telegram until SIGINT or
    SIGTERM, for a deployment that runs it apart from the bot workers. Its backend is the one
    at RAMTID_BACKEND_URL, or, without one, in this process."""
    if not settings.telegram_token:
        raise SystemExit("Set RAMTID_TELEGRAM_TOKEN: the notifier sends through Telegram.")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # Only its metrics (deliveries, outbox lag), for Prometheus and as the liveness probe.
    metrics_server, _thread = prometheus_client.start_http_server(
        settings.notifier_metrics_port, registry=REGISTRY.registry
    )
    try:
        async with backend_for_bot(settings) as backend:
            bot = create_bot(settings)
            notifier = create_notifier(
                settings, bot=bot, backend=backend.client, i18n=create_i18n(settings)
            )
            if notifier.redis is None:
                log.warning(
                    "RAMTID_REDIS_URL is not set: this notifier keeps Telegram's rate budget "
                    "to itself. Run only one, or give every notifier the same Redis."
                )
            if backend.state is not None:
                backend.state.outbox_listeners.append(notifier.wake.set)
            delivering = asyncio.create_task(notifier.run(), name="notifier")
            settle_memory()
            stopping = asyncio.create_task(stop.wait(), name="stop")
            try:
                await asyncio.wait({delivering, stopping}, return_when=asyncio.FIRST_COMPLETED)
                log.info("stopping the notifier")
            finally:
                await cancel_and_wait(stopping)
                await stop_notifier(notifier, delivering)
                if notifier.redis is not None:
                    await notifier.redis.aclose()
                await bot.session.close()
    finally:
        metrics_server.shutdown()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
