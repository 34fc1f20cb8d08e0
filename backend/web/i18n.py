"""The web pages' language: the same Babel catalogs as the bot (domain ``messages``), the
staff member's choice or the browser's Accept-Language, Swedish by default. Dates, times,
durations and lists are formatted by Babel for the page's locale."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from babel import Locale, negotiate_locale
from babel.dates import format_date, format_datetime, get_day_names
from babel.lists import format_list
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from contract import LANGUAGES, TZ, FrequencyUnit, Scope, ServiceCode, StaffRole, babel_locale

WEB_LOCALES = ("sv", "en")  # the pages; invitation letters come in every client language
LETTER_LOCALES = LANGUAGES
DEFAULT = "sv"


@lru_cache(maxsize=16)
def translations(locales_dir: Path, locale: str) -> NullTranslations:
    return Translations.load(str(locales_dir), [locale], domain="messages")


def negotiate(accept_language: str | None, available: tuple[str, ...] = WEB_LOCALES) -> str:
    """The first of the browser's languages (by weight) that the pages speak."""
    wanted: list[tuple[float, str]] = []
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        if tag:
            wanted.append((weight, tag.replace("_", "-").lower()))
    ordered = [tag for _, tag in sorted(wanted, key=lambda item: -item[0])]
    found = negotiate_locale(ordered, list(available), sep="-") or negotiate_locale(
        [tag.split("-")[0] for tag in ordered], list(available)
    )
    return found or DEFAULT


class Words:
    """One page's language: gettext with ``str.format`` placeholders, and Babel formats."""

    def __init__(self, locales_dir: Path, locale: str) -> None:
        self.locale = locale
        self.babel = Locale.parse(babel_locale(locale))
        self.translations = translations(locales_dir, locale)

    @property
    def rtl(self) -> bool:
        return self.babel.text_direction == "rtl"

    def gettext(self, message: str, **values: Any) -> str:
        text = self.translations.gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        return self.translations.ngettext(singular, plural, n).format(n=n, **values)

    def date(self, value: date | None, style: str = "medium") -> str:
        return "" if value is None else format_date(value, style, locale=self.babel)

    def datetime(self, value: datetime | None) -> str:
        if value is None:
            return ""
        return format_datetime(value.astimezone(TZ), "medium", locale=self.babel)

    def clock(self, value: time | None) -> str:
        return "" if value is None else value.strftime("%H:%M")

    def weekday(self, index: int, width: Literal["abbreviated", "wide"] = "wide") -> str:
        # Babel numbers days from Monday = 0, as Python does.
        return str(get_day_names(width, locale=self.babel)[index])

    def minutes(self, total: int) -> str:
        """A duration as hours and minutes: "31 h 20 min"."""
        sign = "−" if total < 0 else ""
        hours, minutes = divmod(abs(total), 60)
        if hours and minutes:
            return sign + self.gettext("{hours} h {minutes} min", hours=hours, minutes=minutes)
        if hours:
            return sign + self.gettext("{hours} h", hours=hours)
        return sign + self.gettext("{minutes} min", minutes=minutes)

    def percent(self, value: float | None) -> str:
        """A signed deviation in per cent, to one decimal: "−31,0 %" in Swedish."""
        if value is None:
            return "–"
        return format_decimal(value, "+0.0;−0.0", locale=self.babel) + "\u00a0%"

    def service(self, code: str) -> str:
        name = SERVICE_NAMES.get(code)
        return self.gettext(name) if name else code

    def services(self, codes: list[str]) -> str:
        return format_list([self.service(c) for c in codes], locale=self.babel) if codes else ""

    def per(self, unit: FrequencyUnit | str) -> str:
        return self.gettext(PER[FrequencyUnit(unit)])

    def role(self, role: StaffRole | str) -> str:
        return self.gettext(ROLES[StaffRole(role)])

    def scope(self, scope: Scope | str) -> str:
        return self.gettext(SCOPES[Scope(scope)])

    def scopes(self, scopes: list[Scope]) -> str:
        """A relative's consent as a list in the page's language ("a, b and c")."""
        return format_list([self.scope(s) for s in scopes], locale=self.babel)

    def language(self, code: str) -> str:
        return Locale.parse(code).get_display_name(self.babel) or code


def N_(message: str) -> str:
    return message


# The same English words as the bot's, so both read them from one entry of the catalog.
SERVICE_NAMES: dict[str, str] = {
    ServiceCode.CLEANING: N_("cleaning"),
    ServiceCode.LAUNDRY: N_("laundry"),
    ServiceCode.SHOPPING: N_("shopping"),
    ServiceCode.MEAL: N_("meal"),
    ServiceCode.HYGIENE: N_("personal hygiene"),
    ServiceCode.SHOWER: N_("shower"),
    ServiceCode.DRESSING: N_("dressing"),
    ServiceCode.WALK: N_("walk"),
    ServiceCode.COMPANY: N_("companionship"),
    ServiceCode.SUPERVISION: N_("safety check"),
}
PER = {
    FrequencyUnit.DAY: N_("per day"),
    FrequencyUnit.WEEK: N_("per week"),
    FrequencyUnit.MONTH: N_("per month"),
}
ROLES = {
    StaffRole.CARER: N_("carer"),
    StaffRole.PLANNER: N_("planner"),
    StaffRole.MANAGER: N_("manager"),
    StaffRole.ASSESSOR: N_("assessor"),
}
SCOPES = {
    Scope.VISITS: N_("sees the visits"),
    Scope.REQUESTS: N_("asks for changes"),
    Scope.NOTES: N_("reads the visit notes"),
}

current_words: ContextVar[Words] = ContextVar("current_words")
