"""The user's language: their chosen one once linked, else Telegram's, else Swedish."""

from __future__ import annotations

from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18nMiddleware

from contract import MePublic


def telegram_locale(user: User | None, available: tuple[str, ...], default: str) -> str:
    code = (user.language_code or "").split("-")[0] if user is not None else ""
    return code if code in available else default


class AccountI18nMiddleware(I18nMiddleware):
    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        me: MePublic | None = data.get("me")
        if me is not None and me.locale in self.i18n.available_locales:
            return me.locale
        return telegram_locale(
            data.get("event_from_user"), self.i18n.available_locales, self.i18n.default_locale
        )
