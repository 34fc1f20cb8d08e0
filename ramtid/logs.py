"""Logging for every process: what is written never carries care data (names, personal
identity numbers, note or wish text) or SQL parameters, at any level.

The first line is in the code: our log calls carry ids and codes only, and the database
engine hides SQL parameters (``hide_parameters=True``). This module is the second line, a
filter on every handler the processes write through:

- the loggers of the database layer (SQLAlchemy's engine, aiosqlite, asyncpg) keep their
  words and lose their values: parameters, rows and driver call arguments become "[hidden]";
- an exception is written as its type and its traceback's frames (file, line, code), never
  its message, which may quote a value (asyncpg's "invalid input for query argument $1:
  'Lisa ...'", pydantic's "input_value=..."). A database error keeps its SQLSTATE; a
  network error (OSError) keeps its message, which holds addresses, not people;
- anything shaped like a Swedish personal identity number is replaced.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from typing import Any

HIDDEN = "[hidden]"
# Loggers that pass values (SQL parameters, rows, driver calls) as arguments.
VALUE_LOGGERS = ("sqlalchemy.engine", "sqlalchemy.pool", "aiosqlite", "asyncpg")
# Exceptions whose message is about the machine, not about a person.
SAFE_MESSAGES: tuple[type[BaseException], ...] = (OSError, TimeoutError)
# YYMMDD-NNNN or YYYYMMDDNNNN, with or without the dash or plus (samordningsnummer too).
PERSONAL_NUMBER = re.compile(r"(?<!\d)(?:\d{2})?\d{6}[-+]?\d{4}(?!\d)")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _plain(value: Any) -> bool:
    """Words and numbers (a statement's text, timings); not parameters, rows or calls."""
    return isinstance(value, bool | int | float | str)


def describe(exc: BaseException) -> str:
    """An exception as its type (and SQLSTATE, or a network error's own words)."""
    kind = type(exc)
    name = f"{kind.__module__}.{kind.__qualname__}"
    if isinstance(exc, SAFE_MESSAGES):
        return f"{name}: {exc}"
    origin = getattr(exc, "orig", None) or exc
    state = getattr(origin, "sqlstate", None) or getattr(origin, "pgcode", None)
    return f"{name} (SQLSTATE {state})" if state else name


def redacted_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` and what caused it, with every message left out."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        explicit = current.__cause__ is not None or current.__suppress_context__
        current = current.__cause__ if explicit else current.__context__
    parts: list[str] = []
    for index, link in enumerate(reversed(chain)):
        if index:
            parts.append("\nwhich led to:\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(link.__traceback__))
        parts.append(describe(link) + "\n")
    return "".join(parts).rstrip("\n")


def _no_personal_numbers(text: str) -> str:
    return PERSONAL_NUMBER.sub(HIDDEN, text)


class CareDataFilter(logging.Filter):
    """The second line (see the module): changes each record so it carries no care data."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(VALUE_LOGGERS) and record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(a if _plain(a) else HIDDEN for a in args)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redacted_traceback(record.exc_info[1])
            record.exc_info = None
        message = record.getMessage()
        cleaned = _no_personal_numbers(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_text:
            record.exc_text = _no_personal_numbers(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: when, level, logger, the (filtered) message, the process and
    the redacted traceback. The filter has run first: ids and codes only."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "at": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def guard(handler: logging.Handler) -> logging.Handler:
    """``handler`` with the filter and the common format."""
    handler.addFilter(CareDataFilter())
    if handler.formatter is None:
        handler.setFormatter(logging.Formatter(FORMAT))
    return handler


def configure(level: str | int, handler: logging.Handler | None = None) -> logging.Handler:
    """Every record of this process goes through ``handler`` (standard error by default),
    guarded. uvicorn's loggers propagate here (it is started with ``log_config=None``)."""
    handler = guard(handler or logging.StreamHandler())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # aiosqlite logs each driver call with its SQL parameters at DEBUG: not even created.
    logging.getLogger("aiosqlite").setLevel(max(logging.INFO, logging.getLogger().level))
    return handler
