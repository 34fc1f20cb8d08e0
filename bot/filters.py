"""Who may use a handler, and which client a relative is looking at."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, TelegramObject
from aiogram.utils.i18n import gettext as _

from contract import ClientAccess, MePublic, PersonKind


class Linked(Filter):
    def __init__(self, *kinds: PersonKind) -> None:
        self.kinds = kinds or tuple(PersonKind)

    async def __call__(self, event: TelegramObject, me: MePublic | None = None) -> bool:
        return me is not None and me.kind in self.kinds


class NotLinked(Filter):
    async def __call__(self, event: TelegramObject, me: MePublic | None = None) -> bool:
        return me is None


IS_STAFF = Linked(PersonKind.STAFF)
IS_CLIENT_SIDE = Linked(PersonKind.CLIENT, PersonKind.RELATIVE)


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
                await event.answer(_("You do not follow anyone's visits any more."))
            return None
        data["client"] = client
        return await handler(event, data)
