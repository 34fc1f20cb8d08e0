"""Every button press is answered exactly once (Telegram shows a spinner until it is).

aiogram's ``CallbackAnswerMiddleware``, registered before every other middleware, so that
a press refused before any handler (a flood, a group chat, an account not linked) or taken
by none is answered too. A handler gives the answer its words through its
``callback_answer`` argument (``callback_answer.text = ...``), never by ``query.answer()``.
When handling fails, the error router answers instead, with the error's words as an alert.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.dispatcher.event.bases import CancelHandler, SkipHandler
from aiogram.types import TelegramObject
from aiogram.utils.callback_answer import CallbackAnswer, CallbackAnswerMiddleware


class AnswerEveryPress(CallbackAnswerMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        async def handled(event: TelegramObject, data: dict[str, Any]) -> Any:
            try:
                return await handler(event, data)
            except (SkipHandler, CancelHandler):
                raise
            except Exception:
                answer: CallbackAnswer = data["callback_answer"]
                answer.disable()  # the error router answers, with what went wrong
                raise

        return await super().__call__(handled, event, data)
