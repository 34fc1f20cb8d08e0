"""An in-process aiogram session for handler tests: no HTTP, every request recorded.

    session = RecordingSession()
    bot = Bot(DEFAULT_TOKEN, session=session)
    await dispatcher.feed_update(bot, message_update(7, "/start"))
    [reply] = session.requests_of(SendMessage)

Results are built as Telegram's JSON and go through aiogram's own ``check_response``, so
handlers get bound ``Message`` objects and failures raise the exceptions aiogram raises.
aiogram's test suite has the same idea as ``MockedSession``; it is not shipped in the wheel.
"""

from __future__ import annotations

import itertools
import json
import time
import typing
from collections import deque
from collections.abc import AsyncGenerator
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, TypeVar

from aiogram.client.session.base import BaseSession
from aiogram.methods import GetFile, GetMe, GetUpdates, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InlineKeyboardMarkup, Message, TelegramObject, Update

if TYPE_CHECKING:
    from aiogram import Bot

JSON = dict[str, Any]
M = TypeVar("M", bound=TelegramMethod[Any])

DEFAULT_TOKEN = "42:TEST-TOKEN"
BOT_ID = 42
_DESCRIPTIONS = {
    400: "Bad Request",
    403: "Forbidden: bot was blocked by the user",
    502: "Bad Gateway",
}

_update_ids = itertools.count(1)
_message_ids = itertools.count(1)
_callback_ids = itertools.count(1)


class RecordingSession(BaseSession):
    """Records every method object in ``requests`` and answers with a plausible result."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self.closed = False
        self._message_ids = itertools.count(1_001)
        self._failures: deque[Exception | JSON] = deque()
        self._results: dict[type[TelegramMethod[Any]], deque[Any]] = {}
        self._files: dict[str, bytes] = {}

    # -- what the test arranges --------------------------------------------------------------

    def fail_next(
        self,
        error: Exception | None = None,
        *,
        status: int = 429,
        retry_after: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next request fail: raise ``error``, or answer with Telegram's error JSON."""
        if error is not None:
            self._failures.append(error)
            return
        body: JSON = {"ok": False, "error_code": status}
        if status == 429:
            body["description"] = description or f"Too Many Requests: retry after {retry_after}"
            body["parameters"] = {"retry_after": retry_after}
        else:
            body["description"] = description or _DESCRIPTIONS.get(
                status, HTTPStatus(status).phrase
            )
        self._failures.append(body)

    def will_return(self, method_type: type[TelegramMethod[Any]], result: Any) -> None:
        """Answer the next call of ``method_type`` with ``result`` (Telegram JSON)."""
        self._results.setdefault(method_type, deque()).append(result)

    def add_file(self, file_id: str, data: bytes) -> None:
        """Make ``bot.download(file_id)`` return ``data``."""
        self._files[file_id] = data

    # -- what the test inspects --------------------------------------------------------------

    def requests_of(self, method_type: type[M]) -> list[M]:
        return [r for r in self.requests if isinstance(r, method_type)]

    # -- BaseSession -------------------------------------------------------------------------

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession signature
    ) -> TelegramType:
        self.requests.append(method)
        if self._failures:
            failure = self._failures.popleft()
            if isinstance(failure, Exception):
                raise failure
            return self._respond(bot, method, failure["error_code"], failure)
        queued = self._results.get(type(method))
        result = queued.popleft() if queued else self._default_result(bot, method)
        return self._respond(bot, method, 200, {"ok": True, "result": result})

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - BaseSession signature
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        for file_id, data in self._files.items():
            if url.endswith(_file_path(file_id)):
                yield data
                return
        msg = f"no file registered for {url}; use add_file()"
        raise LookupError(msg)

    async def close(self) -> None:
        self.closed = True

    # -- internals ---------------------------------------------------------------------------

    def _respond(
        self, bot: Bot, method: TelegramMethod[TelegramType], status: int, body: JSON
    ) -> TelegramType:
        response = self.check_response(bot, method, status, json.dumps(body))
        return typing.cast(TelegramType, response.result)

    def _default_result(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        returning = method.__returning__
        if isinstance(method, GetMe):
            return {"id": bot.id, "is_bot": True, "first_name": "Ramtid", "username": "ramtid_bot"}
        if isinstance(method, GetFile):
            return {
                "file_id": method.file_id,
                "file_unique_id": f"unique-{method.file_id}",
                "file_size": len(self._files.get(method.file_id, b"")),
                "file_path": _file_path(method.file_id),
            }
        if isinstance(method, GetUpdates):
            return []
        if returning is Message or Message in typing.get_args(returning):
            return self._message_result(bot, method)
        if returning is bool or bool in typing.get_args(returning):
            return True
        msg = (
            f"RecordingSession has no default result for {type(method).__name__}; "
            "queue one with will_return()"
        )
        raise NotImplementedError(msg)

    def _message_result(self, bot: Bot, method: TelegramMethod[Any]) -> JSON:
        fields = method.model_dump(warnings=False)
        chat_id = fields.get("chat_id")
        message_id = fields.get("message_id") or next(self._message_ids)
        message: JSON = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": _chat(chat_id if isinstance(chat_id, int) else 0),
            "from": {"id": bot.id, "is_bot": True, "first_name": "Ramtid"},
        }
        for name in ("text", "caption"):
            if isinstance(fields.get(name), str):
                message[name] = fields[name]
        markup = getattr(method, "reply_markup", None)
        if isinstance(markup, InlineKeyboardMarkup):
            message["reply_markup"] = _dump(markup)
        return message


def _file_path(file_id: str) -> str:
    return f"files/{file_id}"


def _chat(chat_id: int) -> JSON:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "Lisa"}
    return {"id": chat_id, "type": "supergroup", "title": "Group"}


def _user(user_id: int, first_name: str, language_code: str | None) -> JSON:
    user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        user["language_code"] = language_code
    return user


def _update(payload: JSON, update_id: int | None) -> Update:
    return Update.model_validate({"update_id": update_id or next(_update_ids), **payload})


def message_update(
    user_id: int,
    text: str,
    *,
    first_name: str = "Lisa",
    language_code: str | None = "sv",
    message_id: int | None = None,
    update_id: int | None = None,
) -> Update:
    """A private text message from ``user_id``; a leading /command gets its entity."""
    message: JSON = {
        "message_id": message_id or next(_message_ids),
        "date": int(time.time()),
        "chat": _chat(user_id) | {"first_name": first_name},
        "from": _user(user_id, first_name, language_code),
        "text": text,
    }
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return _update({"message": message}, update_id)


def callback_update(
    user_id: int,
    data: str,
    message_id: int,
    *,
    message_text: str = "",
    reply_markup: InlineKeyboardMarkup | None = None,
    first_name: str = "Lisa",
    language_code: str | None = "sv",
    bot_id: int = BOT_ID,
    update_id: int | None = None,
) -> Update:
    """A press on an inline button of the bot's message ``message_id`` in the user's chat."""
    message: JSON = {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": _chat(user_id) | {"first_name": first_name},
        "from": {"id": bot_id, "is_bot": True, "first_name": "Ramtid"},
        "text": message_text or "…",
    }
    if reply_markup is not None:
        message["reply_markup"] = _dump(reply_markup)
    query = {
        "id": str(next(_callback_ids)),
        "from": _user(user_id, first_name, language_code),
        "message": message,
        "chat_instance": f"instance-{user_id}",
        "data": data,
    }
    return _update({"callback_query": query}, update_id)


def voice_update(
    user_id: int,
    file_id: str = "voice-1",
    *,
    duration: int = 3,
    file_size: int | None = None,
    first_name: str = "Lisa",
    language_code: str | None = "sv",
    message_id: int | None = None,
    update_id: int | None = None,
) -> Update:
    """A voice note; pair with ``RecordingSession.add_file(file_id, ogg_bytes)`` to download."""
    voice: JSON = {
        "file_id": file_id,
        "file_unique_id": f"unique-{file_id}",
        "duration": duration,
        "mime_type": "audio/ogg",
    }
    if file_size is not None:
        voice["file_size"] = file_size
    message: JSON = {
        "message_id": message_id or next(_message_ids),
        "date": int(time.time()),
        "chat": _chat(user_id) | {"first_name": first_name},
        "from": _user(user_id, first_name, language_code),
        "voice": voice,
    }
    return _update({"message": message}, update_id)


def _dump(obj: TelegramObject) -> JSON:
    return obj.model_dump(mode="json", exclude_none=True)
