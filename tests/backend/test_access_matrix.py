# ruff: noqa: E501  (the matrix is a table: one route per line)
"""Who may call what: every route of the application's own route table, crossed with every
kind of caller, and the answer each gets, written down in one table (``MATRIX``). A route
the table does not list fails the test, and so does a row for a route that is gone.

The callers (A is Lisa, B is Gösta, both of the demo unit; every call is about A's data):

    none    no credentials at all
    wrong   a wrong service token (with A's Telegram id)
    A       Lisa herself, through the bot
    B       Gösta, another client of the unit, through the bot
    rV rR rN  relatives of A with one scope each: the visits, requests, notes
    rev     a relative of A whose consent was revoked
    oth     a carer of another unit
    carer   a carer of A's unit who is not A's contact person or deputy (Ahmed)
    cp dep  A's contact person (Anna) and deputy (Maria)
    plan    the unit's planner (Erik)
    mgr     the unit's manager (Karin)
    asr     the assessor of A's order (Astrid): read-only, only on the web's changed needs

Staff call the staff API with their own credential (``as_staff``), and the bot's routes
(``/bot/...``) through the bot, as their linked chat accounts. The bot's own routes (link,
outbox) need the service token and nothing more: whoever the bot acts for, it is the bot.

A refused call (4xx) must write nothing; it is made on the arranged state. A call that
succeeds and changes something is made in a transaction rolled back afterwards, so that every
cell is judged alone.
"""

from __future__ import annotations

import contextlib
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import func, text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.config import Settings
from backend.db import create_engine
from backend.demo import DEMO_ACCOUNTS, issue_staff_tokens, seed
from backend.main import create_app
from backend.models import (
    AuditEvent,
    ChangeRequest,
    ChatAccount,
    Client,
    Invitation,
    Notification,
    Order,
    Relative,
    RelativeLink,
    SessionKind,
    Staff,
    StaffRole,
    Unit,
    Visit,
    VisitNote,
)
from backend.services import sessions as staff_sessions
from contract import TZ, Scope
from tests.backend.web.test_access_matrix import EXPECTED as WEB_MATRIX
from tests.conftest import DEFAULT_NOW, SERVICE_TOKEN, STAFF_TOKENS, TABLES, Clock, as_staff

MATRIX = """
route                                                      | none wrong A   B   rV  rR  rN  rev oth carer cp  dep plan mgr asr
GET    /health                                             | 200  200   200 200 200 200 200 200 200 200   200 200 200  200  200
GET    /health/ready                                       | 200  200   200 200 200 200 200 200 200 200   200 200 200  200  200
POST   /bot/link                                           | 401  401   200 200 200 200 200 200 200 200   200 200 200  200  200
GET    /bot/me                                             | 401  401   200 200 200 200 200 200 200 200   200 200 200  200  200
PATCH  /bot/me                                             | 401  401   200 200 200 200 200 200 200 200   200 200 200  200  200
POST   /bot/invitations                                    | 401  401   201 403 403 403 403 403 403 403   201 201 201  201  403
GET    /bot/clients/{client_id}/relatives                  | 401  401   200 403 403 403 403 403 403 200   200 200 200  200  403
DELETE /bot/clients/{client_id}/relatives/{link_id}        | 401  401   204 403 403 403 403 403 403 403   204 204 204  204  403
PUT    /bot/clients/{client_id}/relatives/{link_id}/scopes/{scope}    | 401 401 200 403 403 403 403 403 403 403 403 403 403 403  403
DELETE /bot/clients/{client_id}/relatives/{link_id}/scopes/{scope}    | 401 401 200 403 403 403 403 403 403 403 200 200 200 200  403
GET    /bot/clients/{client_id}/reads                      | 401  401   200 403 403 403 403 403 403 403   403 403 403  403  403
POST   /bot/web-signin                                     | 401  401   403 403 403 403 403 403 200 200   200 200 200  200  200
POST   /bot/outbox/claim                                   | 401  401   200 200 200 200 200 200 200 200   200 200 200  200  200
POST   /bot/outbox/{notification_id}/ack                   | 401  401   204 204 204 204 204 204 204 204   204 204 204  204  204
POST   /bot/outbox/{notification_id}/fail                  | 401  401   204 204 204 204 204 204 204 204   204 204 204  204  204
GET    /clients/{client_id}/visits                         | 401  401   200 403 200 403 403 403 403 200   200 200 200  200  403
GET    /clients/{client_id}/frame                          | 401  401   200 403 200 403 403 403 403 200   200 200 200  200  403
GET    /clients/{client_id}/changeable                     | 401  401   200 403 403 200 403 403 403 200   200 200 200  200  403
POST   /clients/{client_id}/requests/preview               | 401  401   200 403 403 200 403 403 403 200   200 200 200  200  403
POST   /clients/{client_id}/requests/preview-together      | 401  401   200 403 403 200 403 403 403 200   200 200 200  200  403
POST   /clients/{client_id}/requests                       | 401  401   201 403 403 201 403 403 403 403   201 201 201  201  403
GET    /clients/{client_id}/requests                       | 401  401   200 403 403 200 403 403 403 200   200 200 200  200  403
POST   /requests/{request_id}/withdraw                     | 401  401   200 403 403 200 403 403 403 403   200 200 200  200  403
GET    /clients/{client_id}/notes                          | 401  401   200 403 403 403 200 403 403 200   200 200 200  200  403
POST   /speech/transcribe                                  | 401  401   422 422 403 422 403 403 422 422   422 422 422  422  403
GET    /staff/queue                                        | 401  401   403 403 403 403 403 403 200 200   200 200 200  200  403
GET    /staff/requests/{request_id}                        | 401  401   403 403 403 403 403 403 403 200   200 200 200  200  403
POST   /staff/requests/{request_id}/{decision}             | 401  401   403 403 403 403 403 403 403 403   200 200 200  200  403
GET    /staff/day                                          | 401  401   403 403 403 403 403 403 200 200   200 200 200  200  403
POST   /staff/visits/{visit_id}/check-in                   | 401  401   403 403 403 403 403 403 403 403   200 403 200  200  403
POST   /staff/visits/{visit_id}/check-out                  | 401  401   403 403 403 403 403 403 403 403   200 403 200  200  403
POST   /staff/visits/{visit_id}/deviation                  | 401  401   403 403 403 403 403 403 403 403   200 200 200  200  403
POST   /staff/visits/{visit_id}/performed                  | 401  401   403 403 403 403 403 403 403 403   200 200 200  200  403
POST   /staff/late                                         | 401  401   403 403 403 403 403 403 200 200   200 200 200  200  403
POST   /staff/visits/{visit_id}/assign/{staff_id}          | 401  401   403 403 403 403 403 403 403 403   403 403 200  200  403
POST   /staff/invitations                                  | 401  401   403 403 403 403 403 403 403 403   201 201 201  201  403
GET    /staff/followup                                     | 401  401   403 403 403 403 403 403 200 200   200 200 200  200  403
GET    /staff/followup.csv                                 | 401  401   403 403 403 403 403 403 200 200   200 200 200  200  403
POST   /staff/visits/{visit_id}/notes                      | 401  401   403 403 403 403 403 403 403 403   201 201 201  201  403
POST   /staff/notes/{note_id}/wrong                        | 401  401   403 403 403 403 403 403 403 403   200 403 200  200  403
POST   /staff/notes/{note_id}/correct                      | 401  401   403 403 403 403 403 403 403 403   201 403 201  201  403
GET    /staff/clients/{client_id}/audit                    | 401  401   403 403 403 403 403 403 403 403   403 403 403  200  403
GET    /staff/members/{staff_id}/audit                     | 401  401   403 403 403 403 403 403 403 403   403 403 403  200  403
GET    /staff/dead-letters                                 | 401  401   403 403 403 403 403 403 403 403   403 403 403  200  403
POST   /staff/dead-letters/{notification_id}/send-again    | 401  401   403 403 403 403 403 403 403 403   403 403 403  204  403
GET    /staff/clients/{client_id}/export                   | 401  401   403 403 403 403 403 403 403 403   403 403 403  200  403
GET    /staff/clients/{client_id}/erasure                  | 401  401   403 403 403 403 403 403 403 403   403 403 403  200  403
POST   /staff/clients/{client_id}/erasure                  | 401  401   403 403 403 403 403 403 403 403   403 403 403  200  403
"""

CALLERS = (
    "none",
    "wrong",
    "A",
    "B",
    "rV",
    "rR",
    "rN",
    "rev",
    "oth",
    "carer",
    "cp",
    "dep",
    "plan",
    "mgr",
    "asr",
)
Route = tuple[str, str]

# Writes that change nothing another cell depends on: judged on the shared state.
REPEATABLE: set[Route] = {
    ("PATCH", "/bot/me"),
    ("POST", "/bot/outbox/claim"),
    ("POST", "/bot/outbox/{notification_id}/ack"),
    ("POST", "/bot/outbox/{notification_id}/fail"),
    ("POST", "/clients/{client_id}/requests/preview"),
    ("POST", "/clients/{client_id}/requests/preview-together"),
    ("POST", "/speech/transcribe"),
}


def parse(table: str) -> dict[Route, dict[str, int]]:
    rows: dict[Route, dict[str, int]] = {}
    lines = [line for line in table.strip().splitlines() if line.strip()]
    assert lines[0].split("|")[1].split() == list(CALLERS)
    for line in lines[1:]:
        route, cells = line.split("|")
        method, path = route.split()
        answers = [int(cell) for cell in cells.split()]
        assert len(answers) == len(CALLERS), f"{method} {path}: {len(answers)} cells"
        assert (method, path) not in rows, f"{method} {path} twice"
        rows[(method, path)] = dict(zip(CALLERS, answers, strict=True))
    return rows


def application_routes() -> set[Route]:
    app = create_app(Settings(database_url="sqlite+aiosqlite://", service_token=SERVICE_TOKEN))
    found = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.include_in_schema:
            found |= {(method, context.path or route.path) for method in route.methods}
    return found


def test_every_route_has_a_row_and_every_row_a_route() -> None:
    """One matrix for the whole application: the API's rows here, the web pages' rows (staff
    callers, same shape) in tests/backend/web/test_access_matrix.py."""
    rows, routes = set(parse(MATRIX)) | set(WEB_MATRIX), application_routes()
    assert routes - rows == set(), "routes without an entry in MATRIX"
    assert rows - routes == set(), "entries in MATRIX for routes that do not exist"


# --- the state every call is made on ------------------------------------------------------

LISA = 1
EVA_LINK = 1
ANNA = 1
TOMORROW = DEFAULT_NOW.astimezone(TZ).date() + timedelta(days=1)
OTHER_UNIT_TOKEN = "another-units-carer-token-0000000000000"
ASSESSOR_TOKEN = "the-assessors-own-api-token-00000000000"
CHAT = {
    "A": DEMO_ACCOUNTS["lisa"],
    "B": DEMO_ACCOUNTS["gosta"],
    "rV": 3001,
    "rR": 3002,
    "rN": 3003,
    "rev": 3004,
    "oth": 4001,
    "carer": DEMO_ACCOUNTS["ahmed"],
    "cp": DEMO_ACCOUNTS["anna"],
    "dep": DEMO_ACCOUNTS["maria"],
    "plan": DEMO_ACCOUNTS["erik"],
    "mgr": DEMO_ACCOUNTS["karin"],
    "asr": 5001,
}
STAFF_KEY = {"carer": "ahmed", "cp": "anna", "dep": "maria", "plan": "erik", "mgr": "karin"}


@dataclass
class Ids:
    """The rows of A's that the calls are about, the same in every copy of the state."""

    breakfast: int = 0  # today 08:00, Anna's, not yet begun
    lunch: int = 0  # tomorrow 12:00
    supper: int = 0  # tomorrow 17:00, no wish about it waits
    request: int = 0  # pending, asked by Lisa
    note: int = 0  # on breakfast, by Anna
    notification: int = 0
    dead_letter: int = 0
    code: str = ""  # an unused relative invitation


def headers(caller: str, path: str) -> dict[str, str]:
    if caller == "none":
        return {}
    if caller == "wrong":
        return {"X-Service-Token": "w" * 40, "X-Telegram-User-Id": str(CHAT["A"])}
    staff = caller in ("oth", "asr") or caller in STAFF_KEY
    if staff and not path.startswith("/bot/"):
        if caller in ("oth", "asr"):
            token = OTHER_UNIT_TOKEN if caller == "oth" else ASSESSOR_TOKEN
            return {"Authorization": f"Bearer {token}"}
        return as_staff(STAFF_KEY[caller])
    return {"X-Service-Token": SERVICE_TOKEN, "X-Telegram-User-Id": str(CHAT[caller])}


async def arrange(sessions: Any, api: httpx.AsyncClient, ids: Ids) -> None:
    """The demo unit, three relatives of Lisa with one scope each and one revoked, a carer
    of another unit, and Lisa's pending request, a note, notifications, an invitation."""
    async with sessions() as session:
        await seed(session, now=DEFAULT_NOW)
        await issue_staff_tokens(session, STAFF_TOKENS, now=DEFAULT_NOW)
        for number, (name, scopes, revoked) in enumerate(
            (("Olle", [Scope.VISITS], False), ("Rut", [Scope.REQUESTS], False),
             ("Nils", [Scope.NOTES], False), ("Per", list(Scope), True)),
        ):  # fmt: skip
            relative = Relative(first_name=name)
            session.add(relative)
            await session.flush()
            session.add(
                RelativeLink(
                    relative_id=relative.id or 0,
                    client_id=LISA,
                    scopes=scopes,
                    granted_at=DEFAULT_NOW - timedelta(days=3),
                    revoked_at=DEFAULT_NOW - timedelta(days=1) if revoked else None,
                )
            )
            telegram_id = 3001 + number
            session.add(
                ChatAccount(
                    telegram_user_id=telegram_id, chat_id=telegram_id, relative_id=relative.id
                )
            )
        unit = Unit(name="Hemtjänst Kista", municipality="Stockholm")
        session.add(unit)
        await session.flush()
        vera = Staff(unit_id=unit.id or 0, first_name="Vera", last_name="K", role=StaffRole.CARER)
        session.add(vera)
        await session.flush()
        await staff_sessions.open_session(
            session, staff=vera, kind=SessionKind.API, now=DEFAULT_NOW,
            lifetime=staff_sessions.Lifetime(absolute=timedelta(days=30)), token=OTHER_UNIT_TOKEN,
        )  # fmt: skip
        session.add(
            ChatAccount(telegram_user_id=CHAT["oth"], chat_id=CHAT["oth"], staff_id=vera.id)
        )
        astrid = Staff(unit_id=1, first_name="Astrid", last_name="H", role=StaffRole.ASSESSOR)
        session.add(astrid)
        await session.flush()
        await staff_sessions.open_session(
            session, staff=astrid, kind=SessionKind.API, now=DEFAULT_NOW,
            lifetime=staff_sessions.Lifetime(absolute=timedelta(days=30)), token=ASSESSOR_TOKEN,
        )  # fmt: skip
        session.add(
            ChatAccount(telegram_user_id=CHAT["asr"], chat_id=CHAT["asr"], staff_id=astrid.id)
        )
        for order in (await session.exec(select(Order).where(Order.client_id == LISA))).all():
            order.assessor_staff_id = astrid.id
            session.add(order)
        await session.commit()
    lisa = headers("A", "/clients")
    day = (await api.get(f"/clients/{LISA}/visits", headers=lisa)).json()["visits"]
    ids.breakfast = next(v["id"] for v in day if v["start"].endswith("07:00:00Z"))
    week = (
        await api.get(
            f"/clients/{LISA}/visits", params={"from": TOMORROW.isoformat()}, headers=lisa
        )
    ).json()
    ids.lunch = next(v["id"] for v in week["visits"] if v["start"].endswith("11:00:00Z"))
    ids.supper = next(v["id"] for v in week["visits"] if v["start"].endswith("16:00:00Z"))
    asked = await api.post(
        f"/clients/{LISA}/requests",
        json={"idempotency_key": "matrix-request", "change": resize(ids.lunch)},
        headers=lisa,
    )
    ids.request = asked.json()["id"]
    anna = headers("cp", "/staff")
    note = await api.post(
        f"/staff/visits/{ids.breakfast}/notes", json={"text": "Åt gröt."}, headers=anna
    )
    ids.note = note.json()["id"]
    invited = await api.post(
        "/bot/invitations",
        json={
            "kind": "relative",
            "client_id": LISA,
            "scopes": ["visits"],
            "relative_first_name": "Siv",
        },
        headers=lisa,
    )
    ids.code = invited.json()["code"]
    async with sessions() as session:
        notifications = (
            await session.exec(select(Notification).order_by(col(Notification.id)))
        ).all()
        ids.notification = notifications[0].id or 0
        dead = notifications[-1]
        dead.dead_at, dead.attempts = DEFAULT_NOW, 10
        session.add(dead)
        ids.dead_letter = dead.id or 0
        await session.commit()
    for answer in (asked, note, invited):
        assert answer.status_code == 201, answer.text


def resize(visit_id: int) -> dict[str, Any]:
    return {"kind": "resize", "visit_id": visit_id, "new_duration": 30}


Call = tuple[str, dict[str, Any]]  # the path, and httpx's keyword arguments
Setup = Callable[[httpx.AsyncClient, Ids], Awaitable[None]]


async def anna_checks_in(api: httpx.AsyncClient, ids: Ids) -> None:
    r = await api.post(f"/staff/visits/{ids.breakfast}/check-in", headers=headers("cp", "/staff"))
    assert r.status_code == 200, r.text


async def anna_checks_in_and_out(api: httpx.AsyncClient, ids: Ids) -> None:
    await anna_checks_in(api, ids)
    r = await api.post(
        f"/staff/visits/{ids.breakfast}/check-out",
        json={"confirm": True},
        headers=headers("cp", "/staff"),
    )
    assert r.status_code == 200, r.text


def recipe(route: Route, ids: Ids) -> tuple[Call, Setup | None]:
    """The call each row makes, about A's data, with a body a permitted caller would send."""
    path = route[1]
    filled = path.format(
        client_id=LISA,
        link_id=EVA_LINK,
        scope="notes",
        notification_id=ids.dead_letter if "dead-letters" in path else ids.notification,
        request_id=ids.request,
        decision="approve",
        visit_id=ids.breakfast,
        staff_id=2 if path.endswith("assign/{staff_id}") else ANNA,
        note_id=ids.note,
    )
    bodies: dict[Route, dict[str, Any]] = {
        ("POST", "/bot/link"): {
            "json": {"code": ids.code, "telegram_user_id": 9999, "chat_id": 9999}
        },
        ("PATCH", "/bot/me"): {"json": {"notify_level": "all"}},
        ("POST", "/bot/invitations"): {
            "json": {
                "kind": "relative",
                "client_id": LISA,
                "scopes": ["visits"],
                "relative_first_name": "Tor",
            }
        },
        ("POST", "/bot/outbox/claim"): {"json": {"limit": 1}},
        ("POST", "/bot/outbox/{notification_id}/fail"): {"json": {}},
        ("POST", "/clients/{client_id}/requests/preview"): {"json": resize(ids.lunch)},
        ("POST", "/clients/{client_id}/requests/preview-together"): {
            "json": {"changes": [resize(ids.lunch)]}
        },
        ("POST", "/clients/{client_id}/requests"): {
            "json": {
                "idempotency_key": uuid.uuid4().hex,
                "change": resize(ids.supper),
            }
        },
        ("POST", "/speech/transcribe"): {"params": {"language": "sv"}, "content": b""},
        ("POST", "/staff/requests/{request_id}/{decision}"): {"json": {}},
        ("POST", "/staff/visits/{visit_id}/deviation"): {"json": {"reason": "travel"}},
        # Checked out at once (a confirmed double tap), so the check-in was 0 minutes ago.
        ("POST", "/staff/visits/{visit_id}/check-out"): {"json": {"confirm": True}},
        ("POST", "/staff/visits/{visit_id}/performed"): {
            "json": {"minutes": 0, "reason": "double_tap"}
        },
        ("POST", "/staff/late"): {"json": {"minutes": 10}},
        ("POST", "/staff/invitations"): {"json": {"kind": "client", "client_id": LISA}},
        ("POST", "/staff/visits/{visit_id}/notes"): {"json": {"text": "Åt hela lunchen."}},
        ("POST", "/staff/notes/{note_id}/correct"): {"json": {"text": "Åt halva gröten."}},
        ("POST", "/staff/clients/{client_id}/erasure"): {"json": {"confirm_client_id": LISA}},
    }
    setups: dict[Route, Setup] = {
        ("POST", "/staff/visits/{visit_id}/check-out"): anna_checks_in,
        ("POST", "/staff/visits/{visit_id}/performed"): anna_checks_in_and_out,
    }
    return (filled, bodies.get(route, {})), setups.get(route)


# --- the arranged state, and changes undone --------------------------------------------


@dataclass
class World:
    api: httpx.AsyncClient
    app: Any


@contextlib.asynccontextmanager
async def arranged(template: str, postgres_url: str | None, folder: Path) -> AsyncIterator[World]:
    """The backend serving the arranged state (on a copy of the migrated SQLite template, or
    the emptied PostgreSQL test database)."""
    if postgres_url:
        engine = create_engine(postgres_url)
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
        await engine.dispose()
        url = postgres_url
    else:
        shutil.copyfile(template, folder / "matrix.db")
        url = f"sqlite+aiosqlite:///{folder / 'matrix.db'}"
    app = create_app(
        Settings(database_url=url, service_token=SERVICE_TOKEN),
        clock=Clock(),
        run_housekeeping=False,
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://backend") as api:
            yield World(api, app)


@contextlib.asynccontextmanager
async def undone(world: World) -> AsyncIterator[World]:
    """The same backend, every request in one transaction that is rolled back at the end:
    what a call changes is judged alone, and gone before the next."""
    committed = world.app.state.sessions
    async with world.app.state.engine.connect() as connection:
        transaction = await connection.begin()
        world.app.state.sessions = async_sessionmaker(
            bind=connection,
            class_=AsyncSession,
            expire_on_commit=False,
            join_transaction_mode="create_savepoint",
        )
        try:
            yield world
        finally:
            world.app.state.sessions = committed
            await transaction.rollback()


WRITTEN: tuple[type[SQLModel], ...] = (
    AuditEvent, ChangeRequest, ChatAccount, Client, Invitation, Notification, Relative,
    RelativeLink, Staff, Visit, VisitNote,
)  # fmt: skip


async def snapshot(world: World) -> dict[str, Any]:
    """Row counts, versions and consents: what any write would change."""
    async with world.app.state.sessions() as session:
        found: dict[str, Any] = {
            model.__name__: (await session.exec(select(func.count()).select_from(model))).one()
            for model in WRITTEN
        }
        found["visit versions"] = (await session.exec(select(func.sum(Visit.version)))).one()
        found["request versions"] = (
            await session.exec(select(func.sum(ChangeRequest.version)))
        ).one()
        links = (await session.exec(select(RelativeLink).order_by(col(RelativeLink.id)))).all()
        found["consents"] = [(link.scopes, link.revoked_at) for link in links]
    return found


async def test_every_caller_gets_the_answer_the_matrix_gives(
    migrated_template: str, postgres_url: str | None, tmp_path: Path
) -> None:
    matrix = parse(MATRIX)
    wrong: list[str] = []
    ids = Ids()

    async def judge(world: World, route: Route, caller: str, expected: int) -> None:
        (path, kwargs), setup = recipe(route, ids)
        if setup is not None and expected < 300:
            await setup(world.api, ids)
        before = await snapshot(world) if expected >= 400 else None
        r = await world.api.request(route[0], path, headers=headers(caller, route[1]), **kwargs)
        if r.status_code != expected:
            wrong.append(
                f"{route[0]} {route[1]} as {caller}: {r.status_code}, not {expected}: "
                f"{r.text[:120]}"
            )
        elif before is not None and await snapshot(world) != before:
            wrong.append(f"{route[0]} {route[1]} as {caller}: refused, but wrote something")

    def alone(route: Route, expected: int) -> bool:
        """A success that changes what other cells see is judged on a copy of its own."""
        return expected < 400 and route[0] != "GET" and route not in REPEATABLE

    async with arranged(migrated_template, postgres_url, tmp_path) as world:
        await arrange(world.app.state.sessions, world.api, ids)
        for route, answers in matrix.items():
            for caller, expected in answers.items():
                if not alone(route, expected):
                    await judge(world, route, caller, expected)
        for route, answers in matrix.items():
            for caller, expected in answers.items():
                if alone(route, expected):
                    async with undone(world):
                        await judge(world, route, caller, expected)
    assert wrong == []
