"""Who may use a handler, and which client a relative is looking at."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject

Json = dict[str, Any]


class Linked(Filter):
    def __init__(self, *kinds: str) -> None:
        self.kinds = kinds or ("client", "relative", "staff")

    async def __call__(self, event: TelegramObject, me: Json | None = None) -> bool:
        return me is not None and me["kind"] in self.kinds


class NotLinked(Filter):
    async def __call__(self, event: TelegramObject, me: Json | None = None) -> bool:
        return me is None


IS_STAFF = Linked("staff")
IS_CLIENT_SIDE = Linked("client", "relative")


async def current_client(me: Json, state: FSMContext) -> Json | None:
    """The client a client or relative is looking at (a relative may follow several)."""
    clients: list[Json] = me.get("clients", [])
    if not clients:
        return None
    chosen = (await state.get_data()).get("client_id")
    return next((c for c in clients if c["client_id"] == chosen), clients[0])
