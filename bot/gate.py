"""The gate: who the bot talks to at all, decided in this one place, before any handler.

- **Private chats only.** A message or button press from a group, supergroup or channel is
  refused before anything else runs: nothing reaches the backend and nothing is linked
  (``/start CODE`` in a group links nothing). A command in a group, or the bot being added
  to one, gets a short "I only talk in private chats" in the sender's language; a pressed
  button gets it as its answer; anything else (and anything in a channel, where the bot
  does not post) gets nothing, so a group is never flooded.
- **An account not linked sees only linking and help.** Its updates reach only the routers
  composed ``for_strangers``; every other router is composed ``for_linked``. The only call
  to the backend for it is asking who it is (``IdentityMiddleware``) and, with a code,
  linking it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot, Router
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, User
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n

from bot import texts
from bot.filters import Linked, NotLinked
from bot.middlewares.locale import telegram_locale

GROUPS = (ChatType.GROUP, ChatType.SUPERGROUP)  # where a refusal can be said (not channels)


class PrivateChatsOnly(BaseMiddleware):
    """Refuses every update that does not come from a private chat (outer middleware on
    messages and button presses, before the account is looked up)."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        chat: Chat | None = data.get("event_chat")
        if chat is not None and chat.type == ChatType.PRIVATE:
            return await handler(event, data)
        if isinstance(event, CallbackQuery):
            answer: CallbackAnswer = data["callback_answer"]
            answer.text = self._refusal(data)
        elif (
            isinstance(event, Message)
            and chat is not None
            and chat.type in GROUPS
            and _addressed_to_the_bot(event, data["bot"])
        ):
            await event.answer(self._refusal(data))
        return None

    @staticmethod
    def _refusal(data: dict[str, Any]) -> str:
        i18n: I18n = data["i18n"]
        user: User | None = data.get("event_from_user")
        language = telegram_locale(user, i18n.available_locales, i18n.default_locale)
        with i18n.context(), i18n.use_locale(language):
            return texts.help.private_chats_only()


def _addressed_to_the_bot(message: Message, bot: Bot) -> bool:
    """A command, or the bot joining: worth one answer (other chatter in a group is not)."""
    if message.text and message.text.startswith("/"):
        return True
    return any(member.id == bot.id for member in message.new_chat_members or ())


def for_strangers(*routers: Router) -> Router:
    """The routers an account that is not linked reaches (and no other account does)."""
    gate = Router(name="bot.gate.strangers")
    gate.message.filter(NotLinked())
    gate.callback_query.filter(NotLinked())
    gate.include_routers(*routers)
    return gate


def for_linked(*routers: Router) -> Router:
    """The routers only linked accounts reach."""
    gate = Router(name="bot.gate.linked")
    gate.message.filter(Linked())
    gate.callback_query.filter(Linked())
    gate.include_routers(*routers)
    return gate
