"""Who may use a handler, which client a relative is looking at, and which menu button was
pressed (or typed)."""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, TelegramObject
from aiogram.utils.i18n import I18n
from babel.support import LazyProxy

from bot import texts
from contract import ClientAccess, MePublic, PersonKind


def resolve_filters_in_the_loop(router: Router) -> None:
    """aiogram runs a filter that is a plain function (a bare ``State`` such as
    ``ChangeFlow.new_time``, a magic filter such as ``F.text``) in a worker thread
    (``asyncio.to_thread``) each time an update is tried against it: a thread hop per handler
    tried, on every update. Ours are pure and take microseconds, so they run in the event loop.
    Called once the routers are built (``bot.factory.create_dispatcher``); a test holds every
    filter of the dispatcher to it."""
    for each in router.chain_tail:
        for observer in each.observers.values():
            for handler in observer.handlers:
                for check in handler.filters or ():
                    if not check.awaitable:
                        check.callback = _in_the_loop(check.callback)
                        check.awaitable = True


def _in_the_loop(check: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    async def checked(*args: Any, **kwargs: Any) -> Any:
        return check(*args, **kwargs)

    return checked


def unlinked(me: MePublic | None) -> bool:
    """Not linked, or a relative whom no client lets in any more: they may only link again
    (with a new code), like someone new."""
    return me is None or (me.kind is PersonKind.RELATIVE and not me.clients)


class Linked(Filter):
    def __init__(self, *kinds: PersonKind) -> None:
        self.kinds = kinds or tuple(PersonKind)

    async def __call__(self, event: TelegramObject, me: MePublic | None = None) -> bool:
        return me is not None and not unlinked(me) and me.kind in self.kinds


class NotLinked(Filter):
    async def __call__(self, event: TelegramObject, me: MePublic | None = None) -> bool:
        return unlinked(me)


IS_STAFF = Linked(PersonKind.STAFF)
IS_CLIENT_SIDE = Linked(PersonKind.CLIENT, PersonKind.RELATIVE)

# Menu words are also matched in English, whatever the user's language: people mix.
MENU_FALLBACK_LOCALE = "en"


def menu_word(text: str) -> str:
    """What is compared of a menu label or a typed text: the words, without the emoji or
    punctuation around them, one space apart, case folded ("📅 Idag", " IDAG!" -> "idag")."""
    text = unicodedata.normalize("NFKC", text)
    start, end = 0, len(text)
    while start < end and not _is_word_character(text[start]):
        start += 1
    while end > start and not _is_word_character(text[end - 1]):
        end -= 1
    return " ".join(text[start:end].split()).casefold()


def _is_word_character(character: str) -> bool:
    return unicodedata.category(character)[0] in "LN"  # letters and digits, in any script


class MenuButton(Filter):
    """A main-menu button pressed, or its words typed: "📅 Idag", "idag", "IDAG" and
    "Min tid" work like the buttons, in the user's language and in English ("today").
    Several labels: any of them."""

    def __init__(self, *labels: LazyProxy) -> None:
        self.labels = labels

    async def __call__(self, message: Message, i18n: I18n) -> bool:
        if not message.text:
            return False
        typed = menu_word(message.text)
        if typed in self._words():  # the user's language (the middleware's)
            return True
        with i18n.use_locale(MENU_FALLBACK_LOCALE):
            return typed in self._words()

    def _words(self) -> set[str]:
        return {menu_word(str(label)) for label in self.labels}


def whose(me: MePublic, client: ClientAccess) -> str | None:
    """The client's first name when a relative is looking ("Lisa's visits"); None for the
    client herself, who is spoken to as "you"."""
    return client.first_name if me.kind is PersonKind.RELATIVE else None


async def current_client(me: MePublic, state: FSMContext) -> ClientAccess | None:
    """The client a client or relative is looking at (a relative may follow several)."""
    if not me.clients:
        return None
    chosen = (await state.get_data()).get("client_id")
    return next((c for c in me.clients if c.client_id == chosen), me.clients[0])


class FollowedClient(BaseMiddleware):
    """Gives the handler the ``client`` being looked at; says so when there is none (a
    relative whose access was revoked)."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        client = await current_client(data["me"], data["state"])
        if client is None:
            if isinstance(event, Message):
                await event.answer(texts.visits.no_one_followed())
            return None
        data["client"] = client
        return await handler(event, data)
