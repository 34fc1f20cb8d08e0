"""The bot's only wiring: settings -> Bot, Dispatcher, notifier. Which backend the bot talks
to, and how the process runs, is the composition root's business (``ramtid``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.utils.i18n import I18n
from redis.asyncio import Redis

from backend.config import Settings
from bot import handlers
from bot.backend_client import BackendClient
from bot.delivery import Sender, SharedBudget, WaitWhenAsked
from bot.filters import resolve_filters_in_the_loop
from bot.gate import PrivateChatsOnly
from bot.middlewares.callback_answer import AnswerEveryPress
from bot.middlewares.dedup import Claims, MemoryClaims, OncePerUpdate, RedisClaims
from bot.middlewares.identity import Epoch, IdentityMiddleware, RedisEpoch
from bot.middlewares.locale import AccountI18nMiddleware
from bot.middlewares.throttling import Counter, MemoryCounter, RedisCounter, ThrottlingMiddleware
from bot.middlewares.timing import HandlerTiming
from bot.notifier import Notifier

# A syntactically valid token for running without Telegram (demo, tests).
OFFLINE_TOKEN = "42:offline-demo-token-0000000000000000"  # noqa: S105 - not a secret


def system_clock() -> datetime:
    return datetime.now(UTC)


_RESPONSE_MODELS: dict[Any, Any] = {}


def keep_response_models() -> None:
    """aiogram checks every answer of Telegram with ``Response[method.__returning__]``, and
    pydantic keeps such a class only as long as something else refers to it: it was built
    again for nearly every call (5-9 % of an update). Kept here for the life of the
    process, built once per kind of answer."""
    from aiogram.methods.base import Response

    if _RESPONSE_MODELS:
        return
    build = Response.__class_getitem__

    def kept(cls: Any, params: Any) -> Any:
        try:
            return _RESPONSE_MODELS[(cls, params)]
        except KeyError:
            made = _RESPONSE_MODELS[(cls, params)] = build.__func__(cls, params)  # type: ignore[attr-defined]
            return made
        except TypeError:  # not hashable: as aiogram does
            return build.__func__(cls, params)  # type: ignore[attr-defined]

    _RESPONSE_MODELS[None] = build  # marks the patch as made
    Response.__class_getitem__ = classmethod(kept)  # type: ignore[assignment,method-assign]


def create_bot(settings: Settings, session: BaseSession | None = None) -> Bot:
    keep_response_models()
    if session is None and settings.telegram_api_base:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
    bot = Bot(
        token=settings.telegram_token or OFFLINE_TOKEN,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    bot.session.middleware(WaitWhenAsked())  # an answer in many messages is not cut off
    return bot


def create_i18n(settings: Settings) -> I18n:
    return I18n(
        path=settings.locales_dir, default_locale=settings.default_locale, domain="messages"
    )


def create_redis(settings: Settings) -> Redis | None:
    return Redis.from_url(settings.redis_url) if settings.redis_url else None


def create_dispatcher(
    settings: Settings,
    *,
    backend: BackendClient,
    i18n: I18n | None = None,
    storage: BaseStorage | None = None,
    counter: Counter | None = None,
    clock: Callable[[], datetime] = system_clock,
    identity_epoch: Epoch | None = None,
    claims: Claims | None = None,
) -> Dispatcher:
    """``identity_epoch``: what tells the identity cache it is stale (the backend's own in
    this process, else Redis's); without one and without Redis, identities are not cached."""
    i18n = i18n or create_i18n(settings)
    redis = create_redis(settings)
    if identity_epoch is None and redis is not None:
        identity_epoch = RedisEpoch(redis)
    if storage is None:
        storage = RedisStorage(redis) if redis is not None else MemoryStorage()
    if counter is None:
        counter = RedisCounter(redis) if redis is not None else MemoryCounter()
    if claims is None:
        claims = RedisClaims(redis) if redis is not None else MemoryClaims()
    dispatcher = Dispatcher(
        storage=storage,
        backend=backend,
        clock=clock,
        i18n=i18n,
        # The languages speech is understood in: only these are offered voice messages.
        speech_languages=frozenset(settings.speech_models),
    )
    # First of all: an update that reached another worker too is handled by one of them.
    dispatcher.update.outer_middleware(OncePerUpdate(claims))
    # Outer middlewares run in the order they are added, before any handler is chosen.
    dispatcher.callback_query.outer_middleware(AnswerEveryPress())  # first: answers them all
    throttling = ThrottlingMiddleware(counter)
    private_only = PrivateChatsOnly()
    identity = IdentityMiddleware(backend, identity_epoch)
    for observer in (dispatcher.message, dispatcher.callback_query):
        observer.outer_middleware(throttling)
        observer.outer_middleware(private_only)  # the gate: nothing from groups goes further
        observer.outer_middleware(identity)  # before i18n: the locale is the account's
    AccountI18nMiddleware(i18n).setup(dispatcher)
    timing = HandlerTiming()
    for observer in (dispatcher.message, dispatcher.callback_query):
        observer.middleware(timing)  # inner: around the chosen handler
    dispatcher.include_router(handlers.create_router())
    resolve_filters_in_the_loop(dispatcher)
    return dispatcher


def create_notifier(
    settings: Settings,
    *,
    bot: Bot,
    backend: BackendClient,
    i18n: I18n,
    sender: Sender | None = None,
) -> Notifier:
    redis = create_redis(settings)
    if sender is None:
        # With Redis, every notifier of this bot draws on one budget: Telegram's limits.
        budget = SharedBudget(redis, bot.id) if redis is not None else None
        sender = Sender(bot, budget=budget)
    return Notifier(
        backend,
        sender,
        i18n,
        idle_seconds=settings.notifier_interval,
        lease_seconds=settings.notifier_lease,
        redis=redis,
    )
