"""Reading a submitted form field by field: each field's value, or the reason it is refused
(a code the page shows next to the field). Nothing is saved while any field is wrong."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TypeVar

from starlette.datastructures import FormData

from backend.web.i18n import N_

E = TypeVar("E", bound=StrEnum)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# What the page says next to a refused field.
PROBLEMS = {
    "required": N_("Please fill in this field."),
    "too_long": N_("This is too long."),
    "not_a_date": N_("Write a date as YYYY-MM-DD, for example 2026-12-01."),
    "not_a_time": N_("Write a time as HH:MM, for example 08:30."),
    "not_a_number": N_("Write a whole number."),
    "out_of_range": N_("The number is outside what is allowed."),
    "not_a_choice": N_("Choose one of the options."),
    "personal_number": N_("This is not a valid personal identity number (YYYYMMDD-NNNN)."),
    "ends_before_start": N_("The end must not be before the start."),
    "email": N_("Write an e-mail address, for example anna@example.se."),
}


@dataclass
class Form:
    data: FormData
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def fail(self, name: str, problem: str) -> None:
        self.errors.setdefault(name, problem)

    def raw(self, name: str) -> str:
        value = self.data.get(name)
        return value.strip() if isinstance(value, str) else ""

    def text(self, name: str, *, required: bool = False, max_length: int = 200) -> str:
        value = CONTROL.sub("", self.raw(name))
        if required and not value:
            self.fail(name, "required")
        if len(value) > max_length:
            self.fail(name, "too_long")
        return value

    def optional_date(self, name: str) -> date | None:
        value = self.raw(name)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(name, "not_a_date")
            return None

    def date(self, name: str, default: date) -> date:
        value = self.optional_date(name)
        if value is None and not self.raw(name):
            self.fail(name, "required")
        return value or default

    def time(self, name: str) -> dt.time:
        value = self.raw(name)
        try:
            return (
                dt.time.fromisoformat(value[:5])
                if re.fullmatch(r"\d\d:\d\d(:00)?", value)
                else (self._bad_time(name))
            )
        except ValueError:
            return self._bad_time(name)

    def _bad_time(self, name: str) -> dt.time:
        self.fail(name, "required" if not self.raw(name) else "not_a_time")
        return dt.time(0)

    def integer(self, name: str, *, low: int, high: int, default: int = 0) -> int:
        value = self.raw(name)
        if not value:
            self.fail(name, "required")
            return default
        if not re.fullmatch(r"-?\d{1,7}", value):
            self.fail(name, "not_a_number")
            return default
        number = int(value)
        if not low <= number <= high:
            self.fail(name, "out_of_range")
        return number

    def optional_id(self, name: str) -> int | None:
        value = self.raw(name)
        if not value:
            return None
        if not re.fullmatch(r"\d{1,9}", value):
            self.fail(name, "not_a_choice")
            return None
        return int(value)

    def choice(self, name: str, enum: type[E]) -> E:
        value = self.raw(name)
        try:
            return enum(value)
        except ValueError:
            self.fail(name, "required" if not value else "not_a_choice")
            return next(iter(enum))

    def choices(self, name: str, enum: type[E]) -> list[E]:
        chosen = []
        for value in self.data.getlist(name):
            try:
                chosen.append(enum(str(value)))
            except ValueError:
                self.fail(name, "not_a_choice")
        return chosen

    def checked(self, name: str) -> bool:
        return self.raw(name) in ("on", "1", "true", "yes")
