"""Understand a client's change wish typed (or transcribed from voice) in their own words.

``parse_wish("kan ni komma klockan tio i stället i morgon?", language="sv", now=...)`` gives
``Wish(kind=MOVE, day=<tomorrow>, at=10:00)``. Swedish, English, Finnish and Arabic are
understood; the client's own language is preferred, the others are used as a fallback because
people mix languages (and voice transcripts mix them even more). Arabic text is read with its
diacritics and tatweel removed, alef forms folded and Arabic-Indic digits as 0-9.

The parser is pure and rule based, in three stages:

1. **Tokens.** The text is lower-cased and split into words and number tokens
   ("10:30", "24.11.", "24/11", "2026-11-24", "24:e").
2. **Tags.** Word tables per language (``_SV``, ``_EN``, ``_FI``, ``_AR``) give every known word or
   phrase a tag (a day, a clock marker, a service, a cue such as "longer" or "cancel").
   The longest phrase wins; an exact word beats a word stem (``"städ*"``), a spelling
   without å/ä/ö ("istallet") or a one-letter typo (only for words of 7+ letters that
   are not themselves known words, e.g. "tomorow", "novembre").
3. **Meaning.** Shared, language-independent steps read the tagged words: durations, then
   dates, then clock times; then the kind of change is decided from the cues.

It never guesses: when the kind of change, a needed time or the day is unclear, it answers
``NotUnderstood`` with the hint that helps the client most.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import Enum, StrEnum, auto
from functools import lru_cache
from typing import Any

from contract import ServiceCode

# --------------------------------------------------------------------------------------
# Public contract
# --------------------------------------------------------------------------------------


class WishKind(StrEnum):
    MOVE = "move"  # come at another time/day
    LONGER = "longer"  # stay longer (minutes = by how much, None if not said)
    SHORTER = "shorter"
    CANCEL = "cancel"  # don't come (that visit)
    EXTRA = "extra"  # an extra visit
    SKIP_SERVICE = "skip_service"  # skip a service this time (service set)
    SWAP = "swap"  # X instead of Y (service = the one dropped, new_service = the one wanted)


class DayPart(StrEnum):
    """The part of the day a wish names for its visit: "besöket i kväll"."""

    MORNING = "morning"
    MIDDAY = "midday"  # said only by a meal: "lunchen", "lounas", "الغداء"
    AFTERNOON = "afternoon"
    EVENING = "evening"


@dataclass(frozen=True)
class Wish:
    kind: WishKind
    day: date | None = None  # the day the wish refers to (for MOVE: the day of the visit)
    at: time | None = None  # new time for MOVE/EXTRA
    minutes: int | None = None  # LONGER/SHORTER: by how much; EXTRA: length if said
    service: ServiceCode | None = None  # SWAP: the one given up
    new_service: ServiceCode | None = None  # SWAP: the one wanted instead
    part: DayPart | None = None  # the visit's part of the day, when said ("i kväll")
    visit_at: time | None = None  # the visit's own time, when said ("besöket kl 12")
    shift: int | None = None  # MOVE by minutes: later (+) or earlier (-) ("en timme senare")
    # MOVE to another day ("flytta duschen till torsdag", "duschen på torsdag i stället för
    # onsdag"): the day it goes to; ``day`` is then the visit's own day, when said
    new_day: date | None = None
    # MOVE by whole days ("en dag senare", "two days earlier"), at the visit's own time
    day_shift: int | None = None
    # CANCEL while away for several days ("från onsdag till fredag", "lördag och söndag",
    # "i helgen"): each of them, in order; ``day`` is the first
    away_days: tuple[date, ...] = ()


class Hint(StrEnum):
    NO_TIME = "no_time"  # a move/extra was understood but no time was given
    BAD_TIME = "bad_time"  # e.g. "25:70", "kl 31"
    PAST_DATE = "past_date"  # the day/time is already past (relative to now)
    GREETING = "greeting"  # "hej", "hei", "مرحبا": no wish, a greeting
    THANKS = "thanks"  # "tack", "kiitos", "شكرا"
    ASKS_PLAN = "asks_plan"  # "vem kommer idag?": a question about the plan (``day``)
    NOT_UNDERSTOOD = "not_understood"


@dataclass(frozen=True)
class NotUnderstood:
    hint: Hint
    day: date | None = None  # ASKS_PLAN: the day asked about


SERVICES = tuple(code.value for code in ServiceCode)  # the codes a wish can name

_LANGUAGES = ("sv", "en", "fi", "ar")


# --------------------------------------------------------------------------------------
# Tags
# --------------------------------------------------------------------------------------


class _T(Enum):
    """What a word or phrase means to the parser (the value is in ``_Item.value``)."""

    NUMBER = auto()  # a digit token, value = its text
    NUM = auto()  # number word, value = int ("tio", "ten", "kymmenen")
    ARTICLE = auto()  # "en", "a", "an": counts as 1 in "en timme", never a clock hour
    DAY = auto()  # relative day, value = offset from today
    WEEKDAY = auto()  # value = 0 (Monday) .. 6; means the next such day
    LAST_WEEKDAY = auto()  # "i fredags", "last Friday": the previous such day
    MONTH = auto()  # value = 1..12; only counts next to a day number
    CLOCK = auto()  # "kl", "at", "klo"; value True = strong (a number after it is a time)
    AT_HOUR = auto()  # a word that is itself a time: "kymmeneltä", "tiotiden", "noon"
    HALF = auto()  # sv "halv", fi "puoli": half an hour BEFORE the hour ("halv elva" = 10:30)
    PAST = auto()  # "över", "past", "yli"
    TO = auto()  # "i", "to", "vaille"; value True = may also introduce a time ("to 3 pm")
    MINWORD = auto()  # minutes in clock phrases: "kvart", "quarter", "half" (en), "vartti"
    OCLOCK = auto()  # "o'clock"
    AMPM = auto()  # value "am" / "pm"
    PM_PART = auto()  # afternoon/evening; value = day offset when it also names the day
    AM_PART = auto()  # morning; value = day offset when it also names the day
    UNIT = auto()  # duration unit, value = (minutes per unit, needs a number before it)
    DURATION = auto()  # a whole duration phrase, value = minutes ("half an hour")
    COUNT = auto()  # "gånger", "days": a number before it is not a time
    SERVICE = auto()  # value = a code from SERVICES
    VISIT = auto()  # "besök", "visit", "käynti"
    LONGER = auto()
    SHORTER = auto()
    CANCEL = auto()
    AWAY = auto()  # "jag är bortrest", "I'm away": the day's visit is cancelled (a day is needed)
    WEEKEND = auto()  # "i helgen", "the weekend": the coming Saturday and Sunday
    WEEK = auto()  # value 1: "nästa vecka" (Monday to Sunday); 0: "hela veckan" (to Sunday)
    BACK = auto()  # "kommer hem (på måndag)": the day an absence ends, home again
    SKIP = auto()
    EXTRA = auto()  # an extra visit, unambiguous ("extra besök")
    EXTRA_WEAK = auto()  # "extra" alone: an extra visit, or extra minutes when a duration is said
    MORE = auto()  # "mer", "more", "lisää": longer when a duration is said
    MOVE = auto()  # "flytta", "move", "siirtää", "later"
    COME = auto()  # "komma", "come", "tulla"
    STAY = auto()  # "stanna", "stay": longer when a duration is said
    INSTEAD = auto()  # "i stället", "instead": a move
    SWAP_BEFORE = auto()  # "i stället för X", "instead of X": the dropped thing follows
    SWAP_AFTER = auto()  # fi "X:n sijaan": the dropped thing comes before
    SWAP_VERB = auto()  # "byt X mot Y", "replace X with Y": first dropped, second wanted
    NEG = auto()  # "inte", "not", "ei"
    FROM = auto()  # "från", "from": the time after it is the old one
    QUESTION = auto()  # "när", "who", "milloin": a question about the plan, not a wish
    GREETING = auto()  # "hej", "hello", "hei", "مرحبا"
    THANKS = auto()  # "tack", "thanks", "kiitos", "شكرا"
    PLUS_MIN = auto()  # ar "والنصف" after a time: value = minutes to add (may be negative)
    FILLER = auto()  # known words with no meaning here ("kan ni inte", "snälla" ...)


# A word table maps a tag to its phrases: a dict (phrase -> value) or a tuple (value None).
# A phrase is one or more words separated by spaces; a trailing "*" on the last word
# matches any ending ("städ*" matches "städa", "städningen").
_Table = dict[_T, dict[str, Any] | tuple[str, ...]]


def _forms(names: list[str], *patterns: str) -> dict[str, int]:
    """Weekday forms: ``{pattern.format(name): index}`` for each weekday name."""
    return {p.format(name): i for i, name in enumerate(names) for p in patterns}


_SV_DAYS = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]
_EN_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_FI_DAYS = ["maanantai", "tiistai", "keskiviik", "torstai", "perjantai", "lauantai", "sunnuntai"]

_SV_HOURS = {
    "ett": 1,
    "två": 2,
    "tre": 3,
    "fyra": 4,
    "fem": 5,
    "sex": 6,
    "sju": 7,
    "åtta": 8,
    "nio": 9,
    "tio": 10,
    "elva": 11,
    "tolv": 12,
}

# fmt: off
_SV: _Table = {
    _T.DAY: {
        "idag": 0, "i dag": 0, "dagens": 0,
        "i morgon": 1, "imorgon": 1, "i morron": 1, "imorron": 1, "i morrn": 1, "imorrn": 1,
        "i morn": 1, "imorn": 1, "morgondagens": 1,
        "i övermorgon": 2, "iövermorgon": 2, "övermorgon": 2,
        "i går": -1, "igår": -1, "i förrgår": -2, "iförrgår": -2,
    },
    _T.WEEKDAY: _forms(_SV_DAYS, "{}", "{}en"),
    _T.LAST_WEEKDAY: _forms(_SV_DAYS, "i {}s", "förra {}en"),
    _T.MONTH: {
        "januari": 1, "jan": 1, "februari": 2, "feb": 2, "mars": 3, "mar": 3, "april": 4,
        "apr": 4, "maj": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augusti": 8, "aug": 8,
        "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11,
        "nov": 11, "december": 12, "dec": 12,
    },
    _T.NUM: {
        **_SV_HOURS, "tretton": 13, "fjorton": 14, "femton": 15, "sexton": 16, "sjutton": 17,
        "arton": 18, "nitton": 19, "tjugo": 20, "tjugofem": 25, "trettio": 30, "fyrtio": 40,
        "fyrtiofem": 45, "femtio": 50, "sextio": 60, "nittio": 90,
    },
    _T.ARTICLE: {"en": 1},
    # "vid tiotiden" = at about ten
    _T.AT_HOUR: {f"{w}{end}": h for w, h in _SV_HOURS.items() for end in ("tiden", "-tiden")},
    _T.CLOCK: {
        "kl": True, "klockan": True, "klocka": True,
        "till": False, "vid": False, "runt": False, "omkring": False, "cirka": False, "ca": False,
        "ungefär": False,
    },
    _T.HALF: ("halv",),
    _T.PAST: ("över",),
    _T.TO: {"i": False},
    _T.MINWORD: {"kvart": 15},
    _T.AMPM: {"fm": "am", "em": "pm"},
    _T.PM_PART: {
        "på eftermiddagen": None, "eftermiddagen": None, "eftermiddag": None, "i eftermiddag": 0,
        "på kvällen": None, "kvällen": None, "kväll": None, "i kväll": 0, "ikväll": 0,
    },
    _T.AM_PART: {
        "på morgonen": None, "morgonen": None, "morgon": None, "på förmiddagen": None,
        "förmiddagen": None, "förmiddag": None, "i förmiddag": 0, "bitti": None,
    },
    _T.UNIT: {
        "min": (1, True), "minut": (1, True), "minuter": (1, True), "minuten": (1, True),
        "minuters": (1, True), "h": (60, True), "tim": (60, True), "timmar": (60, True),
        "timme": (60, False), "timmen": (60, False), "timma": (60, False),
        "halvtimme": (30, False), "halvtimma": (30, False), "halvtimmen": (30, False),
    },
    _T.DURATION: {"halv timme": 30, "halv timma": 30, "en och en halv timme": 90,
                  "en och en halv timma": 90},
    _T.COUNT: ("gång", "gången", "gånger", "dag", "dagar", "dagen", "vecka", "veckor", "veckan"),
    _T.SERVICE: {
        "städ*": "cleaning", "tvätt*": "laundry", "handla*": "shopping", "handling*": "shopping",
        "inköp*": "shopping", "mat": "meal", "maten": "meal", "måltid*": "meal",
        "lunch*": "meal", "middag*": "meal", "frukost*": "meal", "hygien*": "hygiene",
        "dusch*": "shower", "påklädning*": "dressing", "klä på": "dressing",
        "klä på mig": "dressing", "promen*": "walk", "gå ut": "walk", "sällskap*": "company",
        "tillsyn*": "supervision",
    },
    _T.VISIT: ("besök*", "hjälp", "hjälpen"),
    _T.LONGER: ("längre", "förläng*", "mer tid", "extra tid"),
    _T.SHORTER: ("kortare", "förkort*", "mindre tid", "korta ner", "kort besök*"),
    _T.CANCEL: ("ställ in", "ställa in", "ställer in", "ställs in", "inställ*", "avbok*",
                "avbeställ*"),
    _T.AWAY: ("bortrest*", "är borta", "reser bort", "åker bort", "inte hemma", "på sjukhus",
              "på sjukhuset", "inlagd", "på kortis", "på korttids*", "på semester", "på resa",
              "ute och reser", "hos min dotter", "hos min son", "hos mina barn", "i stugan",
              "på landet", "på rehab"),
    _T.BACK: ("kommer hem", "hemma igen"),
    _T.WEEKEND: ("helgen", "helg"),
    _T.WEEK: {"nästa vecka": 1, "nästa veckan": 1, "veckan som kommer": 1, "hela veckan": 0,
              "resten av veckan": 0, "den här veckan": 0, "denna vecka": 0},
    _T.SKIP: ("hoppa över", "hoppar över", "skippa*", "stryk*", "strunta i"),
    _T.EXTRA: ("extra besök*", "extrabesök*", "extra gång*", "en gång till", "ett besök till",
               "ett till besök", "ett besök extra"),
    _T.EXTRA_WEAK: ("extra",),
    _T.MORE: ("mer", "mera"),
    _T.MOVE: ("flytta*", "ändra tid*", "byta tid*", "byt tid", "annan tid", "senare",
              "tidigare"),
    _T.COME: ("komma", "kom", "kommer", "komma hit"),
    _T.STAY: ("stanna*", "vara kvar"),
    _T.INSTEAD: ("i stället", "istället", "hellre"),
    _T.SWAP_BEFORE: ("i stället för", "istället för", "istf"),
    _T.SWAP_VERB: ("byt", "byta", "byter", "ersätt*"),
    _T.NEG: ("inte", "ej", "ingen", "inget", "inga", "icke"),
    _T.FROM: ("från",),
    _T.QUESTION: ("vem", "när", "vilken tid", "hur dags"),
    _T.FILLER: ("kan ni inte", "kunde ni inte", "skulle ni inte kunna", "går det inte",
                "till och med", "fram till", "ingen fara", "snälla", "nästa", "kommande", "på",
                "den", "kvar", "stad", "staden", "stan"),
    _T.GREETING: ("hej", "hejsan", "hallå", "god morgon", "goddag", "god dag", "god kväll",
                  "tjena", "hej hej"),
    _T.THANKS: ("tack", "tack så mycket", "tusen tack", "tackar"),
}

_EN: _Table = {
    _T.DAY: {"today": 0, "tomorrow": 1, "tommorow": 1, "tommorrow": 1, "tmrw": 1, "tmr": 1,
             "day after tomorrow": 2, "the day after tomorrow": 2, "yesterday": -1},
    _T.WEEKDAY: _forms(_EN_DAYS, "{}"),
    _T.LAST_WEEKDAY: _forms(_EN_DAYS, "last {}"),
    _T.MONTH: {
        "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
        "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
        "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11,
        "nov": 11, "december": 12, "dec": 12,
    },
    _T.NUM: {
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
        "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
        "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
        "twenty": 20, "twenty-five": 25, "twenty five": 25, "thirty": 30, "forty": 40,
        "forty-five": 45, "forty five": 45, "fifty": 50, "sixty": 60, "ninety": 90,
    },
    _T.ARTICLE: {"a": 1, "an": 1},
    _T.AT_HOUR: {"noon": 12, "midday": 12},
    _T.CLOCK: {"at": True, "around": False, "about": False},
    _T.PAST: ("past",),
    _T.TO: {"to": True},
    _T.MINWORD: {"quarter": 15, "half": 30},
    _T.OCLOCK: ("o'clock", "oclock", "o clock"),
    _T.AMPM: {"am": "am", "pm": "pm"},
    _T.PM_PART: {"in the afternoon": None, "afternoon": None, "this afternoon": 0,
                 "in the evening": None, "evening": None, "this evening": 0, "tonight": 0},
    _T.AM_PART: {"in the morning": None, "morning": None, "this morning": 0},
    _T.UNIT: {
        "min": (1, True), "mins": (1, True), "minute": (1, True), "minutes": (1, True),
        "h": (60, True), "hr": (60, True), "hrs": (60, True), "hours": (60, True),
        "hour": (60, False),
    },
    _T.DURATION: {"half an hour": 30, "half hour": 30, "quarter of an hour": 15,
                  "an hour and a half": 90, "one and a half hours": 90, "hour and a half": 90},
    _T.COUNT: ("times", "day", "days", "week", "weeks"),
    _T.SERVICE: {
        "clean*": "cleaning", "laundry": "laundry", "washing": "laundry",
        "shopping": "shopping", "groceries": "shopping", "meal*": "meal", "lunch": "meal",
        "dinner": "meal", "breakfast": "meal", "food": "meal", "hygiene": "hygiene",
        "shower*": "shower", "dressing": "dressing", "getting dressed": "dressing",
        "walk*": "walk", "company": "company", "supervision": "supervision",
        "check": "supervision",
    },
    _T.VISIT: ("visit*", "help"),
    _T.LONGER: ("longer", "extend*", "more time", "extra time"),
    _T.SHORTER: ("shorter", "shorten*", "less time", "short visit*"),
    _T.CANCEL: ("cancel*", "call off", "call it off"),
    _T.AWAY: ("away", "not home", "not at home", "out of town", "in hospital",
              "in the hospital", "on holiday", "on vacation", "travelling", "traveling",
              "at my daughter", "at my son", "in rehab"),
    _T.BACK: ("back home", "home again"),
    _T.WEEKEND: ("weekend",),
    _T.WEEK: {"next week": 1, "all week": 0, "this week": 0, "the whole week": 0,
              "rest of the week": 0},
    _T.SKIP: ("skip*", "without", "leave out"),
    _T.EXTRA: ("extra visit*", "another visit*", "additional visit*", "one more visit*"),
    _T.EXTRA_WEAK: ("extra",),
    _T.MORE: ("more",),
    _T.MOVE: ("move*", "reschedule*", "postpone*", "later", "earlier", "another time",
              "different time", "change the time"),
    _T.COME: ("come", "comes", "coming", "come over"),
    _T.STAY: ("stay*", "remain"),
    _T.INSTEAD: ("instead", "rather"),
    _T.SWAP_BEFORE: ("instead of", "rather than"),
    _T.SWAP_VERB: ("swap*", "switch*", "replace*", "exchange*"),
    _T.NEG: ("not", "don't", "dont", "do not", "no", "never"),
    _T.FROM: ("from",),
    _T.QUESTION: ("who", "when", "what time"),
    _T.FILLER: ("can't you", "cant you", "couldn't you", "couldnt you", "could you not",
                "can you not", "won't you", "no problem", "please", "next", "this", "on", "the"),
    _T.GREETING: ("hello", "hi", "hey", "good morning", "good afternoon", "good evening"),
    _T.THANKS: ("thanks", "thank you", "thank you very much", "thanks a lot"),
}

_FI: _Table = {
    _T.DAY: {"tänään": 0, "tämän päivän": 0, "huomenna": 1, "huomena": 1, "huomiseksi": 1,
             "huomisen": 1, "ylihuomenna": 2, "eilen": -1, "toissapäivänä": -2},
    _T.WEEKDAY: _forms(_FI_DAYS, "{}*"),
    _T.LAST_WEEKDAY: _forms(_FI_DAYS, "viime {}*"),
    _T.MONTH: {
        f"{stem}kuu*": i
        for i, stem in enumerate(
            ["tammi", "helmi", "maalis", "huhti", "touko", "kesä", "heinä", "elo", "syys",
             "loka", "marras", "joulu"],
            start=1,
        )
    },
    _T.NUM: {
        "yksi": 1, "yhden": 1, "kaksi": 2, "kahden": 2, "kolme": 3, "kolmen": 3, "neljä": 4,
        "viisi": 5, "viiden": 5, "kuusi": 6, "seitsemän": 7, "kahdeksan": 8, "yhdeksän": 9,
        "kymmenen": 10, "yksitoista": 11, "kaksitoista": 12, "kolmetoista": 13,
        "neljätoista": 14, "viisitoista": 15, "kuusitoista": 16, "seitsemäntoista": 17,
        "kahdeksantoista": 18, "yhdeksäntoista": 19, "kaksikymmentä": 20,
        "kaksikymmentäviisi": 25, "kolmekymmentä": 30, "neljäkymmentä": 40,
        "neljäkymmentäviisi": 45, "viisikymmentä": 50, "kuusikymmentä": 60,
    },
    # ablative "at ...": "kymmeneltä" = at ten
    _T.AT_HOUR: {
        "yhdeltä": 1, "kahdelta": 2, "kolmelta": 3, "neljältä": 4, "viideltä": 5,
        "kuudelta": 6, "seitsemältä": 7, "kahdeksalta": 8, "yhdeksältä": 9, "kymmeneltä": 10,
        "yhdeltätoista": 11, "kahdeltatoista": 12, "keskipäivällä": 12,
    },
    _T.CLOCK: {"kello": True, "klo": True, "kellon": True, "noin": False},
    _T.HALF: ("puoli",),
    _T.PAST: ("yli",),
    _T.TO: {"vaille": False, "vailla": False},
    _T.MINWORD: {"vartti": 15, "varttia": 15, "vartin": 15, "vartiksi": 15},
    _T.AMPM: {"ap": "am", "ip": "pm"},
    _T.PM_PART: {"iltapäivällä": None, "iltapäivä*": None, "illalla": None, "tänä iltana": 0,
                 "tänä iltapäivänä": 0, "tänään iltapäivällä": 0},
    _T.AM_PART: {"aamulla": None, "aamupäivällä": None, "aamupäivä*": None, "tänä aamuna": 0},
    _T.UNIT: {
        "min": (1, True), "minuutti": (1, True), "minuuttia": (1, True),
        "minuutin": (1, True), "minuutiksi": (1, True), "minuutilla": (1, True),
        "h": (60, True), "t": (60, True), "tuntia": (60, True), "tunti": (60, False),
        "tunnin": (60, False), "tunniksi": (60, False), "tunnilla": (60, False),
    },
    _T.DURATION: {"puoli tuntia": 30, "puolen tunnin": 30, "puoleksi tunniksi": 30,
                  "puolitoista tuntia": 90, "puolentoista tunnin": 90, "varttitun*": 15},
    _T.COUNT: ("kerta*", "kerran", "päivää", "päivän", "päiväksi", "viikko*", "viikon"),
    _T.SERVICE: {
        "siivo*": "cleaning", "pyyk*": "laundry", "kauppa*": "shopping", "kaupa*": "shopping",
        "ostoks*": "shopping", "ateri*": "meal", "ruoka*": "meal", "ruoa*": "meal",
        "ruua*": "meal", "lounas*": "meal", "lounaa*": "meal", "päivälli*": "meal",
        "aamiai*": "meal", "aamupala*": "meal", "hygieni*": "hygiene", "suihku*": "shower",
        "pukeutu*": "dressing", "kävely*": "walk", "ulkoil*": "walk", "seura": "company",
        "seuraa": "company", "seuran": "company", "seuraksi": "company", "valvon*": "supervision",
    },
    _T.VISIT: ("käynt*", "käynn*", "apua", "apu"),
    _T.LONGER: ("pidempään", "pidempi", "pidemmän", "pidemmäksi", "pitempään", "pitempi",
                "pitemmän", "pidenn*", "pident*", "lisää aikaa", "kauemmin", "kauemmaksi"),
    _T.SHORTER: ("lyhyempi", "lyhyemmän", "lyhyempään", "lyhyemmin", "lyhyemmäksi", "lyhen*",
                 "lyhyt", "lyhyen", "vähemmän aikaa"),
    _T.CANCEL: ("peru", "perua", "perun", "perukaa", "peruu*", "perut*", "peruuta"),
    _T.AWAY: ("poissa", "matkoilla", "en ole kotona", "ei ole kotona", "olen matkalla",
              "sairaalassa", "lomalla", "mökillä", "reissussa", "tyttäreni luona",
              "poikani luona", "kuntoutuksessa"),
    _T.BACK: ("tulen kotiin", "palaan kotiin", "taas kotona"),
    _T.WEEKEND: ("viikonloppu*",),
    _T.WEEK: {"ensi viikolla": 1, "ensi viikon": 1, "ensi viikko": 1, "koko viikon": 0,
              "tällä viikolla": 0, "loppuviikon": 0},
    _T.SKIP: ("väliin", "ilman"),
    _T.EXTRA: ("ylimääräi*", "lisäkäyn*"),
    _T.MORE: ("lisää",),
    _T.MOVE: ("siirt*", "siirr*", "myöhemmin", "aikaisemmin", "aiemmin", "toiseen aikaan",
              "eri aikaan"),
    _T.COME: ("tulla", "tulkaa", "tule", "tulko", "tulette", "tuletteko", "tulisitte",
              "tulisitteko", "tulemaan", "tulee", "tuleeko", "tulisi", "tulisiko"),
    _T.STAY: ("jäädä", "jääkää", "jäisittekö", "viipyä", "viipykää"),
    _T.INSTEAD: ("sen sijaan", "mieluummin"),
    _T.SWAP_AFTER: ("sijaan", "sijasta", "asemesta", "asemasta"),
    _T.SWAP_VERB: ("vaihda*", "vaihta*", "vaihdet*", "korvaa", "korvat*"),
    _T.NEG: ("ei", "älkää", "älä", "ette", "emme", "eikä"),
    _T.QUESTION: ("kuka", "milloin", "mihin aikaan", "monelta", "ketä"),
    _T.FILLER: ("ettekö", "eikö", "ensi", "tuleva*"),
    _T.GREETING: ("hei", "moi", "moikka", "terve", "huomenta", "hyvää huomenta",
                  "hyvää päivää", "hyvää iltaa", "hei hei"),
    _T.THANKS: ("kiitos", "kiitoksia", "kiitti", "kiitos paljon", "paljon kiitoksia"),
}

_AR_DAYS = ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"]

# Arabic is written here as people write it; the tables and the text are both folded
# (``_fold_arabic``) before they are compared, so "غداً" matches "غدا" and "أطول" "اطول".
_AR: _Table = {
    _T.DAY: {"اليوم": 0, "النهارده": 0, "غدا": 1, "بكرة": 1, "بكرا": 1, "الغد": 1, "باكر": 1,
             "بعد غد": 2, "بعد الغد": 2, "بعد بكرة": 2, "بعد بكرا": 2, "أمس": -1,
             "البارحة": -1},
    _T.WEEKDAY: _forms(_AR_DAYS, "{}", "يوم {}"),
    _T.LAST_WEEKDAY: _forms(_AR_DAYS, "{} الماضي", "{} الماضية", "يوم {} الماضي"),
    _T.MONTH: {
        name: i
        for i, name in enumerate(
            ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
             "أكتوبر", "نوفمبر", "ديسمبر"],
            start=1,
        )
    },
    _T.NUM: {
        "واحد": 1, "واحدة": 1, "اثنين": 2, "اثنان": 2, "ثلاث": 3, "ثلاثة": 3, "أربع": 4,
        "أربعة": 4, "خمس": 5, "خمسة": 5, "ست": 6, "ستة": 6, "سبع": 7, "سبعة": 7, "ثمان": 8,
        "ثماني": 8, "ثمانية": 8, "تسع": 9, "تسعة": 9, "عشر": 10, "عشرة": 10, "أحد عشر": 11,
        "إحدى عشرة": 11, "اثنا عشر": 12, "اثنتا عشرة": 12, "خمسة عشر": 15, "خمس عشرة": 15,
        "عشرين": 20, "عشرون": 20, "ثلاثين": 30, "ثلاثون": 30, "أربعين": 40, "خمسين": 50,
        "خمسة وأربعين": 45, "خمس وأربعين": 45, "ستين": 60,
    },
    # "الساعة العاشرة" = at ten o'clock: the ordinal is the hour
    _T.AT_HOUR: {"الواحدة": 1, "الثانية": 2, "الثالثة": 3, "الرابعة": 4, "الخامسة": 5,
                 "السادسة": 6, "السابعة": 7, "الثامنة": 8, "التاسعة": 9, "العاشرة": 10,
                 "الحادية عشرة": 11, "الحادية عشر": 11, "الثانية عشرة": 12,
                 "الثانية عشر": 12},
    _T.CLOCK: {"الساعة": True, "في الساعة": True, "على الساعة": True, "حوالي": False,
               "تقريبا": False},
    _T.PLUS_MIN: {"والنصف": 30, "و النصف": 30, "ونص": 30, "و نص": 30, "ونصف": 30,
                  "والربع": 15, "و الربع": 15, "وربع": 15, "إلا ربع": -15, "إلا الربع": -15},
    _T.AMPM: {"صباحا": "am", "مساء": "pm", "مساءا": "pm", "ظهرا": "pm", "عصرا": "pm",
              "ليلا": "pm"},
    _T.PM_PART: {"بعد الظهر": None, "بعد الظهر اليوم": 0, "بعد ظهر اليوم": 0, "العصر": None,
                 "المساء": None, "في المساء": None, "هذا المساء": 0, "مساء اليوم": 0,
                 "الليلة": 0, "عصر اليوم": 0},
    _T.AM_PART: {"الصباح": None, "في الصباح": None, "الصبح": None, "صباح اليوم": 0,
                 "هذا الصباح": 0},
    _T.UNIT: {"دقيقة": (1, True), "دقائق": (1, True), "دقايق": (1, True), "ساعة": (60, False),
              "ساعات": (60, True)},
    _T.DURATION: {"نصف ساعة": 30, "نص ساعة": 30, "ربع ساعة": 15, "ساعتين": 120,
                  "ساعتان": 120, "ساعة ونصف": 90, "ساعة ونص": 90},
    _T.COUNT: ("مرة", "مرات", "أيام", "أسبوع", "أسابيع"),
    _T.SERVICE: {
        "تنظيف*": "cleaning", "التنظيف*": "cleaning", "نظافة البيت": "cleaning",
        "غسيل": "laundry", "الغسيل": "laundry", "غسيل الملابس": "laundry",
        "تسوق": "shopping", "التسوق": "shopping", "مشتريات": "shopping",
        "المشتريات": "shopping", "طعام": "meal", "الطعام": "meal", "أكل": "meal",
        "الأكل": "meal", "وجبة": "meal", "الوجبة": "meal", "غداء": "meal", "الغداء": "meal",
        "عشاء": "meal", "العشاء": "meal", "فطور": "meal", "الفطور": "meal", "الإفطار": "meal",
        "النظافة الشخصية": "hygiene", "نظافة شخصية": "hygiene", "استحمام": "shower",
        "الاستحمام": "shower", "حمام": "shower", "الحمام": "shower", "دوش": "shower",
        "الدوش": "shower", "لبس": "dressing", "اللبس": "dressing",
        "ارتداء الملابس": "dressing", "مشي": "walk", "المشي": "walk", "نزهة": "walk",
        "النزهة": "walk", "تمشية": "walk", "التمشية": "walk", "رفقة": "company",
        "الرفقة": "company", "مراقبة": "supervision", "المراقبة": "supervision",
    },
    _T.VISIT: ("زيار*", "الزيار*", "مساعدة", "المساعدة"),
    _T.LONGER: ("أطول", "وقت أطول", "وقت إضافي", "تمديد", "مدد*", "وقت أكثر"),
    _T.SHORTER: ("أقصر", "وقت أقل", "تقصير", "قصر*"),
    _T.CANCEL: ("إلغاء", "ألغ*", "الغي", "الغوا"),
    _T.AWAY: ("مسافر", "مسافرة", "لست في البيت", "مش في البيت", "لن أكون في البيت",
              "في المستشفى", "في إجازة", "في سفر", "عند ابنتي", "عند ابني"),
    _T.BACK: ("أعود", "سأعود", "أرجع"),
    _T.WEEKEND: ("عطلة نهاية الأسبوع", "نهاية الأسبوع", "الويكند"),
    _T.WEEK: {"الأسبوع القادم": 1, "الأسبوع المقبل": 1, "هذا الأسبوع": 0, "طوال الأسبوع": 0},
    _T.SKIP: ("بدون", "تخطي", "بلاش", "من غير"),
    _T.EXTRA: ("زيارة إضافية", "زيارة اضافية", "زيارة أخرى", "زيارة زيادة"),
    _T.EXTRA_WEAK: ("إضافي*",),
    _T.MORE: ("أكثر", "زيادة"),
    _T.MOVE: ("نقل", "انقل*", "تأجيل", "أجل*", "أخروا", "تغيير الموعد", "غير الموعد",
              "غيروا الموعد", "موعد آخر", "وقت آخر", "لاحقا", "بعدين", "أبكر", "مبكرا", "بدري"),
    _T.COME: ("تأتي", "تأتوا", "تأتون", "يأتي", "تعال", "تعالوا", "تجي", "تجوا", "تيجي",
              "تيجوا", "يجي", "المجيء", "الحضور", "تحضر", "تحضروا", "احضروا"),
    _T.INSTEAD: ("بدلا", "بدلا من ذلك", "بدل ذلك"),
    _T.SWAP_BEFORE: ("بدلا من", "بدل", "عوضا عن", "عوض", "مكان"),
    _T.SWAP_VERB: ("استبدل*", "استبدال"),
    _T.NEG: ("لا", "مش", "لن", "ليس", "مو"),
    _T.FROM: ("من",),
    _T.QUESTION: ("متى", "مين", "من سيأتي", "من يأتي", "من يجي", "من سيجي", "أي ساعة",
                  "في أي ساعة", "أي وقت"),
    _T.GREETING: ("مرحبا", "أهلا", "أهلا وسهلا", "السلام عليكم", "سلام", "صباح الخير",
                  "مساء الخير", "هلا"),
    _T.THANKS: ("شكرا", "شكرا جزيلا", "مشكور", "مشكورين", "يعطيك العافية"),
    _T.FILLER: ("يوم", "في", "على", "إلى", "ممكن", "هل", "من فضلك", "لو سمحت", "أريد",
                "بدي", "أبغى", "عايز", "عايزة", "أرجو", "الرجاء", "رجاء"),
}
# fmt: on

_TABLES: dict[str, _Table] = {"sv": _SV, "en": _EN, "fi": _FI, "ar": _AR}

# Words that are too ambiguous across languages: used only when the client's language is
# this one (Finnish "en" = "I don't", but Swedish "en" = "a").
_STRICT_TABLES: dict[str, _Table] = {"fi": {_T.NEG: ("en",)}}


# --------------------------------------------------------------------------------------
# Stage 1: tokens
# --------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"""
    \d{4}-\d{1,2}-\d{1,2}                          # ISO date: 2026-11-24
    | \d+(?:[:.,/]\d+)*(?::[ae]|st|nd|rd|th)?\.?   # 10, 10:30, 24.11., 24/11, 24:e, 24th
    | [^\W\d_]+(?:['-][^\W\d_]+)*                  # words: don't, o'clock, kauppa-asiat
    """,
    re.VERBOSE,
)


_ARABIC_MARKS = re.compile("[\u0640\u064b-\u065f\u0670]")  # tatweel, harakat, tanween
_ARABIC_FOLDS = str.maketrans(
    {
        "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "٫": ".", "،": ",",
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # Eastern Arabic-Indic digits
    }
)  # fmt: skip
_ARABIC_PREFIXES = ("و", "ب", "ل", "ف")  # "and", "at/with", "for", "so" written onto a word


def _fold_arabic(text: str) -> str:
    """Arabic as it is compared: no diacritics or tatweel, one alef, ى as ي, ة as ه, and
    Arabic-Indic digits as 0-9 ("الساعة ١٠:٣٠ غداً" -> "الساعه 10:30 غدا")."""
    return _ARABIC_MARKS.sub("", text).translate(_ARABIC_FOLDS)


def _split_prefix(token: str) -> list[str]:
    """ "والغداء" -> ["الغداء"]: an Arabic one-letter prefix is dropped when the word alone
    is known and the whole is not."""
    if (
        len(token) > 3
        and token.startswith(_ARABIC_PREFIXES)
        and not _starting_with(token)
        and _starting_with(token[1:])
    ):
        return [token[1:]]
    return [token]


def _tokens(text: str) -> list[str]:
    """Lower-case ``text`` and split it into word and number tokens (punctuation dropped)."""
    text = _fold_arabic(unicodedata.normalize("NFC", text)).casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"\b([apfe])\.\s?m\b\.?", r"\1m", text)  # a.m. p.m. f.m. e.m.
    text = re.sub(r"\b([ai])p\.", r"\1p", text)  # Finnish ap. / ip.
    text = re.sub(r"'s\b", "", text)  # today's visit -> today visit
    return [part for token in _TOKEN_RE.findall(text) for part in _split_prefix(token)]


# --------------------------------------------------------------------------------------
# Stage 2: tags
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    words: tuple[str, ...]
    tag: _T
    value: Any
    lang: str
    strict: bool


@dataclass
class _Item:
    """One tagged token or phrase. ``used`` is set once a meaning step has consumed it."""

    text: str
    tag: _T | None
    value: Any = None
    lang: str | None = None
    used: bool = False


def _entries() -> Iterator[_Entry]:
    for strict, tables in ((False, _TABLES), (True, _STRICT_TABLES)):
        for lang, table in tables.items():
            for tag, phrases in table.items():
                pairs = (
                    phrases.items() if isinstance(phrases, dict) else ((p, None) for p in phrases)
                )
                for phrase, value in pairs:
                    words = tuple(_fold_arabic(phrase).split())
                    yield _Entry(words, tag, value, lang, strict)


_ENTRIES = tuple(_entries())
# Every word of the tables: such a word is never read as a typo of another word.
_KNOWN = frozenset(w.rstrip("*") for e in _ENTRIES for w in e.words)


def _fold(word: str) -> str:
    """``word`` without diacritics: "städning" -> "stadning" (keyboards without å, ä, ö)."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def _one_edit_apart(a: str, b: str) -> bool:
    """True if ``a`` and ``b`` differ by one insertion, deletion, substitution or swap."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return (
        a[i + 1 :] == b[i + 1 :]  # substitution
        or a[i + 1 :] == b[i:]  # deletion from a
        or a[i:] == b[i + 1 :]  # insertion into a
        or (a[i : i + 2] == b[i : i + 2][::-1] and a[i + 2 :] == b[i + 2 :])  # swap
    )


@lru_cache(maxsize=50_000)
def _word_quality(token: str, pattern: str) -> int:
    """How well ``token`` matches one table word: 0 (not at all) .. 4 (exactly).

    Exact word 4, stem 3 ("städ*" ~ "städ"), without å/ä/ö 2 ("stadning" ~ "städning"),
    stem without å/ä/ö or a one-letter typo 1.
    """
    if pattern.endswith("*"):
        stem = pattern[:-1]
        return 3 if token.startswith(stem) else 1 if _fold(token).startswith(_fold(stem)) else 0
    if token == pattern:
        return 4
    if _fold(token) == _fold(pattern):
        return 2
    if len(pattern) >= 7 and token not in _KNOWN and _one_edit_apart(token, pattern):
        return 1
    return 0


@lru_cache(maxsize=10_000)
def _starting_with(token: str) -> tuple[_Entry, ...]:
    """The table entries whose first word matches ``token``."""
    return tuple(e for e in _ENTRIES if _word_quality(token, e.words[0]))


def _tag(tokens: list[str], primary: str | None) -> list[_Item]:
    """Tag ``tokens`` left to right, taking the best table phrase at each position.

    Best = most words, then best spelling match, then the client's own language.
    """
    items: list[_Item] = []
    i = 0
    while i < len(tokens):
        if tokens[i][0].isdigit():
            items.append(_Item(tokens[i], _T.NUMBER, tokens[i]))
            i += 1
            continue
        best: _Entry | None = None
        best_key: tuple[int, int, bool] = (0, 0, False)
        for entry in _starting_with(tokens[i]):
            n = len(entry.words)
            if (entry.strict and entry.lang != primary) or i + n > len(tokens):
                continue
            quality = 0
            for token, word in zip(tokens[i : i + n], entry.words, strict=True):
                q = _word_quality(token, word)
                if not q:
                    break
                quality += q
            else:
                key = (n, quality, entry.lang == primary)
                if key > best_key:
                    best, best_key = entry, key
        if best is None:
            items.append(_Item(tokens[i], None))
            i += 1
        else:
            n = len(best.words)
            items.append(_Item(" ".join(tokens[i : i + n]), best.tag, best.value, best.lang))
            i += n
    return items


# --------------------------------------------------------------------------------------
# Stage 3: meaning - numbers, durations, days, times
# --------------------------------------------------------------------------------------

_SHAPE_RE = re.compile(
    r"^(\d+)(?:([:./,-])(\d+))?(?:[./-](\d+))?(?P<ordinal>:[ae]|st|nd|rd|th)?(?P<dot>\.)?$"
)


@dataclass(frozen=True)
class _Shape:
    """The parts of a digit token: "24.11." -> a=24, sep=".", b="11", dot=True."""

    a: int
    sep: str | None = None
    b: str | None = None
    c: int | None = None
    ordinal: bool = False
    dot: bool = False


def _shape(item: _Item | None) -> _Shape | None:
    if item is None or item.tag is not _T.NUMBER or item.used:
        return None
    m = _SHAPE_RE.match(item.text)
    if not m:
        return None
    return _Shape(
        a=int(m[1]),
        sep=m[2],
        b=m[3],
        c=int(m[4]) if m[4] else None,
        ordinal=bool(m["ordinal"]),
        dot=bool(m["dot"]),
    )


def _at(items: list[_Item], i: int) -> _Item | None:
    """The item at ``i`` if it exists and is not consumed yet."""
    return items[i] if 0 <= i < len(items) and not items[i].used else None


def _tag_at(items: list[_Item], i: int) -> _T | None:
    item = _at(items, i)
    return item.tag if item else None


def _count(item: _Item | None) -> float | None:
    """The number an item stands for in a duration ("15", "1,5", "tio", "en"), else None."""
    if item is None or item.used:
        return None
    if item.tag in (_T.NUM, _T.ARTICLE):
        return float(item.value)
    shape = _shape(item)
    if shape is None or shape.c is not None or shape.ordinal:
        return None
    if shape.sep is None:
        return float(shape.a)
    if shape.sep in ".," and shape.b is not None:
        return float(f"{shape.a}.{shape.b}")
    return None


def _take_durations(items: list[_Item]) -> list[int]:
    """Find durations ("15 min", "en kvart", "half an hour", "tunnin") and consume them."""
    found: list[int] = []
    for i, item in enumerate(items):
        if item.used:
            continue
        if item.tag is _T.DURATION:
            item.used = True
            if _tag_at(items, i - 1) is _T.ARTICLE:
                items[i - 1].used = True
            found.append(item.value)
            continue
        if item.tag is _T.UNIT:
            per_unit, needs_number = item.value
        elif item.tag is _T.MINWORD and item.value == 15:
            # "en kvart" is a duration, "kvart över nio" is a time
            if _tag_at(items, i + 1) in (_T.PAST, _T.TO):
                continue
            per_unit, needs_number = 15, False
        else:
            continue
        # the number is just before the unit, or one word earlier: "15 more minutes"
        before = i - 2 if _tag_at(items, i - 1) in (_T.MORE, _T.EXTRA_WEAK) else i - 1
        number = _count(_at(items, before))
        if number is not None:
            items[before].used = True
        elif needs_number:
            continue
        item.used = True
        found.append(round((number or 1) * per_unit))
    return found


def _nearest(month: int, day: int, today: date) -> date | None:
    """The date with this month and day nearest to ``today`` (last, this or next year).

    "3/1" typed on 28 December means 3 January next year; "20/11" typed on 23 November is
    three days ago (and so a past date), not next year.
    """
    candidates = []
    for year in (today.year - 1, today.year, today.year + 1):
        with contextlib.suppress(ValueError):  # 29 February
            candidates.append(date(year, month, day))
    return min(candidates, key=lambda d: abs((d - today).days), default=None)


def _make_date(year: int | None, month: int, day: int, today: date) -> date | None:
    if year is None:
        return _nearest(month, day, today)
    if year < 100:
        year += 2000
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _is_clock(shape: _Shape) -> bool:
    """True if a digit token reads as a valid clock time "h.mm" / "h:mm"."""
    return (
        shape.sep in (":", ".", ",")
        and shape.c is None
        and shape.b is not None
        and len(shape.b) == 2
        and 0 <= shape.a <= 23
        and int(shape.b) <= 59
    )


def _strong_clock_before(items: list[_Item], i: int) -> bool:
    before = items[i - 1] if i > 0 else None
    return before is not None and before.tag is _T.CLOCK and before.value is True


class _BadDate:
    """A day that was clearly meant but does not exist ("31/11")."""


class _DayRole(Enum):
    """What a day named is to a move: the day it goes to, the day it leaves, or neither."""

    PLAIN = auto()
    TO = auto()  # "till torsdag", "to Thursday", "torstaiksi", "إلى الخميس"
    FROM = auto()  # "från onsdag", "istället för onsdag", "keskiviikon sijaan"
    BACK = auto()  # "kommer hem på måndag": the first day home again, not away


@dataclass(frozen=True)
class _Day:
    value: date | _BadDate
    role: _DayRole = _DayRole.PLAIN


# Words before a day that make it where a visit goes ("flytta duschen till torsdag"), and
# Finnish endings that do ("torstaiksi", "torstaille", "huomiseksi").
_TO_DAY_BEFORE = frozenset(
    {
        "till",
        "to",
        _fold_arabic("إلى"),
        "till och med",
        "tills",
        "fram till",
        "until",
        "through",
        _fold_arabic("حتى"),
    }
)
_TO_DAY_ENDINGS = ("ksi", "kse", "lle")
_FROM_DAY_ENDINGS = ("sta", "stä")  # "keskiviikosta": from Wednesday


def _day_role(items: list[_Item], first: int, last: int) -> _DayRole:
    """The role of the day said by items[first..last] (see ``_DayRole``)."""
    before = first - 1
    while before >= 0 and items[before].tag is _T.FILLER:
        if items[before].text in _TO_DAY_BEFORE:  # Arabic "إلى" is a filler too
            break
        before -= 1
    said_before = items[before] if before >= 0 else None
    after = items[last + 1] if last + 1 < len(items) else None
    word = items[first].text
    if said_before is not None and said_before.tag is _T.BACK:
        return _DayRole.BACK
    if said_before is not None and said_before.tag in (_T.FROM, _T.SWAP_BEFORE):
        return _DayRole.FROM
    if (after is not None and after.tag is _T.SWAP_AFTER) or (
        items[first].lang == "fi" and word.endswith(_FROM_DAY_ENDINGS)
    ):
        return _DayRole.FROM
    if (
        (said_before is not None and said_before.text in _TO_DAY_BEFORE)
        or (items[first].lang == "fi" and word.endswith(_TO_DAY_ENDINGS))
        or (after is not None and after.text in _UNTIL_AFTER)  # "keskiviikkoon asti"
    ):
        return _DayRole.TO
    return _DayRole.PLAIN


def _take_days(items: list[_Item], today: date) -> list[_Day]:
    """Find every day the text names and consume the tokens of explicit dates."""
    found: list[_Day] = []

    def add(day: date | None, *said: _Item, consume: bool = True) -> None:
        """A day said by the items ``said``, from ``items[i]`` on (consumed, unless a word
        that stays a cue)."""
        role = _day_role(items, i, i + len(said) - 1)
        found.append(_Day(day if day is not None else _BadDate(), role))
        for item in said if consume else ():
            item.used = True

    away = _says_away(items)
    for i, item in enumerate(items):
        if item.used:
            continue
        tag = item.tag
        if away and (first_of := _span_start(items, i, today)):
            # "bortrest 3-5 december", "3 till 5/12": away from the first day to the other
            found.append(_Day(first_of, _DayRole.FROM))
            items[i].used = True
        elif tag is _T.DAY or (tag in (_T.PM_PART, _T.AM_PART) and item.value is not None):
            add(today + timedelta(days=item.value), item, consume=False)
        elif tag is _T.WEEKDAY:
            add(
                today + timedelta(days=(item.value - today.weekday()) % 7 or 7),
                item,
                consume=False,
            )
        elif tag is _T.WEEK:
            # the days of next week, or the rest of this one (today to Sunday)
            first = today + timedelta(days=7 - today.weekday()) if item.value else today
            for n in range(7 - first.weekday()):
                add(first + timedelta(days=n), item, consume=False)
        elif tag is _T.WEEKEND:
            # the coming Saturday and Sunday; on a Sunday, the day itself
            saturday = today + timedelta(days=(5 - today.weekday()) % 7)
            for weekend_day in (saturday, saturday + timedelta(days=1)):
                if weekend_day >= today:
                    add(weekend_day, item, consume=False)
        elif tag is _T.LAST_WEEKDAY:
            add(
                today - timedelta(days=(today.weekday() - item.value) % 7 or 7),
                item,
                consume=False,
            )
        elif tag is _T.MONTH:
            # "November 24", "november 24th 2026"
            day = _shape(_at(items, i + 1))
            if day and day.sep is None and 1 <= day.a <= 31:
                year = _shape(_at(items, i + 2))
                if year and year.sep is None and year.a >= 1000:
                    add(_make_date(year.a, item.value, day.a, today), *items[i : i + 3])
                else:
                    add(_make_date(None, item.value, day.a, today), item, items[i + 1])
        elif tag is _T.NUMBER:
            _number_day(items, i, today, add)
    return found


# Said between the days of a span of dates ("3 till 5 december"); a dash is not a token.
_SPAN_WORDS = frozenset(
    {"till", "to", "until", "through", _fold_arabic("إلى"), _fold_arabic("حتى")}
)


def _span_start(items: list[_Item], i: int, today: date) -> date | None:
    """The first day of a span of dates that ``items[i]`` begins: a day of the month before
    a date ("3-5 december", "3 till 5/12"), in the month and year of that date, or a date
    before a date ("30/11-2/12")."""
    shape = _shape(items[i])
    if shape is None or shape.ordinal or (shape.sep is None and not 1 <= shape.a <= 31):
        return None
    j = i + 2 if _at(items, i + 1) and items[i + 1].text in _SPAN_WORDS else i + 1
    if _tag_at(items, j) is not _T.NUMBER:
        return None
    first: list[date | None] = []
    last: list[date | None] = []
    if shape.sep is not None:
        _number_day(items[i : i + 1], 0, today, lambda day, *said, **_: first.append(day))
    _number_day(items[: j + 3], j, today, lambda day, *said, **_: last.append(day))
    if not last or last[0] is None:
        return None
    if shape.sep is None:
        return last[0].replace(day=shape.a) if shape.a < last[0].day else None
    return first[0] if first and first[0] is not None and first[0] < last[0] else None


def _says_away(items: list[_Item]) -> bool:
    """Whether the client says they are away: only then do spans of dates and the day they
    come home mean something."""
    return any(item.tag is _T.AWAY for item in items)


def _number_day(items: list[_Item], i: int, today: date, add: Callable[..., None]) -> None:
    """Read a date written with digits at ``items[i]``, if it is one."""
    shape = _shape(items[i])
    if shape is None:
        return
    item = items[i]
    if shape.sep == "-" and shape.c is not None and shape.a >= 1000:  # 2026-11-24
        add(_make_date(shape.a, int(shape.b or 0), shape.c, today), item)
    elif shape.sep == "/" and shape.b is not None:  # 24/11, 24/11/2026
        add(_make_date(shape.c, int(shape.b), shape.a, today), item)
    elif shape.sep == "." and shape.c is not None:  # 24.11.2026
        add(_make_date(shape.c, int(shape.b or 0), shape.a, today), item)
    elif shape.sep == "." and shape.b is not None and not _strong_clock_before(items, i):
        # "24.11." (Finnish style) is a date; "10.30" is a time; "24.11" can only be a date
        as_date = _make_date(None, int(shape.b), shape.a, today)
        if as_date and (shape.dot or not _is_clock(shape)):
            add(as_date, item)
        elif shape.dot and not _is_clock(shape):
            add(None, item)  # "31.11."
    elif shape.sep is None and (m := _month_after(items, i)):
        # "24 november", "24. marraskuuta", "24th of November", "24 november 2026"
        year = _shape(_at(items, m + 1))
        if year and year.sep is None and year.a >= 1000:
            add(_make_date(year.a, items[m].value, shape.a, today), *items[i : m + 2])
        else:
            add(_make_date(None, items[m].value, shape.a, today), *items[i : m + 1])
    elif shape.sep is None and shape.ordinal and 1 <= shape.a <= 31:
        # "den 24:e", "the 24th": this month, or the next if that day has passed
        first = today.replace(day=1)
        for months_ahead in range(3):
            month_start = (first + timedelta(days=32 * months_ahead)).replace(day=1)
            day = _make_date(month_start.year, month_start.month, shape.a, today)
            if day and day >= today:
                add(day, item)
                return
        add(None, item)


def _month_after(items: list[_Item], i: int) -> int | None:
    """The index of a month name right after a day number (skipping English "of")."""
    j = i + 2 if _at(items, i + 1) and items[i + 1].text == "of" else i + 1
    return j if _tag_at(items, j) is _T.MONTH else None


@dataclass(frozen=True)
class _Time:
    value: time | None  # None = impossible time ("25:70")
    old: bool  # the time to move away from ("från kl 8", "instead of 8")
    names_visit: bool = False  # said with a visit word: "besöket kl 12", "the 12 o'clock visit"
    until: bool = False  # an end: "till kl 13", "until 1 pm", "kello 13 asti"


# Minute words allowed before "över"/"past"/"i"/"to" in "fem över tio", "twenty to ten".
_CLOCK_MINUTES = {5, 10, 15, 20, 25, 30}


def _hour_of(item: _Item | None) -> int | None:
    """The hour an item names in a clock phrase ("10", "tio", "kymmeneltä"), else None."""
    if item is None or item.used:
        return None
    if item.tag in (_T.NUM, _T.AT_HOUR):
        return int(item.value)
    shape = _shape(item)
    if shape and shape.sep is None and not shape.ordinal:
        return shape.a
    return None


def _clock_words(items: list[_Item], i: int) -> tuple[int, int] | None:
    """A clock phrase starting at ``i``: "halv elva", "kvart i tio", "half past nine",
    "ten o'clock", "puoli yksitoista", "varttia yli yhdeksän".

    Returns (minutes after midnight, index after the phrase), or None.
    """
    j, offset = i, 0
    first = items[i]
    is_minute = first.tag is _T.MINWORD or (first.tag is _T.NUM and first.value in _CLOCK_MINUTES)
    if (
        is_minute
        and _tag_at(items, i + 1) in (_T.PAST, _T.TO)
        and _tag_at(items, i - 1) is not _T.FROM  # "from ten to eleven" is a range
    ):
        offset = first.value if items[i + 1].tag is _T.PAST else -first.value
        j += 2
    half = _tag_at(items, j) is _T.HALF
    if half:
        j += 1
    hour = _hour_of(_at(items, j))
    if hour is None:
        return None
    if not offset and not half:
        if _tag_at(items, j + 1) is _T.OCLOCK:
            return hour * 60, j + 2
        return None
    if hour == 1 and (half or offset < 0):
        hour = 13  # "halv ett", "kvart i ett" are 12:30, 12:45 - nobody means 00:30
    return hour * 60 - (30 if half else 0) + offset, j + 1


# Minutes after midnight of a time that cannot be ("10:75", "10.5").
_IMPOSSIBLE = -1


def _digits_time(item: _Item | None) -> int | None:
    """A time written with digits ("10", "10:30", "10.30") as minutes after midnight;
    _IMPOSSIBLE if it cannot be a time ("10:75", "10.5"); None if it is no time at all."""
    shape = _shape(item)
    if shape is None or shape.ordinal:
        return None
    if shape.sep is None:
        return shape.a * 60
    if shape.sep in (":", ".", ",") and shape.c is None and shape.b is not None:
        minute = int(shape.b)
        return shape.a * 60 + minute if len(shape.b) == 2 and minute <= 59 else _IMPOSSIBLE
    return _IMPOSSIBLE


def _clock_value(minutes: int, ampm: str | None, *, afternoon: bool, night: bool) -> time | None:
    """The time ``minutes`` after midnight as said, with "am"/"pm" or an afternoon word
    applied, and an hour of 1-6 said the everyday way taken as the afternoon unless ``night``
    (see _take_times); None if there is no such time ("25:00", "14 pm")."""
    if minutes < 0:
        return None
    hour, minute = divmod(minutes, 60)
    if ampm is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    elif (afternoon and 1 <= hour <= 11) or (not night and 1 <= hour <= 6):
        hour += 12  # said with an afternoon word, or "halv fyra": the afternoon
    return time(hour, minute) if hour <= 23 else None


def _names_visit(items: list[_Item], start: int, end: int) -> bool:
    """Is the time in items[start:end] said with a visit word: "besöket kl 12", "besöket i
    morgon kl 12", "the visit at 12", "the 12 o'clock visit", "kello 12 käynti"?"""
    before = start - 1
    while before >= 0 and items[before].tag in (_T.CLOCK, _T.DAY, _T.FILLER):
        before -= 1
    after = end
    while after < len(items) and items[after].tag in (_T.DAY, _T.FILLER):
        after += 1
    return (before >= 0 and items[before].tag is _T.VISIT) or (
        after < len(items) and items[after].tag is _T.VISIT
    )


# Words that make a time an end: "stanna till kl 13", "until 1 pm", "kello 13 asti".
_UNTIL_BEFORE = frozenset({"till", "tills", "until", "حتى"})
_UNTIL_AFTER = frozenset({"asti", "saakka"})


def _until(items: list[_Item], start: int, end: int) -> bool:
    before = start - 1
    while before >= 0 and items[before].tag is _T.CLOCK and items[before].value is True:
        before -= 1
    return (before >= 0 and items[before].text in _UNTIL_BEFORE) or (
        end < len(items) and items[end].text in _UNTIL_AFTER
    )


def _take_times(items: list[_Item]) -> list[_Time]:
    """Find clock times and consume them.

    Hours are said the everyday way, on a twelve-hour clock: "halv fyra", "klockan tre",
    "kl 3", "kolmelta", "at three" are 15:30 and 15:00 (Lisa asking at noon for "halv fyra i
    dag" was told that time had passed, and "halv fyra i morgon" became 03:30). So an hour
    of 1-6 is the afternoon's 13-18, unless a morning word ("på morgonen", "aamulla", "in
    the morning", "fm", "am") says otherwise or it is written 24-hour style with a leading
    zero ("03:30"). An afternoon/evening word ("på eftermiddagen", "iltapäivällä", "in the
    afternoon", "em", "pm") moves hours 1-11 to 13-23. Hours 7-12 are taken as said; a time
    outside the unit's hours is for the frame check to flag, not for the parser to fix.
    """
    afternoon = any(item.tag is _T.PM_PART for item in items)
    morning = any(item.tag is _T.AM_PART for item in items)
    found: list[_Time] = []

    def finish(start: int, end: int, minutes: int) -> None:
        """Record the time said by items[start:end] (and an "am"/"pm", or an Arabic
        "والنصف", after it)."""
        ampm: str | None = None
        while (tag := _tag_at(items, end)) in (_T.AMPM, _T.PLUS_MIN):
            if tag is _T.AMPM:
                ampm = items[end].value
            else:
                minutes += items[end].value
            end += 1
        for item in items[start:end]:
            item.used = True
        zero_led = any(i.tag is _T.NUMBER and i.text.startswith("0") for i in items[start:end])
        value = _clock_value(minutes, ampm, afternoon=afternoon, night=morning or zero_led)
        before = start - 1
        while before >= 0 and items[before].tag is _T.CLOCK:
            before -= 1
        old = (before >= 0 and items[before].tag in (_T.FROM, _T.SWAP_BEFORE)) or (
            end < len(items) and items[end].tag is _T.SWAP_AFTER
        )
        found.append(_Time(value, old, _names_visit(items, start, end), _until(items, start, end)))

    # 1. clock phrases in words
    for i in range(len(items)):
        if not items[i].used and (phrase := _clock_words(items, i)):
            finish(i, phrase[1], phrase[0])
    # 2. a clock marker and a number, a number with am/pm, a written time, "kymmeneltä"
    for i, item in enumerate(items):
        if item.used:
            continue
        nxt = _at(items, i + 1)
        is_marker = item.tag is _T.CLOCK or (item.tag is _T.TO and item.value is True)
        if is_marker and nxt is not None and nxt.tag is not _T.ARTICLE:
            if nxt.tag in (_T.NUM, _T.AT_HOUR):
                finish(i, i + 2, nxt.value * 60)
            elif (digits := _digits_time(nxt)) is not None:
                finish(i, i + 2, digits)
        elif item.tag is _T.AT_HOUR:
            finish(i, i + 1, item.value * 60)
        elif item.tag in (_T.NUMBER, _T.NUM) and nxt is not None and nxt.tag is _T.AMPM:
            digits = _digits_time(item) if item.tag is _T.NUMBER else item.value * 60
            if digits is not None:
                finish(i, i + 1, digits)
        elif item.tag is _T.NUMBER and (shape := _shape(item)) and shape.sep in (":", ".", ","):
            digits = _digits_time(item)
            finish(i, i + 1, _IMPOSSIBLE if digits is None else digits)
        elif (
            item.tag is _T.NUM
            and item.lang == "sv"
            and 2 <= item.value <= 12
            and (nxt is None or nxt.tag not in (_T.COUNT, _T.UNIT, _T.VISIT, _T.SERVICE))
        ):
            # Swedish speech: "kan ni komma tio i stället"
            finish(i, i + 1, item.value * 60)
    return found


# --------------------------------------------------------------------------------------
# Stage 3: meaning - the kind of change
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Read:
    """Everything the text says, before deciding what kind of wish it is."""

    cues: frozenset[_T]
    services: tuple[str, ...]  # distinct, in order of appearance
    swap: tuple[str, str] | None  # (dropped, wanted)
    days: tuple[date | _BadDate, ...]
    day_move: tuple[date | None, date] | None  # (the visit's day if said, the day it goes to)
    back_on: date | None  # the day an absence ends: "kommer hem på måndag"
    times: tuple[_Time, ...]
    minutes: tuple[int, ...]
    part: DayPart | None  # a part of the day said apart from a clock time ("i kväll")
    meal_part: DayPart | None  # the part of the day of the meal named ("lunchen")
    direction: int  # +1 "later", -1 "earlier", 0 neither or both
    days_counted: int | None  # "en dag", "two days", "päivän": how many days (a move by days)
    half_swap: tuple[str | None, str | None] | None  # one service of a swap: (dropped, wanted)
    small_talk: Hint | None  # GREETING or THANKS when a greeting or thanks was said


_CUES = frozenset(
    {
        _T.LONGER,
        _T.SHORTER,
        _T.CANCEL,
        _T.AWAY,
        _T.SKIP,
        _T.EXTRA,
        _T.EXTRA_WEAK,
        _T.MORE,
        _T.MOVE,
        _T.COME,
        _T.STAY,
        _T.INSTEAD,
        _T.SWAP_BEFORE,
        _T.SWAP_AFTER,
        _T.SWAP_VERB,
        _T.NEG,
        _T.VISIT,
        _T.QUESTION,
    }
)


def _find_swap(items: list[_Item]) -> tuple[str, str] | None:
    """(dropped, wanted) for "promenad i stället för städning", "kävely siivouksen sijaan",
    "byt städningen mot en promenad"; None unless exactly two services are named."""
    services = [(i, item.value) for i, item in enumerate(items) if item.tag is _T.SERVICE]
    if len({code for _, code in services}) != 2:
        return None
    for p, item in enumerate(items):
        if item.tag is _T.SWAP_BEFORE:
            dropped = next((code for i, code in services if i > p), None)
        elif item.tag is _T.SWAP_AFTER:
            dropped = next((code for i, code in reversed(services) if i < p), None)
        elif item.tag is _T.SWAP_VERB:
            dropped = services[0][1]
        else:
            continue
        if dropped is None:
            return None
        wanted = next(code for _, code in services if code != dropped)
        return dropped, wanted
    return None


# Words of the parts of the day, in any of the languages (after folding).
_EVENING_WORDS = ("kväll", "evening", "tonight", "ilta", "illalla", "المساء", "مساء", "الليله")
_AFTERNOON_WORDS = ("eftermiddag", "afternoon", "iltapäiv", "الظهر", "العصر", "عصر")


# Meals that say when they are eaten (after folding); "middag" is left out: to many it is
# the midday meal, to others the evening's.
_MEAL_PARTS = {
    "frukost": DayPart.MORNING,
    "breakfast": DayPart.MORNING,
    "aamiai": DayPart.MORNING,
    "aamupala": DayPart.MORNING,
    "فطور": DayPart.MORNING,
    "افطار": DayPart.MORNING,
    "lunch": DayPart.MIDDAY,
    "lounas": DayPart.MIDDAY,
    "lounaa": DayPart.MIDDAY,
    "غداء": DayPart.MIDDAY,
    "dinner": DayPart.EVENING,
    "päivälli": DayPart.EVENING,
    "عشاء": DayPart.EVENING,
}


def _meal_part(items: list[_Item]) -> DayPart | None:
    """The part of the day a meal names: "ställ in lunchen" is the midday visit's meal."""
    parts = {
        part
        for item in items
        if item.tag is _T.SERVICE
        for word, part in _MEAL_PARTS.items()
        if word in item.text
    }
    return parts.pop() if len(parts) == 1 else None


def _part(items: list[_Item], times: list[_Time]) -> DayPart | None:
    """The part of the day a wish names for its visit: a morning/afternoon/evening word
    that is not just the "pm" of a clock time ("kl 7 i kväll" names a time, not a visit)."""
    parts = [item for item in items if item.tag in (_T.PM_PART, _T.AM_PART)]
    if len(parts) != 1 or any(not t.old for t in times):
        return None
    item = parts[0]
    if item.tag is _T.AM_PART:
        return DayPart.MORNING
    if any(word in item.text for word in _AFTERNOON_WORDS):  # before "ilta" in "iltapäivä"
        return DayPart.AFTERNOON
    if any(word in item.text for word in _EVENING_WORDS):
        return DayPart.EVENING
    return DayPart.AFTERNOON


def _day_move(days: list[_Day]) -> tuple[date | None, date] | None:
    """(the visit's day or None, the day it goes to) when the text moves a visit to another
    day: "flytta duschen till torsdag", "från måndag till tisdag", "duschen på torsdag i
    stället för onsdag", "siirtäkää suihku torstaille"; None otherwise."""
    if any(isinstance(d.value, _BadDate) for d in days):
        return None
    to = {d.value for d in days if d.role is _DayRole.TO}
    old = {d.value for d in days if d.role is _DayRole.FROM}
    plain = {d.value for d in days if d.role is _DayRole.PLAIN}
    if len(to) == 1 and len(old | plain) <= 1:
        new, visit_day = to.pop(), next(iter(old | plain), None)
    elif not to and len(old) == 1 and len(plain) == 1:
        new, visit_day = plain.pop(), old.pop()
    else:
        return None
    assert isinstance(new, date) and not isinstance(visit_day, _BadDate)
    return None if new == visit_day else (visit_day, new)


_DAY_TAGS = (_T.DAY, _T.WEEKDAY, _T.LAST_WEEKDAY)


def _names_a_day(items: list[_Item], start: int, step: int) -> bool:
    """Whether the first word from ``start`` on (``step`` +1 or -1), fillers skipped, is a
    day: "i stället för (på) onsdag" drops a day, not a service."""
    i = start
    while 0 <= i < len(items) and items[i].tag is _T.FILLER:
        i += step
    return 0 <= i < len(items) and items[i].tag in _DAY_TAGS


def _half_swap(items: list[_Item]) -> tuple[str | None, str | None] | None:
    """One service and "instead": "en promenad i stället" (wanted), "i stället för
    städningen" (dropped), "siivouksen sijaan" (dropped); None otherwise, and None when what
    is given up is a day ("duschen på torsdag i stället för onsdag": a move)."""
    services = [(i, item.value) for i, item in enumerate(items) if item.tag is _T.SERVICE]
    if len({code for _, code in services}) != 1:
        return None
    position, code = services[0]
    for p, item in enumerate(items):
        if item.tag is _T.SWAP_BEFORE and _names_a_day(items, p + 1, 1):
            return None
        if item.tag is _T.SWAP_AFTER and _names_a_day(items, p - 1, -1):
            return None
        if item.tag is _T.SWAP_BEFORE:
            return (code, None) if position > p else (None, code)
        if item.tag is _T.SWAP_AFTER:
            return (code, None) if position < p else (None, code)
        if item.tag is _T.INSTEAD:
            return None, code
    return None


# Words of a move that say which way (after folding): "en timme senare", "30 min earlier".
_LATER = frozenset({"senare", "later", "myöhemmin", "لاحقا", "بعدين", "اخروا"})
_EARLIER = frozenset({"tidigare", "earlier", "aikaisemmin", "aiemmin", "ابكر", "مبكرا", "بدري"})


def _direction(items: list[_Item]) -> int:
    said = {item.text for item in items if item.tag is _T.MOVE}
    return (1 if said & _LATER else 0) - (1 if said & _EARLIER else 0)


# Words that count days after a number: "en dag senare", "two days later", "kaksi päivää".
_DAY_COUNTS = frozenset({"dag", "dagar", "day", "days", "päivää", "päivän"})
_MOST_DAYS_SHIFTED = 14


def _days_counted(items: list[_Item]) -> int | None:
    """How many days a move by days says ("en dag senare", "two days earlier", "päivän
    myöhemmin": Finnish "päivän" alone is one); None when none or several are said."""
    found = set()
    for i, item in enumerate(items):
        if item.tag is not _T.COUNT or item.text not in _DAY_COUNTS:
            continue
        number = _count(items[i - 1]) if i > 0 else None
        if number is None and item.text == "päivän":
            number = 1
        if number is not None and number == int(number) and 1 <= number <= _MOST_DAYS_SHIFTED:
            found.add(int(number))
    return found.pop() if len(found) == 1 else None


def _small_talk(items: list[_Item]) -> Hint | None:
    tags = {item.tag for item in items}
    if _T.GREETING in tags:
        return Hint.GREETING
    if _T.THANKS in tags:
        return Hint.THANKS
    return None


def _read(text: str, primary: str | None, today: date) -> _Read:
    items = _tag(_tokens(text), primary)
    minutes = _take_durations(items)
    days = _take_days(items, today)
    if not _says_away(items):
        # home again only ends an absence; elsewhere the day is a day like any other
        days = [replace(d, role=_DayRole.PLAIN) if d.role is _DayRole.BACK else d for d in days]
    times = _take_times(items)
    services: list[str] = []
    for item in items:
        if item.tag is _T.SERVICE and item.value not in services:
            services.append(item.value)
    return _Read(
        cues=frozenset(item.tag for item in items if item.tag in _CUES),
        services=tuple(services),
        swap=_find_swap(items),
        days=tuple(d.value for d in days),
        day_move=_day_move([d for d in days if d.role is not _DayRole.BACK]),
        back_on=next(
            (d.value for d in days if d.role is _DayRole.BACK and isinstance(d.value, date)),
            None,
        ),
        times=tuple(times),
        minutes=tuple(minutes),
        part=_part(items, times),
        meal_part=_meal_part(items),
        direction=_direction(items),
        days_counted=_days_counted(items),
        half_swap=_half_swap(items),
        small_talk=_small_talk(items),
    )


def _kind(read: _Read) -> WishKind | None:
    """Decide the kind of change from the cues, or None when it is unclear."""
    cues = read.cues
    if read.swap:
        return WishKind.SWAP
    new_times = [t for t in read.times if not t.old]
    movish = bool(
        cues & {_T.MOVE, _T.INSTEAD, _T.SWAP_BEFORE, _T.SWAP_AFTER, _T.SWAP_VERB}
        or new_times
        or read.day_move
    )
    longer = _T.LONGER in cues or bool(
        cues & {_T.MORE, _T.EXTRA_WEAK, _T.STAY} and read.minutes and not new_times
    )
    shorter = _T.SHORTER in cues
    extra = _T.EXTRA in cues or (_T.EXTRA_WEAK in cues and not longer)
    negative = bool(cues & {_T.CANCEL, _T.AWAY, _T.SKIP}) or (
        _T.NEG in cues and bool(cues & {_T.COME, _T.VISIT} or read.services)
    )
    if negative:
        # "don't come at 8, come at 10 instead" or "no cleaning, a longer visit": unclear
        if longer or shorter or extra or cues & {_T.MOVE, _T.INSTEAD} or len(read.times) > 1:
            return None
        return WishKind.SKIP_SERVICE if read.services else WishKind.CANCEL
    if _T.NEG in cues:  # a "not" we cannot place ("inte längre")
        return None
    if longer and shorter:
        return None
    if longer:
        return WishKind.LONGER
    if shorter:
        return WishKind.SHORTER
    if extra:
        return WishKind.EXTRA
    if _T.QUESTION in cues and not cues & {_T.MOVE, _T.INSTEAD}:
        return None  # "när kommer ni i morgon?" asks about the plan
    if movish or _T.COME in cues:
        if read.day_move:
            return WishKind.MOVE  # "duschen på torsdag i stället för onsdag"
        if read.services and not new_times and not cues & {_T.MOVE, _T.COME}:
            # "a walk instead", "instead of the cleaning": a swap, the other half is asked
            return WishKind.SWAP if read.half_swap else None
        return WishKind.MOVE
    return None


def _language(language: str) -> str | None:
    code = language.lower().replace("_", "-").split("-")[0]
    return code if code in _LANGUAGES else None


def parse_wish(text: str, *, language: str, now: datetime) -> Wish | NotUnderstood:
    """Turn a client's wish in their own words into a structured change.

    ``language`` ("sv", "en", "fi"; "sv-SE" works too) decides which words win when the
    languages disagree; the other languages are tried as a fallback, and an unknown code
    tries all three equally. ``now`` is the client's local (Europe/Stockholm) time; days
    are resolved against it: a weekday means its next occurrence after today ("på måndag"
    said on a Monday is next Monday), a date without a year the nearest such date.

    A day said as where a visit goes ("till torsdag", "to Thursday", "torstaille", or the
    other day of "på torsdag i stället för onsdag") is ``new_day``; without a time the
    visit keeps its own. Being away ("jag är bortrest på lördag") cancels that day's visit.

    Returns a ``Wish``, or ``NotUnderstood`` with the most helpful hint: ``PAST_DATE`` for
    a day (or a time today) that has passed, ``BAD_TIME`` for an impossible time,
    ``NO_TIME`` for a move or extra visit without a time, else ``NOT_UNDERSTOOD``.
    """
    today = now.date()
    read = _read(text, _language(language), today)
    kind = _kind(read)
    new_times = [t for t in read.times if not t.old]
    bad_time = any(t.value is None for t in new_times)
    if kind is None:
        return _not_a_wish(read, today, bad_time)

    new_day: date | None = None
    day: date | None
    away = kind is WishKind.CANCEL and _T.AWAY in read.cues
    said = [d for d in read.days if isinstance(d, date)]
    if away and said and max(said) < today:
        return NotUnderstood(Hint.PAST_DATE)  # "jag var bortrest till igår": over already
    away_days = _away_days(read, today) if away else ()
    if len(away_days) > MAX_AWAY_DAYS:
        return NotUnderstood(Hint.NOT_UNDERSTOOD)  # weeks away: the contact person plans it
    if away_days:
        day = away_days[0]
    elif kind is WishKind.MOVE and read.day_move is not None:
        day, new_day = read.day_move  # "flytta duschen (från onsdag) till torsdag"
    else:
        distinct_days = set(read.days) - {read.back_on}  # home again that day: not away
        if len(distinct_days) > 1 or any(isinstance(d, _BadDate) for d in distinct_days):
            return NotUnderstood(Hint.NOT_UNDERSTOOD)  # "på måndag och tisdag", "31/11"
        day = next((d for d in distinct_days if isinstance(d, date)), None)
    if any(d is not None and d < today for d in (day, new_day)):
        return NotUnderstood(Hint.PAST_DATE)
    if _T.AWAY in read.cues and day is None:
        return NotUnderstood(Hint.NOT_UNDERSTOOD)  # "away in the weekend": which visit, then?

    service = ServiceCode(read.services[0]) if len(read.services) == 1 else None
    # "ställ in lunchen": the visit of the midday meal; but "lunch instead of the cleaning"
    # is about the cleaning's visit.
    part = read.part or read.meal_part
    if (
        kind is WishKind.MOVE
        and read.direction
        and len(set(read.minutes)) == 1
        and read.minutes[0] > 0
        and not bad_time
        and new_day is None
    ):
        # "en timme senare", "half an hour earlier": by how much; a time said is the visit's
        return Wish(
            kind,
            day=day,
            shift=read.direction * read.minutes[0],
            service=service,
            part=part,
            visit_at=_one(t.value for t in read.times),
        )
    visit_at = _visit_time(kind, read.times)
    if new_day is not None and visit_at is None and len(new_times) == 1:
        # "flytta besöket kl 12 till torsdag": the time said with the visit is the visit's
        visit_at = new_times[0].value if new_times[0].names_visit else None
    if kind is WishKind.MOVE and visit_at is not None:
        new_times = [t for t in new_times if t.value != visit_at]

    at: time | None = None
    if kind in (WishKind.MOVE, WishKind.EXTRA):
        if bad_time:
            return NotUnderstood(Hint.BAD_TIME)
        distinct_times = {t.value for t in new_times}
        if len(distinct_times) > 1:
            return NotUnderstood(Hint.NOT_UNDERSTOOD)  # "10:30 eller 11"
        if not distinct_times:
            if new_day is not None:
                # "flytta duschen till torsdag": to that day at the visit's own time
                return Wish(
                    kind, day=day, service=service, part=part, visit_at=visit_at, new_day=new_day
                )
            if kind is WishKind.MOVE and read.direction and read.days_counted:
                # "flytta duschen en dag senare": the next day, at the visit's own time
                return Wish(
                    kind,
                    day=day,
                    service=service,
                    part=part,
                    visit_at=visit_at,
                    day_shift=read.direction * read.days_counted,
                )
            if kind is WishKind.MOVE and read.direction:
                # "lite senare i kväll": later, by how much not said; the visit's new time
                # is asked for, with the buttons for half an hour or an hour either way
                return Wish(kind, day=day, service=service, part=part, visit_at=visit_at)
            return NotUnderstood(Hint.NO_TIME)
        at = distinct_times.pop()
        if (new_day or day) == today and at is not None and at < now.time():
            return NotUnderstood(Hint.PAST_DATE)

    minutes: int | None = None
    if kind in (WishKind.LONGER, WishKind.SHORTER, WishKind.EXTRA) and read.minutes:
        if len(set(read.minutes)) > 1 or read.minutes[0] <= 0:
            return NotUnderstood(Hint.NOT_UNDERSTOOD)
        minutes = read.minutes[0]

    if kind is WishKind.SWAP:
        dropped, wanted = read.swap or read.half_swap or (None, None)
        return Wish(
            kind,
            day=day,
            service=ServiceCode(dropped) if dropped else None,
            new_service=ServiceCode(wanted) if wanted else None,
            part=part if dropped == ServiceCode.MEAL else read.part,
            visit_at=visit_at,
        )
    if kind is WishKind.SKIP_SERVICE and len(read.services) != 1:
        return NotUnderstood(Hint.NOT_UNDERSTOOD)  # "ingen dusch och ingen städning"
    return Wish(
        kind,
        day=day,
        at=at,
        minutes=minutes,
        service=service,
        part=part,
        visit_at=visit_at,
        new_day=new_day,
        away_days=away_days,
    )


# Days away a wish may name: longer absences are planned with the contact person.
MAX_AWAY_DAYS = 7


def _away_days(read: _Read, today: date) -> tuple[date, ...]:
    """Every day of an absence said as several days: "från onsdag till fredag", "3-5
    december" (each day between), "till och med torsdag", "until Friday" (from today),
    "lördag och söndag", "i helgen"; () for one day or none."""
    days = {d for d in read.days if isinstance(d, date)}
    if len(days) < len(set(read.days)):
        return ()  # a date that does not exist
    if read.back_on is not None:
        # "åker bort på lördag och kommer hem på måndag": Saturday and Sunday
        first = max(min(days - {read.back_on}, default=today), today)
        home = read.back_on
        if home <= first:
            home += timedelta(days=7)  # "bort på fredag, hem på tisdag" said on a Monday
        span = _days_between(first, home)
    elif read.day_move is not None and len(days) <= 2:
        said_first, last = read.day_move
        first = said_first or today
        if said_first is not None and last < first <= last + timedelta(days=6):
            last += timedelta(days=7)  # "från söndag till tisdag": the Tuesday after
        first, last = sorted((first, last))
        first = max(first, today)  # said while away: the days left
        span = _days_between(first, last + timedelta(days=1))
    else:
        span = tuple(sorted(days))
    return span if len(span) > 1 else ()


def _days_between(first: date, end: date) -> tuple[date, ...]:
    """Every day from ``first`` up to, not including, ``end``."""
    return tuple(first + timedelta(days=n) for n in range((end - first).days))


def _visit_time(kind: WishKind, times: tuple[_Time, ...]) -> time | None:
    """The time of the visit the wish is about, when one is said.

    - A move: the time moved from ("från kl 8", "i stället för kl 8"), or, of two times,
      the one said with the visit ("flytta besöket kl 12 till kl 13"). One time alone is
      where to ("flytta besöket kl 12").
    - An extra visit: none; its time is when the new visit is.
    - Any other change: the one time said ("ställ in besöket kl 12", "kom inte kl 12"), but
      for a longer or shorter visit not an end ("stanna till kl 13") nor a bare time.
    """
    if kind is WishKind.EXTRA:
        return None
    if kind is WishKind.MOVE:
        if any(t.old for t in times):
            return _one(t.value for t in times if t.old)
        naming = [t.value for t in times if t.names_visit]
        return naming[0] if len({t.value for t in times}) == 2 and naming else None
    if kind in (WishKind.LONGER, WishKind.SHORTER):
        times = tuple(t for t in times if t.names_visit and not t.until)
    return _one(t.value for t in times)


def _one(values: Iterable[time | None]) -> time | None:
    """The one time said (several times said once each count once), else None."""
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


def _not_a_wish(read: _Read, today: date, bad_time: bool) -> NotUnderstood:
    """No change was understood: a question about the plan, a greeting, or the hint."""
    if bad_time:
        return NotUnderstood(Hint.BAD_TIME)
    days = {d for d in read.days if isinstance(d, date)}
    if _T.QUESTION in read.cues and len(days) <= 1 and len(read.days) == len(days):
        return NotUnderstood(Hint.ASKS_PLAN, day=days.pop() if days else today)
    if read.small_talk and not (read.services or read.days or read.times or read.minutes):
        return NotUnderstood(read.small_talk)
    return NotUnderstood(Hint.NOT_UNDERSTOOD)


def read_minutes(text: str, *, language: str) -> int | None:
    """A number of minutes written as the answer to "how much longer?" ("20 min", "en
    kvart", "puoli tuntia", "ربع ساعة", or just "20"); None if it says none."""
    items = _tag(_tokens(text), _language(language))
    found = set(_take_durations(items))
    numbers = [item for item in items if item.tag in (_T.NUMBER, _T.NUM) and not item.used]
    if numbers and found:
        return None  # "10 eller 20 min"
    if len(numbers) == 1 and (count := _count(numbers[0])) is not None:
        found = {round(count)}
    return found.pop() if len(found) == 1 and min(found) > 0 else None


def read_service(text: str, *, language: str) -> ServiceCode | None:
    """The one service named in ``text`` ("för en promenad", "kävely"), else None."""
    items = _tag(_tokens(text), _language(language))
    codes = {item.value for item in items if item.tag is _T.SERVICE}
    return ServiceCode(codes.pop()) if len(codes) == 1 else None
