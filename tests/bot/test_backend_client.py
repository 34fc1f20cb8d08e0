"""What the bot makes of a backend newer than itself: an error code or a notification kind
it does not know must not crash it."""

from __future__ import annotations

import json

import httpx
import pytest

from backend.config import Settings
from bot.backend_client import BackendClient, BackendError, UnknownNotification
from bot.factory import create_i18n
from bot.texts.notifications import render
from contract import ErrorCode, StaffLate


def backend_answering(status: int, body: object) -> BackendClient:
    def answer(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=json.dumps(body).encode())

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url="http://backend")
    return BackendClient(http, "token")


async def test_an_error_code_this_bot_does_not_know_is_unknown_with_the_code_kept() -> None:
    backend = backend_answering(409, {"code": "visit_teleported", "details": {"to": "Mars"}})
    with pytest.raises(BackendError) as raised:
        await backend.request(1001, 1)
    assert raised.value.code is ErrorCode.UNKNOWN
    assert raised.value.status == 409
    assert raised.value.details == {"to": "Mars", "raw_code": "visit_teleported"}


async def test_a_known_error_code_is_the_contracts() -> None:
    backend = backend_answering(409, {"code": "already_decided", "details": {"status": "x"}})
    with pytest.raises(BackendError) as raised:
        await backend.request(1001, 1)
    assert raised.value.code is ErrorCode.ALREADY_DECIDED
    assert raised.value.details == {"status": "x"}


async def test_an_answer_that_is_not_json_is_unknown_too() -> None:
    def answer(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, content=b"<html>Bad gateway</html>")

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url="http://backend")
    with pytest.raises(BackendError) as raised:
        await BackendClient(http, "token").frame(1001, 1)
    assert raised.value.code is ErrorCode.UNKNOWN
    assert "Bad gateway" in raised.value.details["raw_code"]


async def test_a_notification_of_an_unknown_kind_is_still_sent_in_general_words(
    settings: Settings,
) -> None:
    late = StaffLate(
        visit_id=7,
        visit_start="2026-11-24T11:00:00Z",
        late_minutes=20,
        staff_first_name="Anna",
        client_first_name="Lisa",
    )
    common = {"chat_id": 1001, "recipient": "client", "locale": "sv", "urgency": "info"}
    claimed = [
        {"id": 1, **common, "attempts": 1, "created_at": "2026-11-23T08:00:00Z",
         "message": late.model_dump(mode="json")},
        {"id": 2, **common, "attempts": 1, "created_at": "2026-11-23T08:00:00Z",
         "message": {"kind": "visit_teleported", "to": "Mars"}},
    ]  # fmt: skip
    backend = backend_answering(200, claimed)
    first, second = await backend.claim()
    assert not isinstance(first, UnknownNotification) and first.message == late
    assert isinstance(second, UnknownNotification)
    assert (second.id, second.chat_id, second.locale) == (2, 1001, "sv")

    i18n = create_i18n(settings)
    with i18n.context(), i18n.use_locale("sv"):
        assert "Anna" in render(first)
        assert "hemtjänst" in render(second).lower()
