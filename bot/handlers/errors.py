"""Errors become a clear answer in the user's language; nothing is left unanswered.

A button pressed when the error happened gets the answer as an alert: the callback answer
middleware leaves that answer to this router (``bot.middlewares.callback_answer``).
"""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent, User
from aiogram.utils.i18n import I18n
from pydantic import ValidationError

from bot import texts
from bot.backend_client import BackendClient, BackendError
from bot.middlewares.locale import telegram_locale
from contract import ErrorCode

log = logging.getLogger(__name__)
ALERT_LENGTH = 200  # Telegram shows at most 200 characters in a callback answer


def create_router() -> Router:
    router = Router(name=__name__)
    router.error.register(backend_error, ExceptionTypeFilter(BackendError))
    router.error.register(invalid_input, ExceptionTypeFilter(ValidationError))
    router.error.register(unexpected_error)
    return router


async def _locale(user: User | None, backend: BackendClient, i18n: I18n) -> str:
    if user is not None:
        try:
            me = await backend.me(user.id)
        except BackendError:
            me = None
        if me is not None:
            return me.locale
    return telegram_locale(user, i18n.available_locales, i18n.default_locale)


async def _tell(event: ErrorEvent, text: str) -> None:
    update = event.update
    if update.callback_query is not None:
        await update.callback_query.answer(text[:ALERT_LENGTH], show_alert=True)
    elif update.message is not None:
        await update.message.answer(text)


def _user(event: ErrorEvent) -> User | None:
    update = event.update
    source = update.message or update.callback_query
    return source.from_user if source is not None else None


async def backend_error(event: ErrorEvent, backend: BackendClient, i18n: I18n) -> None:
    exc = event.exception
    assert isinstance(exc, BackendError)
    log.info("backend answered %s (%s) to update %s", exc.code, exc.status, event.update.update_id)
    with i18n.context(), i18n.use_locale(await _locale(_user(event), backend, i18n)):
        await _tell(event, texts.errors.error_text(exc.code))


async def invalid_input(event: ErrorEvent, backend: BackendClient, i18n: I18n) -> None:
    """Input the contract refuses (too long a reason, say) is refused here, before the
    backend would have refused it: the same answer as from the backend."""
    log.info("invalid input in update %s", event.update.update_id)
    with i18n.context(), i18n.use_locale(await _locale(_user(event), backend, i18n)):
        await _tell(event, texts.errors.error_text(ErrorCode.INVALID_REQUEST))


async def unexpected_error(event: ErrorEvent, backend: BackendClient, i18n: I18n) -> None:
    # Only the type: messages and texts may contain care data.
    log.error(
        "unexpected %s in update %s",
        type(event.exception).__name__,
        event.update.update_id,
        exc_info=(type(event.exception), event.exception, event.exception.__traceback__),
    )
    with i18n.context(), i18n.use_locale(await _locale(_user(event), backend, i18n)):
        await _tell(event, texts.errors.something_went_wrong())
