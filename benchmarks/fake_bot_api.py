"""A fake Telegram Bot API on 127.0.0.1 that enforces Telegram's send limits, for the notifier
benchmark: about 30 messages a second per bot (a bucket of 30, refilled at 30 a second) and
about one a second per chat (a gap under ``chat_gap`` seconds is refused). Beyond either it
answers 429 with ``retry_after``, as Telegram does. It keeps every accepted message.
"""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Accepted:
    at: float
    chat_id: int
    text: str


@dataclass
class LimitedBotApi:
    rate: float = 30.0
    burst: int = 30
    chat_gap: float = 0.95
    retry_after: int = 1
    accepted: list[Accepted] = field(default_factory=list)
    refused: int = 0
    _tokens: float = 0.0
    _refilled: float = 0.0
    _last_to_chat: dict[int, float] = field(default_factory=dict)
    _runner: web.AppRunner | None = None
    port: int = 0

    async def start(self) -> str:
        self._tokens = float(self.burst)
        self._refilled = time.monotonic()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _too_many(self) -> web.Response:
        self.refused += 1
        body = {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {self.retry_after}",
            "parameters": {"retry_after": self.retry_after},
        }
        return web.json_response(body, status=429)

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        params: dict[str, Any] = {}
        if request.can_read_body:
            if request.content_type == "application/json":
                params = await request.json()
            else:
                params = dict(await request.post())
        if method == "getme":
            return web.json_response(
                {"ok": True, "result": {"id": 42, "is_bot": True, "first_name": "Ramtid"}}
            )
        if method != "sendmessage":
            return web.json_response({"ok": True, "result": True})
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._refilled) * self.rate)
        self._refilled = now
        chat_id = int(params["chat_id"])
        last = self._last_to_chat.get(chat_id)
        if self._tokens < 1 or (last is not None and now - last < self.chat_gap):
            return self._too_many()
        self._tokens -= 1
        self._last_to_chat[chat_id] = now
        text = str(params.get("text", ""))
        self.accepted.append(Accepted(now, chat_id, text))
        result = {
            "message_id": len(self.accepted),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "text": text,
        }
        return web.Response(
            text=json.dumps({"ok": True, "result": result}), content_type="application/json"
        )
