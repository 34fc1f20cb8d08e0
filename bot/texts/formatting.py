"""Dates, times, durations, lists and names of things, formatted by Babel for the user's
language (call inside the i18n context: a handler's, or ``i18n.use_locale``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from functools import cache, lru_cache
from html import escape

from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.lists import format_list
from babel.support import LazyProxy
from babel.units import format_unit

from contract import TZ, FrequencyUnit, ServiceCode, babel_locale

__all__ = [
    "LANGUAGES",
    "SERVICE_NAMES",
    "current_language_name",
    "escape",
    "fmt_clock",
    "fmt_day",
    "fmt_duration",
    "fmt_list",
    "fmt_short_day",
    "fmt_time",
    "local",
    "locale",
    "service_name",
    "services_text",
]

LANGUAGES = {"sv": "Svenska", "fi": "Suomi", "ar": "العربية", "en": "English"}

# The name of every service of the catalogue (contract.ServiceCode), in the user's language.
SERVICE_NAMES: dict[ServiceCode, LazyProxy] = {
    ServiceCode.CLEANING: __("cleaning"),
    ServiceCode.LAUNDRY: __("laundry"),
    ServiceCode.SHOPPING: __("shopping"),
    ServiceCode.MEAL: __("meal"),
    ServiceCode.HYGIENE: __("personal hygiene"),
    ServiceCode.SHOWER: __("shower"),
    ServiceCode.DRESSING: __("dressing"),
    ServiceCode.WALK: __("walk"),
    ServiceCode.COMPANY: __("companionship"),
    ServiceCode.SUPERVISION: __("safety check"),
}

SERVICE_CODES = frozenset(ServiceCode)

# Weekday, day and month as each language writes them (Finnish: "tiistai 24. marraskuuta").
DAY_PATTERNS = {"fi": "cccc d. MMMM", "ar": "EEEE، d MMMM"}


def locale() -> Locale:
    """The Babel locale for the user's language."""
    return _parsed(get_i18n().current_locale)


@cache
def _parsed(language: str) -> Locale:
    """Parsed once per language: Babel parses a locale given by name on every call."""
    return Locale.parse(babel_locale(language))


def current_language_name() -> str:
    code = get_i18n().current_locale
    return LANGUAGES.get(code, code)


def local(moment: datetime) -> datetime:
    """A moment in the time zone the plans are made in (contract.TZ)."""
    return moment.astimezone(TZ)


# The formatters below are pure functions of the language and a few numbers, and Babel's
# pattern work is most of a reply's text: each result is kept (a few thousand at most).
KEPT_FORMATS = 4096


def fmt_time(moment: datetime) -> str:
    at = local(moment)
    return _clock(get_i18n().current_locale, at.hour, at.minute)


@lru_cache(maxsize=KEPT_FORMATS)
def _clock(language: str, hour: int, minute: int) -> str:
    return format_time(time(hour, minute), format="short", locale=_parsed(language))


def fmt_day(day: date | datetime) -> str:
    """Weekday, day and month: "tisdag 24 november"."""
    if isinstance(day, datetime):
        day = local(day).date()
    return _day(get_i18n().current_locale, day)


@lru_cache(maxsize=KEPT_FORMATS)
def _day(language: str, day: date) -> str:
    pattern = DAY_PATTERNS.get(language, "EEEE d MMMM")
    return format_date(day, format=pattern, locale=_parsed(language))


def fmt_short_day(day: date | datetime) -> str:
    """A day in a few letters, for a button, as the language writes it short: "tis 24/11",
    "ti 24.11." in Finnish."""
    if isinstance(day, datetime):
        day = local(day).date()
    return format_skeleton("MEd", day, locale=locale())


def fmt_clock(hhmm: str) -> str:
    """A wall-clock time from the backend ("07:00") in the user's format."""
    try:
        at = time.fromisoformat(hhmm)
    except ValueError:
        return hhmm
    return _clock(get_i18n().current_locale, at.hour, at.minute)


def fmt_duration(minutes: int) -> str:
    """'1 h 20 min' in the user's language (Babel's unit data)."""
    return _duration(get_i18n().current_locale, abs(int(minutes)))


@lru_cache(maxsize=KEPT_FORMATS)
def _duration(language: str, minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(format_unit(hours, "duration-hour", length="short", locale=_parsed(language)))
    if rest or not hours:
        parts.append(
            format_unit(rest, "duration-minute", length="short", locale=_parsed(language))
        )
    return " ".join(parts)


def fmt_list(items: Iterable[str]) -> str:
    """ "a, b and c" as the user's language writes it."""
    return format_list(list(items), locale=locale())


def per_unit(per: str) -> str:
    """ "per day", "per week", "per month" for a granted frequency's unit."""
    words = {
        FrequencyUnit.DAY: _("per day"),
        FrequencyUnit.WEEK: _("per week"),
        FrequencyUnit.MONTH: _("per month"),
    }
    return words.get(FrequencyUnit(per), "")


def service_name(code: str) -> str:
    """A service's name; a code this bot does not know (from a newer backend) as it is."""
    name = SERVICE_NAMES.get(ServiceCode(code)) if code in SERVICE_CODES else None
    return str(name) if name is not None else code


def services_text(codes: Sequence[ServiceCode], declined: Sequence[ServiceCode] = ()) -> str:
    names = [service_name(c) for c in codes if c not in declined]
    return fmt_list(names) if names else _("nothing planned")
