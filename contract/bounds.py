"""Bounded types for what the API takes: a number past a column's range, a date past the
calendar's end or a control character in a text is a 422 with the field's name, never a 5xx."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field
from pydantic_core import PydanticCustomError

# PostgreSQL's integer is 32-bit.
MAX_ID = 2_147_483_647
# Telegram ids are 64-bit and fit in a double, as Telegram promises.
TELEGRAM_ID_MAX = 2**53

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Minutes = Annotated[int, Field(ge=0, le=24 * 60)]
TelegramId = Annotated[int, Field(ge=-TELEGRAM_ID_MAX, le=TELEGRAM_ID_MAX)]

# Home care happens in this century: anything else is a typing error (and dates near the
# calendar's end would overflow when a day is added to them).
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)


def _day_in_range(day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise PydanticCustomError(
            "date_out_of_range",
            "a date from {first} to {last}",
            {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
        )
    return day


def _moment_in_range(moment: datetime) -> datetime:
    _day_in_range(moment.astimezone(UTC).date())
    return moment


Day = Annotated[date, AfterValidator(_day_in_range)]
Moment = Annotated[AwareDatetime, AfterValidator(_moment_in_range)]

# Line breaks and tabs are text; every other control character (NUL above all, which
# PostgreSQL cannot store) and a lone surrogate (which is no character at all) are refused.
TEXT_WHITESPACE = frozenset("\n\r\t")


def _refuse_controls(text: str, allowed: frozenset[str]) -> str:
    for character in text:
        if character in allowed:
            continue
        if unicodedata.category(character) in ("Cc", "Cs"):
            raise PydanticCustomError(
                "control_character",
                "no control characters (found {character})",
                {"character": f"U+{ord(character):04X}"},
            )
    return text


def _one_line(text: str) -> str:
    return _refuse_controls(text, frozenset())


def _text(text: str) -> str:
    return _refuse_controls(text, TEXT_WHITESPACE)


Line = Annotated[str, AfterValidator(_one_line)]  # a name, a code, a language
Text = Annotated[str, AfterValidator(_text)]  # what someone wrote: lines allowed
