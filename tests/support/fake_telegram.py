"""A fake Telegram Bot API server for tests that drive a real aiogram ``Bot`` over HTTP.

It listens on 127.0.0.1 (a free port) and answers the methods the bot uses with the shapes and
error texts Telegram uses, so aiogram raises the same exceptions it would in production:

    async with FakeTelegram() as tg:
        bot = tg.create_bot()
        async with tg.polling(dispatcher, bot):
            tg.user_sends_text(7, "/start")
            [reply] = await tg.wait_for_sent(lambda m: m["chat_id"] == 7)

Deliberately strict where Telegram is strict: HTML is parsed like Telegram parses it (an
unescaped ``<`` in user text is a 400), callback_data is limited to 64 bytes, editing a message
to identical content is a 400, a callback query can be answered once.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import socket
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self, TypedDict

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

JSON = dict[str, Any]

DEFAULT_TOKEN = "42:TEST-TOKEN"
TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64
# How long a test waits for the bot (to start polling, to answer) before it fails: a deadline,
# not a wait. Answers come in milliseconds; a loaded CI machine once took more than 5 s.
DEADLINE = 15.0

# Form fields aiogram sends as JSON strings, and fields that are numbers or booleans on the wire.
_JSON_FIELDS = frozenset(
    [
        "reply_markup",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "commands",
        "scope",
        "menu_button",
        "allowed_updates",
    ]
)
_INT_FIELDS = frozenset(
    ["chat_id", "message_id", "offset", "limit", "timeout", "message_thread_id", "cache_time"]
)
_BOOL_FIELDS = frozenset(
    [
        "show_alert",
        "drop_pending_updates",
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "is_personal",
    ]
)
_HTML_TAGS = frozenset(
    [
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    ]
)
_HTML_ENTITY = re.compile(r"&(lt|gt|amp|quot);|&#(\d+);|&#x([0-9a-fA-F]+);")
_TAG_NAME = re.compile(r"[^\s>]*")
# Methods that reach the user, and so fail once the user blocked the bot.
_BLOCKABLE_PREFIXES = ("send", "edit")


class SentMessage(TypedDict):
    """One message the bot sent or edited, as the user sees it."""

    method: str
    chat_id: int | str
    message_id: int
    text: str  # after Telegram parsed the markup: what the user reads
    source_text: str  # exactly what the bot sent, markup included
    parse_mode: str | None
    reply_markup: JSON | None
    params: JSON
    at: float


@dataclass(frozen=True)
class ApiCall:
    method: str
    params: JSON
    at: float


@dataclass(frozen=True)
class _Failure:
    status: int
    description: str
    retry_after: int | None
    drop_connection: bool = False


@dataclass
class _User:
    id: int
    first_name: str
    language_code: str | None

    def as_json(self) -> JSON:
        user: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            user["language_code"] = self.language_code
        return user


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes = field(repr=False)


class ApiError(Exception):
    """Raised inside a method implementation; becomes Telegram's error JSON."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def response(self) -> web.Response:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return web.json_response(body, status=self.status)


def _bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def _default_description(status: int, retry_after: int | None) -> str:
    if status == 429:
        return f"Too Many Requests: retry after {retry_after}"
    return {400: "Bad Request", 502: "Bad Gateway"}.get(status, HTTPStatus(status).phrase)


def render_html(source: str) -> str:
    """The text Telegram shows for ``parse_mode=HTML``; raises ApiError where Telegram does.

    Follows Telegram's parser: every ``<`` opens a tag, only the documented tags exist,
    tags must nest, and only &lt; &gt; &amp; &quot; and numeric entities are decoded.
    """

    def offset(index: int) -> int:
        return len(source[:index].encode())

    def fail(reason: str) -> ApiError:
        return _bad_request(f"can't parse entities: {reason}")

    out: list[str] = []
    open_tags: list[str] = []
    i = 0
    while i < len(source):
        if source[i] != "<":
            end = source.find("<", i)
            end = len(source) if end < 0 else end
            out.append(_HTML_ENTITY.sub(_decode_entity, source[i:end]))
            i = end
            continue
        begin = i
        close = source.find(">", i)
        if source.startswith("</", i):
            if close < 0:
                raise fail(f"Unclosed end tag at byte offset {offset(begin)}")
            name = source[i + 2 : close].strip().lower()
            if not open_tags:
                raise fail(f"Unexpected end tag at byte offset {offset(begin)}")
            if open_tags[-1] != name:
                raise fail(
                    f"Unmatched end tag at byte offset {offset(begin)}, "
                    f'expected "</{open_tags[-1]}>", found "</{name}>"'
                )
            open_tags.pop()
        else:
            match = _TAG_NAME.match(source, i + 1)
            assert match is not None
            name = match.group().lower()
            if match.end() >= len(source):
                raise fail(f"Unclosed start tag at byte offset {offset(begin)}")
            if name not in _HTML_TAGS:
                raise fail(f'Unsupported start tag "{name}" at byte offset {offset(begin)}')
            if close < 0:
                raise fail(f"Unclosed start tag at byte offset {offset(begin)}")
            open_tags.append(name)
        i = close + 1
    if open_tags:
        raise fail(f'Can\'t find end tag corresponding to start tag "{open_tags[-1]}"')
    return "".join(out)


def _decode_entity(match: re.Match[str]) -> str:
    named, decimal, hexadecimal = match.groups()
    if named:
        return {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}[named]
    return chr(int(decimal) if decimal else int(hexadecimal, 16))


def buttons(message: SentMessage) -> dict[str, str]:
    """Inline button label -> callback_data of a sent message, for ``user_presses``."""
    markup = message["reply_markup"] or {}
    return {
        button["text"]: button["callback_data"]
        for row in markup.get("inline_keyboard", [])
        for button in row
        if "callback_data" in button
    }


class PlainHttpSession(AiohttpSession):
    """aiogram's own session, minus the 250 ms it waits on close for TLS connections to end.

    The fake speaks plain HTTP, and that wait would otherwise be paid by every test.
    """

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


class FakeTelegram:
    """Fake Bot API server; see the module docstring. Not thread-safe: one event loop."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "ramtid_test_bot",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.bot_id = int(token.partition(":")[0])
        self.bot_username = bot_username
        self._clock = clock

        self.sent: list[SentMessage] = []
        self.requests: list[ApiCall] = []
        self.calls: Counter[str] = Counter()
        self.answered_callbacks: list[JSON] = []
        self.deleted: list[tuple[int | str, int]] = []
        self.chat_actions: list[tuple[int | str, str]] = []
        self.commands: dict[str, list[JSON]] = {}

        self._updates: list[JSON] = []
        self._allowed_updates: frozenset[str] | None = None
        self._update_ids = itertools.count(10_001)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._messages: dict[tuple[int | str, int], JSON] = {}
        self._source_texts: dict[tuple[int | str, int], str] = {}
        self._open_callbacks: dict[str, JSON] = {}
        self._users: dict[int, _User] = {}
        self._files: dict[str, _StoredFile] = {}
        self._failures: dict[str, deque[_Failure]] = {}
        self._blocked: set[int | str] = set()
        self._held: dict[str, int] = {}
        self._released = asyncio.Event()
        self._poll_generation = 0
        self._changed = asyncio.Event()
        self._closing = False
        self.webhook: JSON | None = None  # what setWebhook was told (url, secret_token)

        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._methods: dict[str, tuple[str, Callable[[JSON], Awaitable[Any]]]] = {
            name.lower(): (name, getattr(self, f"_m_{name}"))
            for name in (
                "getMe",
                "deleteWebhook",
                "setWebhook",
                "getWebhookInfo",
                "setMyCommands",
                "getMyCommands",
                "setChatMenuButton",
                "getUpdates",
                "sendMessage",
                "editMessageText",
                "editMessageReplyMarkup",
                "deleteMessage",
                "answerCallbackQuery",
                "sendChatAction",
                "getFile",
            )
        }

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # Long polls are woken on stop, so a short shutdown timeout loses nothing.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        self._closing = True
        self._released.set()
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        if self._port is None:
            msg = "FakeTelegram is not started"
            raise RuntimeError(msg)
        return f"http://127.0.0.1:{self._port}"

    @property
    def api(self) -> TelegramAPIServer:
        return TelegramAPIServer.from_base(self.url)

    def create_bot(self, token: str | None = None, **kwargs: Any) -> Bot:
        """A real aiogram Bot talking to this server; close it with ``bot.session.close()``."""
        return Bot(token or self.token, session=PlainHttpSession(api=self.api), **kwargs)

    @asynccontextmanager
    async def polling(
        self, dispatcher: Dispatcher, bot: Bot, **kwargs: Any
    ) -> AsyncIterator[None]:
        """Run ``dispatcher.start_polling`` for the block; re-raises what polling raised."""
        kwargs.setdefault("handle_signals", False)
        polls_before = self.calls["getUpdates"]
        task = asyncio.create_task(dispatcher.start_polling(bot, **kwargs))
        task.add_done_callback(lambda _: self._notify())
        try:
            async with asyncio.timeout(DEADLINE):
                while self.calls["getUpdates"] == polls_before and not task.done():
                    await self._wait_for_change()
            if task.done():
                await task  # polling ended before it began: surface why
            yield
        finally:
            if not task.done():
                await dispatcher.stop_polling()
            await task

    # -- what users do -----------------------------------------------------------------------

    def user_sends_text(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str = "Lisa",
        language_code: str | None = "sv",
    ) -> int:
        user = self._remember_user(user_id, first_name, language_code)
        message = self._user_message(user)
        message["text"] = text
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self._enqueue("message", message)

    def user_sends_voice(
        self,
        user_id: int,
        ogg_bytes: bytes,
        duration: int,
        *,
        first_name: str = "Lisa",
        language_code: str | None = "sv",
    ) -> int:
        user = self._remember_user(user_id, first_name, language_code)
        stored = self._files[self.register_file(ogg_bytes, folder="voice", suffix="oga")]
        message = self._user_message(user)
        message["voice"] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(ogg_bytes),
        }
        return self._enqueue("message", message)

    def user_presses(self, user_id: int, callback_data: str, message_id: int) -> int:
        """Press an inline button on a message the bot sent to ``user_id``."""
        message = self._messages.get((user_id, message_id))
        if message is None:
            msg = f"no message {message_id} from the bot in chat {user_id}"
            raise LookupError(msg)
        user = self._users.get(user_id) or self._remember_user(user_id, "Lisa", "sv")
        query_id = str(next(self._callback_ids))
        self._open_callbacks[query_id] = {"user_id": user_id, "data": callback_data}
        return self._enqueue(
            "callback_query",
            {
                "id": query_id,
                "from": user.as_json(),
                "message": dict(message),
                "chat_instance": f"instance-{user_id}",
                "data": callback_data,
            },
        )

    def register_file(self, data: bytes, *, folder: str = "documents", suffix: str = "bin") -> str:
        """Make bytes downloadable through getFile; returns the file_id."""
        number = next(self._file_ids)
        stored = _StoredFile(
            file_id=f"file-{number}",
            file_unique_id=f"unique-{number}",
            file_path=f"{folder}/file_{number}.{suffix}",
            data=data,
        )
        self._files[stored.file_id] = stored
        return stored.file_id

    # -- what the test inspects or breaks ----------------------------------------------------

    async def wait_for_sent(
        self,
        predicate: Callable[[SentMessage], bool] | None = None,
        *,
        count: int = 1,
        timeout: float = DEADLINE,  # noqa: ASYNC109 - a test helper's deadline, not an I/O timeout
        start: int = 0,
    ) -> list[SentMessage]:
        """Wait until ``count`` messages in ``sent[start:]`` match; return all that match."""

        def matching() -> list[SentMessage]:
            return [m for m in self.sent[start:] if predicate is None or predicate(m)]

        try:
            async with asyncio.timeout(timeout):
                while len(found := matching()) < count:
                    await self._wait_for_change()
        except TimeoutError:
            seen = [(m["method"], m["chat_id"], m["text"]) for m in self.sent[start:]]
            msg = f"expected {count} matching message(s) within {timeout}s; sent: {seen}"
            raise TimeoutError(msg) from None
        return found

    async def wait_for_calls(
        self,
        method: str,
        *,
        count: int = 1,
        timeout: float = DEADLINE,  # noqa: ASYNC109 - a deadline only
    ) -> None:
        """Wait until the bot has called ``method`` at least ``count`` times."""
        async with asyncio.timeout(timeout):
            while self.calls[method] < count:
                await self._wait_for_change()

    def message(self, chat_id: int | str, message_id: int) -> JSON:
        """The message as it stands now (after edits); KeyError once deleted."""
        return self._messages[(chat_id, message_id)]

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with Telegram's error JSON."""
        failure = _Failure(
            status=status,
            description=description or _default_description(status, retry_after),
            retry_after=retry_after if status == 429 else None,
        )
        self._failures.setdefault(method.lower(), deque()).extend([failure] * times)

    def drop_next(self, method: str, *, times: int = 1) -> None:
        """Close the connection without answering the next ``times`` calls of ``method``."""
        failure = _Failure(status=0, description="", retry_after=None, drop_connection=True)
        self._failures.setdefault(method.lower(), deque()).extend([failure] * times)

    def hold_answers(self, method: str, *, after: int) -> None:
        """Take every call of ``method`` after the first ``after`` (the message is sent), but
        keep the caller waiting for Telegram's answer until :meth:`release_answers`: the
        moment in which a crashing sender cannot know that the message arrived."""
        self._held[method.lower()] = after
        self._released.clear()

    def release_answers(self) -> None:
        self._held.clear()
        self._released.set()

    def block_chat(self, chat_id: int | str) -> None:
        """The user blocked the bot: everything sent to the chat is a 403."""
        self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int | str) -> None:
        self._blocked.discard(chat_id)

    # -- HTTP --------------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return ApiError(401, "Unauthorized").response()
        # Method names are case-insensitive; count them under the documented spelling.
        key = request.match_info["method"].lower()
        name, implementation = self._methods.get(key, (request.match_info["method"], None))
        try:
            params = await self._read_params(request)
        except ValueError as error:
            return _bad_request(str(error)).response()
        self.calls[name] += 1
        self.requests.append(ApiCall(name, params, self._clock()))
        self._notify()

        failures = self._failures.get(key)
        if failures:
            failure = failures.popleft()
            if failure.drop_connection:
                assert request.transport is not None
                request.transport.close()
                return web.Response(status=500)  # never reaches the client
            return ApiError(failure.status, failure.description, failure.retry_after).response()
        if key.startswith(_BLOCKABLE_PREFIXES) and params.get("chat_id") in self._blocked:
            return ApiError(403, "Forbidden: bot was blocked by the user").response()
        if implementation is None:
            return ApiError(404, "Not Found").response()
        try:
            result = await implementation(params)
        except ApiError as error:
            return error.response()
        if key in self._held and self.calls[name] > self._held[key]:
            await self._released.wait()
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return ApiError(401, "Unauthorized").response()
        path = request.match_info["path"]
        for stored in self._files.values():
            if stored.file_path == path:
                return web.Response(body=stored.data, content_type="application/octet-stream")
        return ApiError(404, "Not Found").response()

    async def _read_params(self, request: web.Request) -> JSON:
        raw: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            body = await request.json() if request.can_read_body else {}
            if not isinstance(body, dict):
                msg = "request body must be a JSON object"
                raise ValueError(msg)
            raw.update(body)
        elif request.can_read_body:
            for key, value in (await request.post()).items():
                raw[key] = value if isinstance(value, str) else value.file.read()
        return {key: _decode_field(key, value) for key, value in raw.items()}

    # -- Bot API methods ---------------------------------------------------------------------

    async def _m_getMe(self, params: JSON) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Ramtid",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _m_deleteWebhook(self, params: JSON) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _m_setWebhook(self, params: JSON) -> bool:
        self.webhook = {"url": params.get("url"), "secret_token": params.get("secret_token")}
        return True

    async def _m_getWebhookInfo(self, params: JSON) -> JSON:
        url = (self.webhook or {}).get("url") or ""
        return {"url": url, "has_custom_certificate": False, "pending_update_count": 0}

    async def _m_setMyCommands(self, params: JSON) -> bool:
        self.commands[params.get("language_code") or ""] = list(params.get("commands") or [])
        return True

    async def _m_getMyCommands(self, params: JSON) -> list[JSON]:
        return self.commands.get(params.get("language_code") or "", [])

    async def _m_setChatMenuButton(self, params: JSON) -> bool:
        return True

    async def _m_getUpdates(self, params: JSON) -> list[JSON]:
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = float(params.get("timeout") or 0)
        if "allowed_updates" in params:
            allowed = params["allowed_updates"] or []
            self._allowed_updates = frozenset(allowed) if allowed else None
        if offset > 0:  # confirms everything below it
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

        # A newer getUpdates ends the one still waiting, as on Telegram.
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            self._drop_disallowed_updates()
            remaining = deadline - asyncio.get_running_loop().time()
            if self._updates or self._closing or remaining <= 0:
                return self._updates[:limit]
            with suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._wait_for_change()

    async def _m_sendMessage(self, params: JSON) -> JSON:
        chat_id = self._chat_id(params)
        text, entities = self._rendered_text(params)
        self._check_markup(params.get("reply_markup"))
        message = self._bot_message(chat_id, next(self._message_ids))
        message["text"] = text
        if entities:
            message["entities"] = entities
        self._apply_inline_markup(message, params.get("reply_markup"))
        return self._store(message, params, method="sendMessage", source_text=params["text"])

    async def _m_editMessageText(self, params: JSON) -> JSON:
        message = self._message_to_edit(params)
        text, entities = self._rendered_text(params)
        markup = params.get("reply_markup")
        self._check_markup(markup)
        key = (message["chat"]["id"], message["message_id"])
        if self._source_texts.get(key) == params.get("text") and message.get(
            "reply_markup"
        ) == _inline_markup(markup):
            raise _bad_request(
                "message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message"
            )
        edited = {k: v for k, v in message.items() if k not in {"entities", "reply_markup"}}
        edited.update(text=text, edit_date=int(time.time()))
        if entities:
            edited["entities"] = entities
        self._apply_inline_markup(edited, markup)
        return self._store(edited, params, method="editMessageText", source_text=params["text"])

    async def _m_editMessageReplyMarkup(self, params: JSON) -> JSON:
        message = self._message_to_edit(params)
        markup = params.get("reply_markup")
        self._check_markup(markup)
        if message.get("reply_markup") == _inline_markup(markup):
            raise _bad_request(
                "message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message"
            )
        edited = {k: v for k, v in message.items() if k != "reply_markup"}
        edited["edit_date"] = int(time.time())
        self._apply_inline_markup(edited, markup)
        source_text = self._source_texts[(message["chat"]["id"], message["message_id"])]
        return self._store(
            edited, params, method="editMessageReplyMarkup", source_text=source_text
        )

    async def _m_deleteMessage(self, params: JSON) -> bool:
        key = (self._chat_id(params), int(params.get("message_id") or 0))
        if self._messages.pop(key, None) is None:
            raise _bad_request("message to delete not found")
        self._source_texts.pop(key, None)
        self.deleted.append(key)
        return True

    async def _m_answerCallbackQuery(self, params: JSON) -> bool:
        query = self._open_callbacks.pop(str(params.get("callback_query_id")), None)
        if query is None:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self.answered_callbacks.append(
            {
                "callback_query_id": params["callback_query_id"],
                "user_id": query["user_id"],
                "data": query["data"],
                "text": params.get("text"),
                "show_alert": bool(params.get("show_alert")),
                "url": params.get("url"),
                "at": self._clock(),
            }
        )
        self._notify()
        return True

    async def _m_sendChatAction(self, params: JSON) -> bool:
        self.chat_actions.append((self._chat_id(params), str(params.get("action"))))
        return True

    async def _m_getFile(self, params: JSON) -> JSON:
        stored = self._files.get(str(params.get("file_id")))
        if stored is None:
            raise _bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    # -- internals ---------------------------------------------------------------------------

    def _notify(self) -> None:
        """Wake everything waiting for the state to change (long polls, wait_for_sent)."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_for_change(self) -> None:
        await self._changed.wait()

    def _enqueue(self, kind: str, payload: JSON) -> int:
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, kind: payload})
        self._notify()
        return update_id

    def _drop_disallowed_updates(self) -> None:
        allowed = self._allowed_updates
        if allowed is not None:
            self._updates = [u for u in self._updates if allowed.intersection(u)]

    def _remember_user(self, user_id: int, first_name: str, language_code: str | None) -> _User:
        user = _User(user_id, first_name, language_code)
        self._users[user_id] = user
        return user

    def _chat(self, chat_id: int | str) -> JSON:
        if isinstance(chat_id, int) and chat_id > 0:
            user = self._users.get(chat_id)
            return {
                "id": chat_id,
                "type": "private",
                "first_name": user.first_name if user else "",
            }
        if isinstance(chat_id, int):
            return {"id": chat_id, "type": "supergroup", "title": "Group"}
        raise _bad_request("chat not found")

    def _user_message(self, user: _User) -> JSON:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(user.id),
            "from": user.as_json(),
        }

    def _bot_message(self, chat_id: int | str, message_id: int) -> JSON:
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": {
                "id": self.bot_id,
                "is_bot": True,
                "first_name": "Ramtid",
                "username": self.bot_username,
            },
        }

    def _chat_id(self, params: JSON) -> int | str:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad_request("chat_id is empty")
        return chat_id

    def _message_to_edit(self, params: JSON) -> JSON:
        if "inline_message_id" in params:
            raise _bad_request("inline messages are not supported by FakeTelegram")
        key = (self._chat_id(params), int(params.get("message_id") or 0))
        message = self._messages.get(key)
        if message is None:
            raise _bad_request("message to edit not found")
        return message

    def _rendered_text(self, params: JSON) -> tuple[str, list[JSON]]:
        source = str(params.get("text") or "")
        parse_mode = str(params.get("parse_mode") or "")
        text = render_html(source) if parse_mode.upper() == "HTML" else source
        if not text.strip():
            raise _bad_request("message text is empty")
        if len(text) > TEXT_LIMIT:
            raise _bad_request("message is too long")
        return text, list(params.get("entities") or [])

    @staticmethod
    def _check_markup(markup: Any) -> None:
        if not isinstance(markup, dict):
            return
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
                    raise _bad_request("BUTTON_DATA_INVALID")

    @staticmethod
    def _apply_inline_markup(message: JSON, markup: Any) -> None:
        inline = _inline_markup(markup)
        if inline is not None:
            message["reply_markup"] = inline

    def _store(self, message: JSON, params: JSON, *, method: str, source_text: str) -> JSON:
        key = (message["chat"]["id"], message["message_id"])
        self._messages[key] = message
        self._source_texts[key] = source_text
        self.sent.append(
            SentMessage(
                method=method,
                chat_id=key[0],
                message_id=key[1],
                text=message.get("text", ""),
                source_text=source_text,
                parse_mode=params.get("parse_mode"),
                reply_markup=params.get("reply_markup"),
                params=params,
                at=self._clock(),
            )
        )
        self._notify()
        return message


def _inline_markup(markup: Any) -> JSON | None:
    """Telegram echoes only inline keyboards back in Message.reply_markup."""
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return {"inline_keyboard": markup["inline_keyboard"]}
    return None


def _decode_field(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in _JSON_FIELDS:
        return json.loads(value)
    if key in _INT_FIELDS and re.fullmatch(r"-?\d+", value):
        return int(value)
    if key in _BOOL_FIELDS:
        return value == "true"
    return value
