"""Importing the assessor's orders from a file (JSON or CSV), all or nothing.

A row is one order: the client's personal identity number, needs and purpose, the period
(month or week), frame hours, valid from/to, decided on, and the granted services as
``meal:3/day; shower:1/week``. Every bad field of every row is reported with its row number
(CSV: the line in the file; JSON: the order's position, from 1) and nothing is written when
any row is bad. The rows are checked first and shown as a preview; writing checks them again.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import Client, Order
from backend.services import records
from backend.services.access import Actor
from contract import FrequencyUnit, Period, ServiceCode

MAX_BYTES = 1_000_000
MAX_ROWS = 2000
COLUMNS = (
    "personal_number",
    "needs",
    "purpose",
    "period",
    "frame_hours",
    "valid_from",
    "valid_to",
    "decided_on",
    "services",
)
REQUIRED = ("personal_number", "period", "frame_hours", "valid_from", "decided_on", "services")
SERVICE = re.compile(r"^\s*([a-z_]+)\s*:\s*(\d+)\s*/\s*(day|week|month)\s*$")


class ImportProblem:
    """Why a field is refused (stable codes; the page puts them into words)."""

    MISSING = "missing"
    NOT_A_DATE = "not_a_date"
    NOT_HOURS = "not_hours"
    UNKNOWN_PERIOD = "unknown_period"
    BAD_SERVICES = "bad_services"
    UNKNOWN_SERVICE = "unknown_service"
    UNKNOWN_CLIENT = "unknown_client"
    CARE_ENDED = "care_ended"
    ENDS_BEFORE_START = "ends_before_start"
    NOT_AFTER_CURRENT = "not_after_current"
    TWICE_IN_FILE = "twice_in_file"
    UNREADABLE = "unreadable"
    TOO_LARGE = "too_large"
    UNKNOWN_COLUMN = "unknown_column"


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    problem: str
    value: str = ""


@dataclass(frozen=True)
class ImportRow:
    row: int
    client: Client
    fields: records.OrderFields


@dataclass
class ImportResult:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def read_rows(
    content: bytes, filename: str
) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """The file's rows as (row number, fields), CSV or JSON by name or by content."""
    if len(content) > MAX_BYTES:
        return [], [RowError(0, "file", ImportProblem.TOO_LARGE)]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [RowError(0, "file", ImportProblem.UNREADABLE)]
    if filename.lower().endswith(".json") or text.lstrip().startswith(("[", "{")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return [], [RowError(0, "file", ImportProblem.UNREADABLE)]
        if isinstance(data, dict):
            data = data.get("orders")
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            return [], [RowError(0, "file", ImportProblem.UNREADABLE)]
        return [(index + 1, item) for index, item in enumerate(data[:MAX_ROWS])], []
    # Swedish spreadsheets write ";" between columns, others ","; the header line tells.
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    unknown = [name for name in reader.fieldnames or [] if name.strip() not in COLUMNS]
    if not reader.fieldnames or unknown:
        return [], [RowError(1, name, ImportProblem.UNKNOWN_COLUMN) for name in unknown] or [
            RowError(0, "file", ImportProblem.UNREADABLE)
        ]
    rows = []
    for item in reader:
        if reader.line_num > MAX_ROWS + 1:
            break
        rows.append((reader.line_num, {k.strip(): v for k, v in item.items() if k}))
    return rows, []


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _date(row: int, name: str, value: Any, errors: list[RowError]) -> date | None:
    text = _text(value)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(RowError(row, name, ImportProblem.NOT_A_DATE, text))
        return None


def _services(row: int, value: Any, errors: list[RowError]) -> tuple[records.GrantedFields, ...]:
    items: list[Any]
    if isinstance(value, list):
        items = value
    else:
        items = [part for part in _text(value).split(";") if part.strip()]
    granted = []
    for item in items:
        if isinstance(item, dict):
            code, count, per = (
                _text(item.get("code")),
                _text(item.get("count")),
                _text(item.get("per")),
            )
        else:
            match = SERVICE.match(str(item).lower())
            if match is None:
                errors.append(RowError(row, "services", ImportProblem.BAD_SERVICES, str(item)))
                continue
            code, count, per = match.groups()
        if code not in ServiceCode.__members__.values():
            errors.append(RowError(row, "services", ImportProblem.UNKNOWN_SERVICE, code))
            continue
        if not count.isdigit() or not 1 <= int(count) <= 50 or per not in ("day", "week", "month"):
            errors.append(
                RowError(row, "services", ImportProblem.BAD_SERVICES, f"{code}:{count}/{per}")
            )
            continue
        granted.append(records.GrantedFields(ServiceCode(code), int(count), FrequencyUnit(per)))
    return tuple(granted)


async def check(
    session: AsyncSession, *, actor: Actor, content: bytes, filename: str
) -> ImportResult:
    """Every row parsed and checked against the unit's clients and their orders; nothing is
    written."""
    staff = records.require_keeper(actor)
    raw, errors = read_rows(content, filename)
    result = ImportResult(errors=list(errors))
    clients = {
        c.personal_number: c
        for c in (await session.exec(select(Client).where(Client.unit_id == staff.unit_id))).all()
        if c.personal_number
    }
    latest: dict[int, date] = {}
    for order in (
        await session.exec(
            select(Order).where(col(Order.client_id).in_([c.id for c in clients.values()]))
        )
    ).all():
        latest[order.client_id] = max(
            latest.get(order.client_id, order.valid_from), order.valid_from
        )
    seen: set[int] = set()
    for row, item in raw:
        problems: list[RowError] = []
        for name in REQUIRED:
            if not _text(item.get(name)) and not (name == "services" and item.get(name)):
                problems.append(RowError(row, name, ImportProblem.MISSING))
        client = None
        number = _text(item.get("personal_number"))
        if number:
            try:
                client = clients.get(records.normalize_personal_number(number))
            except ValueError:
                client = None
            if client is None:
                problems.append(RowError(row, "personal_number", ImportProblem.UNKNOWN_CLIENT))
            elif client.care_ended_on is not None:
                problems.append(RowError(row, "personal_number", ImportProblem.CARE_ENDED))
        period_text = _text(item.get("period")).lower()
        period = None
        if period_text:
            if period_text in ("month", "week"):
                period = Period(period_text)
            else:
                problems.append(RowError(row, "period", ImportProblem.UNKNOWN_PERIOD, period_text))
        hours_text = _text(item.get("frame_hours")).replace(",", ".")
        minutes = None
        if hours_text:
            try:
                hours = Decimal(hours_text)
                if not Decimal(0) < hours <= Decimal(744):
                    raise InvalidOperation
                minutes = int(hours * 60)
            except InvalidOperation:
                problems.append(RowError(row, "frame_hours", ImportProblem.NOT_HOURS, hours_text))
        valid_from = _date(row, "valid_from", item.get("valid_from"), problems)
        valid_to = _date(row, "valid_to", item.get("valid_to"), problems)
        decided_on = _date(row, "decided_on", item.get("decided_on"), problems)
        if valid_from and valid_to and valid_to < valid_from:
            problems.append(RowError(row, "valid_to", ImportProblem.ENDS_BEFORE_START))
        services = _services(row, item.get("services"), problems)
        if client is not None and client.id is not None:
            if client.id in seen:
                problems.append(RowError(row, "personal_number", ImportProblem.TWICE_IN_FILE))
            seen.add(client.id)
            current = latest.get(client.id)
            if valid_from and current and valid_from <= current:
                problems.append(
                    RowError(
                        row, "valid_from", ImportProblem.NOT_AFTER_CURRENT, current.isoformat()
                    )
                )
        if problems:
            result.errors += problems
            continue
        assert client is not None and period and minutes and valid_from and decided_on
        result.rows.append(
            ImportRow(
                row,
                client,
                records.OrderFields(
                    needs=_text(item.get("needs")),
                    purpose=_text(item.get("purpose")),
                    period=period,
                    frame_minutes=minutes,
                    valid_from=valid_from,
                    valid_to=valid_to,
                    decided_on=decided_on,
                    services=services,
                ),
            )
        )
    return result


async def run(
    session: AsyncSession, *, actor: Actor, content: bytes, filename: str
) -> ImportResult:
    """Check every row, then write every order, or none when any row is bad."""
    result = await check(session, actor=actor, content=content, filename=filename)
    if result.ok:
        for row in result.rows:
            await records.add_order(
                session, actor=actor, client_id=row.client.id or 0, fields=row.fields
            )
    return result
