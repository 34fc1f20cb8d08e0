"""A whole day's work at DEBUG, database errors included, logged as the processes log it
(``ramtid.logs``): no record carries a name, a personal identity number, a note or a wish, or
an SQL parameter, in its message, its arguments or its traceback."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from aiogram.methods import SendMessage
from sqlalchemy import text

from backend.config import Settings
from backend.demo import CLIENTS, STAFF
from backend.models import Visit
from backend.services import notes as note_service
from backend.services import visits as visit_service
from bot.backend_client import BackendClient
from bot.delivery import Sender
from bot.factory import create_i18n
from bot.notifier import Notifier
from ramtid.logs import configure
from tests.backend.helpers import LISA, visit_at
from tests.bot.conftest import Chat
from tests.conftest import SERVICE_TOKEN, Clock, as_chat, as_staff

PERSONAL_NUMBER = "19400101-1234"
WISH = f"Lisa Andersson {PERSONAL_NUMBER} vill ha längre lunch"
NOTE = f"Lisa Andersson åt frukost, Eva var där. Pnr {PERSONAL_NUMBER}"
TOMORROW = date(2026, 11, 24)
# Everything the demo's people are called, and every text they write in this test.
FORBIDDEN = sorted(
    {spec.first_name for spec in CLIENTS}
    | {spec.last_name for spec in CLIENTS}
    | {first for _key, first, _last, _role in STAFF}
    | {last for _key, _first, last, _role in STAFF}
    | {"Eva", "Olle", PERSONAL_NUMBER, "400101-1234", "194001011234"}
    | {"frukost", "längre lunch", "klockan tio"}
)
OURS = ("backend", "bot", "ramtid")


@pytest.fixture(params=["inline", "aiosqlite"])
def settings(database_url: str, request: pytest.FixtureRequest) -> Settings:
    """On SQLite, both drivers: aiosqlite (``RAMTID_SQLITE_DRIVER=aiosqlite``) logs every call
    with its parameters at DEBUG; the default runs SQLite on the loop and logs nothing."""
    if request.param == "aiosqlite" and not database_url.startswith("sqlite"):
        pytest.skip("the SQLite driver only")
    return Settings(
        database_url=database_url, service_token=SERVICE_TOKEN, sqlite_driver=request.param
    )


class Capture(logging.Handler):
    """What a process's log would contain: each record as written (formatted, through the
    filter), its arguments, and what our own loggers were given before any filter."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.written: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.written.append((record.name, self.format(record) + " " + repr(record.args)))


class Raw(logging.Handler):
    """Our own loggers' records as made, before the filter (the first line)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.made: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(OURS):
            self.made.append((record.name, record.getMessage() + " " + repr(record.args)))


@pytest.fixture
def logs() -> Iterator[tuple[Capture, Raw]]:
    root = logging.getLogger()
    # Everything at DEBUG, the libraries that hold values too (SQLAlchemy's SQL, parameters
    # and rows; aiosqlite's driver calls): the filter must hold where the first line is off.
    chatty = [logging.getLogger(name) for name in ("sqlalchemy.engine", "aiosqlite")]
    saved = (root.level, list(root.handlers), [logger.level for logger in chatty])
    capture, raw = Capture(), Raw()
    configure(logging.DEBUG, capture)
    for logger in chatty:
        logger.setLevel(logging.DEBUG)
    root.handlers.insert(0, raw)  # sees each record before the filter changes it
    try:
        yield capture, raw
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]
        for logger, level in zip(chatty, saved[2], strict=True):
            logger.setLevel(level)


async def ok(r: Any) -> Any:
    assert r.status_code < 300, r.text
    return r.json() if r.content else None


async def test_a_day_at_debug_with_database_errors_logs_no_care_data(
    chat: Chat,
    api: Any,
    app: Any,
    backend_client: BackendClient,
    clock: Clock,
    settings: Settings,
    logs: tuple[Capture, Raw],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    capture, raw = logs
    assert app.state.engine.sync_engine.hide_parameters  # the first line, in the database

    # Lisa lets Olle in; Olle links through the bot; Lisa types a wish and sends it.
    invitation = await ok(
        await api.post(
            "/bot/invitations",
            json={"kind": "relative", "client_id": LISA, "scopes": ["visits"],
                  "relative_first_name": "Olle"},
            headers=as_chat("lisa"),
        )
    )  # fmt: skip
    assert "Lisa" in await chat.send(777003, f"/start {invitation['code']}")
    await chat.send("lisa", "kan ni komma klockan tio i stället i morgon?")
    await chat.press("lisa", "08:00")
    assert "Anna" in await chat.press("lisa", "Skicka")
    # Her own words with a request, a note about her, Anna approves, and is late.
    lunch = await visit_at(api, TOMORROW, 12)
    request = await ok(
        await api.post(
            f"/clients/{LISA}/requests",
            json={"idempotency_key": uuid.uuid4().hex, "note": WISH,
                  "change": {"kind": "resize", "visit_id": lunch["id"], "new_duration": 30}},
            headers=as_chat("lisa"),
        )
    )  # fmt: skip
    breakfast = await visit_at(api, clock.now.date(), 8)
    await ok(
        await api.post(
            f"/staff/visits/{breakfast['id']}/notes", json={"text": NOTE}, headers=as_staff("anna")
        )
    )
    await ok(await api.get(f"/clients/{LISA}/notes", headers=as_chat("eva")))
    await ok(
        await api.post(
            f"/staff/requests/{request['id']}/approve", json={}, headers=as_staff("anna")
        )
    )
    await ok(await api.post("/staff/late", json={"minutes": 45}, headers=as_staff("anna")))
    # The notifier tells everyone, in their language.
    notifier = Notifier(
        backend_client, Sender(chat.bot, per_chat_interval=0), create_i18n(settings)
    )
    assert await notifier.deliver_once() > 0
    assert any(
        "Lisa" in r.text for r in chat.session.requests if isinstance(r, SendMessage)
    )  # names do reach the people they are for

    # A write the database refuses (a note on a visit that is not there), with the note's
    # text among the statement's parameters.
    async def missing_visit(_session: Any, staff: Any, visit_id: int) -> Any:
        return Visit(id=999_999, client_id=LISA, day=TOMORROW, planned_start=clock.now,
                     duration_minutes=20), None  # fmt: skip

    monkeypatch.setattr(note_service, "visit_in_care_of", missing_visit)
    r = await api.post("/staff/visits/999999/notes", json={"text": NOTE}, headers=as_staff("anna"))
    assert (r.status_code, r.json().get("code")) == (409, "conflict_retry"), r.text
    # A statement the database refuses while quoting the value it was given (asyncpg does).
    dialect = app.state.engine.dialect.name

    async def refused_value(session: Any, **_kwargs: Any) -> Any:
        statement = "SELECT CAST(:v AS INTEGER)" if dialect == "postgresql" else "SELECT json(:v)"
        await session.exec(text(statement), params={"v": WISH})
        raise AssertionError("the database took it")

    monkeypatch.setattr(visit_service, "client_visits", refused_value)
    r = await api.get(f"/clients/{LISA}/visits", headers=as_chat("lisa"))
    assert (r.status_code, r.json()["code"]) == (500, "internal_error")

    written = capture.written
    names = {name for name, _ in written}
    assert {"sqlalchemy.engine.Engine", "backend.main", "httpx"} <= names  # DEBUG was on
    if dialect == "sqlite" and settings.sqlite_driver == "aiosqlite":
        assert "aiosqlite" in names
    assert any("IntegrityError" in line for _, line in written)  # the errors were logged
    assert any("internal" in line.lower() or "failed" in line for _, line in written)
    for name, line in written:
        for word in FORBIDDEN:
            assert word not in line, f"{word!r} in a record of {name}: {line[:300]}"
    for name, line in raw.made:
        for word in FORBIDDEN:
            assert word not in line, f"{word!r} given to {name} (before the filter): {line[:300]}"
