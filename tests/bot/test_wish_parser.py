"""Tests for bot.wish_parser: one case per accepted phrasing.

``now`` is fixed to Monday 2026-11-23 09:00 Europe/Stockholm, so
today = Mon 23, tomorrow = Tue 24, day after = Wed 25, Thursday = 26, Friday = 27,
and "på måndag" = next Monday 30.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import wish_parser
from bot.wish_parser import (
    SERVICES,
    DayPart,
    Hint,
    NotUnderstood,
    Wish,
    WishKind,
    parse_wish,
    read_minutes,
    read_service,
)
from contract import TZ

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
TODAY = date(2026, 11, 23)
TOMORROW = date(2026, 11, 24)
DAY_AFTER = date(2026, 11, 25)
THURSDAY = date(2026, 11, 26)
FRIDAY = date(2026, 11, 27)
WED, SAT, SUN = date(2026, 11, 25), date(2026, 11, 28), date(2026, 11, 29)
WED_FRI = (WED, date(2026, 11, 26), FRIDAY)
MON_TUE = (TODAY, TOMORROW)
MON_WED = (TODAY, TOMORROW, WED)
MON_FRI = (*MON_WED, *WED_FRI[1:])
THIS_WEEK = (*MON_FRI, SAT, SUN)
NEXT_MONDAY = date(2026, 11, 30)
NEXT_WEEK = tuple(NEXT_MONDAY + timedelta(days=n) for n in range(7))
SUN_TUE = (SUN, NEXT_MONDAY, NEXT_MONDAY + timedelta(days=1))

MOVE, LONGER, SHORTER = WishKind.MOVE, WishKind.LONGER, WishKind.SHORTER
CANCEL, EXTRA, SKIP, SWAP = WishKind.CANCEL, WishKind.EXTRA, WishKind.SKIP_SERVICE, WishKind.SWAP


def parse(text: str, language: str, now: datetime = NOW) -> Wish | NotUnderstood:
    return parse_wish(text, language=language, now=now)


def cases(*rows: tuple) -> list:
    """pytest params with the language and text as the id."""
    return [pytest.param(*row, id=f"{row[0]}:{row[1]}") for row in rows]


# --- kinds ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    cases(
        ("sv", "kan ni komma klockan tio i stället i morgon?", Wish(MOVE, TOMORROW, time(10))),
        ("sv", "kan ni komma kl 10 istället", Wish(MOVE, None, time(10))),
        ("sv", "flytta besöket till 14", Wish(MOVE, None, time(14))),
        ("sv", "Kan ni flytta besöket till kl 14 på fredag?", Wish(MOVE, FRIDAY, time(14))),
        (
            "sv",
            "kan ni komma kl 10 i stället för kl 8",
            Wish(MOVE, None, time(10), visit_at=time(8)),
        ),
        ("sv", "kan ni inte komma kl 10 istället", Wish(MOVE, None, time(10))),
        ("sv", "i morgon kl 10", Wish(MOVE, TOMORROW, time(10))),
        ("sv", "kl 10", Wish(MOVE, None, time(10))),
        (
            "sv",
            "kan ni ta lunchen kl 12 i stället",  # the lunch visit, moved to 12
            Wish(MOVE, None, time(12), service="meal", part=DayPart.MIDDAY),
        ),
        ("en", "tomorrow at 10 instead", Wish(MOVE, TOMORROW, time(10))),
        ("en", "can you come at 10 instead", Wish(MOVE, None, time(10))),
        ("en", "move my visit to 3 pm", Wish(MOVE, None, time(15))),
        ("en", "move the visit from 8 to 10", Wish(MOVE, None, time(10))),
        ("en", "reschedule tomorrow's visit to 11:30", Wish(MOVE, TOMORROW, time(11, 30))),
        ("en", "can't you come at 10 instead", Wish(MOVE, None, time(10))),
        ("fi", "huomenna kello 10", Wish(MOVE, TOMORROW, time(10))),
        ("fi", "voitteko tulla kello 10", Wish(MOVE, None, time(10))),
        ("fi", "siirtäkää käynti huomenna klo 14", Wish(MOVE, TOMORROW, time(14))),
        ("fi", "tulkaa mieluummin perjantaina klo 13", Wish(MOVE, FRIDAY, time(13))),
        ("fi", "tulkaa huomenna vasta kello 11", Wish(MOVE, TOMORROW, time(11))),
        ("sv", "flytta fredagens besök till kl 14", Wish(MOVE, FRIDAY, time(14))),
        ("sv", "besöket på fredag kan flyttas till kl 14", Wish(MOVE, FRIDAY, time(14))),
        (
            "sv",
            "kan ni komma och städa på fredag kl 13 i stället",
            Wish(MOVE, FRIDAY, time(13), service="cleaning"),
        ),
        (
            "en",
            "can you come at 10 tomorrow instead of 8",
            Wish(MOVE, TOMORROW, time(10)),
        ),
    ),
)
def test_move(language: str, text: str, expected: Wish) -> None:
    assert parse(text, language) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    cases(
        # the day it goes to, at the visit's own time (no time is asked)
        ("sv", "flytta duschen till torsdag", Wish(MOVE, service="shower", new_day=THURSDAY)),
        ("sv", "duschen till torsdag", Wish(MOVE, service="shower", new_day=THURSDAY)),
        (
            "sv",
            "jag vill ha duschen på torsdag istället för onsdag",
            Wish(MOVE, DAY_AFTER, service="shower", new_day=THURSDAY),
        ),
        (
            "sv",
            "kan ni duscha mig på torsdag i stället för på onsdag",
            Wish(MOVE, DAY_AFTER, service="shower", new_day=THURSDAY),
        ),
        ("sv", "kan ni komma i morgon i stället för idag", Wish(MOVE, TODAY, new_day=TOMORROW)),
        (
            "sv",
            "flytta lunchen till i morgon",
            Wish(MOVE, service="meal", part=DayPart.MIDDAY, new_day=TOMORROW),
        ),
        ("sv", "flytta fredagens besök till måndag", Wish(MOVE, FRIDAY, new_day=NEXT_MONDAY)),
        (
            "sv",
            "flytta besöket kl 12 till torsdag",
            Wish(MOVE, visit_at=time(12), new_day=THURSDAY),
        ),
        # with a time: the day and the time it goes to
        (
            "sv",
            "flytta duschen till torsdag kl 10",
            Wish(MOVE, None, time(10), service="shower", new_day=THURSDAY),
        ),
        (
            "sv",
            "flytta besöket från onsdag till fredag kl 10",
            Wish(MOVE, DAY_AFTER, time(10), new_day=FRIDAY),
        ),
        ("en", "move the shower to thursday", Wish(MOVE, service="shower", new_day=THURSDAY)),
        (
            "en",
            "move my visit from Wednesday to Friday at 10",
            Wish(MOVE, DAY_AFTER, time(10), new_day=FRIDAY),
        ),
        ("fi", "siirtäkää suihku torstaille", Wish(MOVE, service="shower", new_day=THURSDAY)),
        ("fi", "siirtäkää käynti huomiseksi", Wish(MOVE, new_day=TOMORROW)),
        (
            "fi",
            "suihku torstaina keskiviikon sijaan",
            Wish(MOVE, DAY_AFTER, service="shower", new_day=THURSDAY),
        ),
        (
            "fi",
            "siirtäkää käynti keskiviikosta perjantaille",
            Wish(MOVE, DAY_AFTER, new_day=FRIDAY),
        ),
        ("ar", "انقلوا الدوش إلى الخميس", Wish(MOVE, service="shower", new_day=THURSDAY)),
        (
            "ar",
            "الدوش يوم الخميس بدلا من الأربعاء",
            Wish(MOVE, DAY_AFTER, service="shower", new_day=THURSDAY),
        ),
        # by whole days, at the visit's own time
        ("sv", "flytta duschen en dag senare", Wish(MOVE, service="shower", day_shift=1)),
        (
            "sv",
            "kan ni komma två dagar tidigare med städningen",
            Wish(MOVE, service="cleaning", day_shift=-2),
        ),
        ("sv", "flytta besöket i morgon en dag senare", Wish(MOVE, TOMORROW, day_shift=1)),
        ("en", "move the shower a day later", Wish(MOVE, service="shower", day_shift=1)),
        ("fi", "siirtäkää suihku päivän myöhemmin", Wish(MOVE, service="shower", day_shift=1)),
        (
            "fi",
            "siirtäkää suihku kaksi päivää myöhemmin",
            Wish(MOVE, service="shower", day_shift=2),
        ),
        # a day and a time of that day, not two days: as before
        ("sv", "Kan ni flytta besöket till kl 14 på fredag?", Wish(MOVE, FRIDAY, time(14))),
        ("sv", "kan ni komma till mig på fredag kl 14", Wish(MOVE, FRIDAY, time(14))),
        ("sv", "flytta besöket på måndag och tisdag kl 10", NotUnderstood(Hint.NOT_UNDERSTOOD)),
    ),
)
def test_a_move_to_another_day(language: str, text: str, expected: Wish) -> None:
    assert parse(text, language) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    cases(
        ("sv", "kan ni stanna 15 minuter längre", Wish(LONGER, minutes=15)),
        ("sv", "30 min längre idag", Wish(LONGER, TODAY, minutes=30)),
        ("sv", "en halvtimme längre", Wish(LONGER, minutes=30)),
        ("sv", "kan ni stanna längre i morgon", Wish(LONGER, TOMORROW)),
        ("sv", "kan ni stanna kvar en kvart", Wish(LONGER, minutes=15)),
        ("sv", "15 minuter extra", Wish(LONGER, minutes=15)),
        ("sv", "förläng besöket med en timme", Wish(LONGER, minutes=60)),
        ("sv", "kortare besök i morgon", Wish(SHORTER, TOMORROW)),
        ("sv", "15 min kortare idag", Wish(SHORTER, TODAY, minutes=15)),
        ("en", "stay 20 minutes longer", Wish(LONGER, minutes=20)),
        ("en", "15 more minutes", Wish(LONGER, minutes=15)),
        ("en", "I need a longer visit tomorrow", Wish(LONGER, TOMORROW)),
        ("en", "a shorter visit today", Wish(SHORTER, TODAY)),
        ("en", "fifteen minutes shorter", Wish(SHORTER, minutes=15)),
        ("fi", "15 minuuttia pidempään", Wish(LONGER, minutes=15)),
        ("fi", "15 minuuttia lisää", Wish(LONGER, minutes=15)),
        ("fi", "lyhyempi käynti", Wish(SHORTER)),
        ("fi", "kaksikymmentä minuuttia lyhyempi", Wish(SHORTER, minutes=20)),
    ),
)
def test_longer_and_shorter(language: str, text: str, expected: Wish) -> None:
    assert parse(text, language) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    cases(
        ("sv", "ni behöver inte komma i morgon", Wish(CANCEL, TOMORROW)),
        ("sv", "ställ in besöket idag", Wish(CANCEL, TODAY)),
        ("sv", "avboka", Wish(CANCEL)),
        ("sv", "jag vill avboka besöket på fredag", Wish(CANCEL, FRIDAY)),
        ("sv", "inget besök i morgon", Wish(CANCEL, TOMORROW)),
        ("sv", "hoppa över besöket i morgon", Wish(CANCEL, TOMORROW)),
        # the time names the visit (see test_the_visits_own_time)
        ("sv", "ni behöver inte komma kl 14 idag", Wish(CANCEL, TODAY, visit_at=time(14))),
        ("en", "don't come tomorrow", Wish(CANCEL, TOMORROW)),
        ("en", "cancel today's visit", Wish(CANCEL, TODAY)),
        ("en", "no visit on friday", Wish(CANCEL, FRIDAY)),
        ("fi", "älkää tulko huomenna", Wish(CANCEL, TOMORROW)),
        ("fi", "peruuttaa käynti", Wish(CANCEL)),
        ("fi", "huomisen käynti peruttu", Wish(CANCEL, TOMORROW)),
        ("fi", "ei tarvitse tulla tänään", Wish(CANCEL, TODAY)),
        ("sv", "jag behöver ingen hjälp i morgon", Wish(CANCEL, TOMORROW)),
        ("en", "I don't need help tomorrow", Wish(CANCEL, TOMORROW)),
        ("en", "no need to come tomorrow", Wish(CANCEL, TOMORROW)),
        ("fi", "en tarvitse apua huomenna", Wish(CANCEL, TOMORROW)),
        # away that day: the day's visit (which one is asked when there are several)
        ("sv", "jag är bortrest på lördag", Wish(CANCEL, date(2026, 11, 28))),
        ("sv", "jag är inte hemma i morgon", Wish(CANCEL, TOMORROW)),
        ("sv", "jag är borta på fredag", Wish(CANCEL, FRIDAY)),
        ("sv", "jag är inte hemma kl 14 i morgon", Wish(CANCEL, TOMORROW, visit_at=time(14))),
        ("en", "I am away on Friday", Wish(CANCEL, FRIDAY)),
        ("en", "I'm not home tomorrow", Wish(CANCEL, TOMORROW)),
        ("fi", "olen poissa perjantaina", Wish(CANCEL, FRIDAY)),
        ("fi", "en ole kotona huomenna", Wish(CANCEL, TOMORROW)),
        ("ar", "أنا مسافر يوم الجمعة", Wish(CANCEL, FRIDAY)),
        ("ar", "لن أكون في البيت غدا", Wish(CANCEL, TOMORROW)),
        ("sv", "jag är på sjukhus i morgon", Wish(CANCEL, TOMORROW)),
        ("sv", "mamma är inlagd på fredag", Wish(CANCEL, FRIDAY)),
        ("en", "I will be in hospital on Friday", Wish(CANCEL, FRIDAY)),
        ("fi", "olen sairaalassa perjantaina", Wish(CANCEL, FRIDAY)),
        ("ar", "أنا في المستشفى يوم الجمعة", Wish(CANCEL, FRIDAY)),
        # away for several days: each of them (the first is the day)
        ("sv", "vi är bortresta i helgen", Wish(CANCEL, SAT, away_days=(SAT, SUN))),
        ("sv", "jag är bortrest hela helgen", Wish(CANCEL, SAT, away_days=(SAT, SUN))),
        ("sv", "jag är bortrest lördag och söndag", Wish(CANCEL, SAT, away_days=(SAT, SUN))),
        ("sv", "jag är på kortis från onsdag till fredag", Wish(CANCEL, WED, away_days=WED_FRI)),
        ("sv", "jag är på sjukhus onsdag till fredag", Wish(CANCEL, WED, away_days=WED_FRI)),
        (
            "sv",
            "jag är inte hemma på måndag och onsdag",
            Wish(CANCEL, WED, away_days=(WED, date(2026, 11, 30))),
        ),
        ("en", "I am away this weekend", Wish(CANCEL, SAT, away_days=(SAT, SUN))),
        ("en", "I'm in hospital from Wednesday to Friday", Wish(CANCEL, WED, away_days=WED_FRI)),
        ("fi", "olen poissa viikonloppuna", Wish(CANCEL, SAT, away_days=(SAT, SUN))),
        (
            "fi",
            "olen sairaalassa keskiviikosta perjantaihin",
            Wish(CANCEL, WED, away_days=WED_FRI),
        ),
        ("ar", "أنا مسافرة نهاية الأسبوع", Wish(CANCEL, SAT, away_days=(SAT, SUN))),
        # away until a day: from today up to and including it
        ("sv", "jag är bortrest till fredag", Wish(CANCEL, TODAY, away_days=MON_FRI)),
        ("sv", "jag är på sjukhus till och med onsdag", Wish(CANCEL, TODAY, away_days=MON_WED)),
        ("sv", "pappa är inlagd fram till onsdag", Wish(CANCEL, TODAY, away_days=MON_WED)),
        ("en", "I'm away until Wednesday", Wish(CANCEL, TODAY, away_days=MON_WED)),
        ("en", "I'm in hospital through Wednesday", Wish(CANCEL, TODAY, away_days=MON_WED)),
        ("fi", "olen poissa keskiviikkoon asti", Wish(CANCEL, TODAY, away_days=MON_WED)),
        ("fi", "olen sairaalassa perjantaihin saakka", Wish(CANCEL, TODAY, away_days=MON_FRI)),
        ("ar", "أنا في المستشفى حتى الأربعاء", Wish(CANCEL, TODAY, away_days=MON_WED)),
        # away over dates: each day between ("3-5 december": the dash is not a word)
        ("sv", "jag är bortrest 25-27 november", Wish(CANCEL, WED, away_days=WED_FRI)),
        ("sv", "jag är bortrest 25–27/11", Wish(CANCEL, WED, away_days=WED_FRI)),
        ("sv", "mamma är på kortis 25/11-27/11", Wish(CANCEL, WED, away_days=WED_FRI)),
        ("sv", "jag är bortrest 25 till 27 november", Wish(CANCEL, WED, away_days=WED_FRI)),
        ("en", "I am away 25-27 November", Wish(CANCEL, WED, away_days=WED_FRI)),
        ("fi", "olen sairaalassa 25.-27.11.", Wish(CANCEL, WED, away_days=WED_FRI)),
        ("ar", "أنا مسافر من 25 إلى 27 نوفمبر", Wish(CANCEL, WED, away_days=WED_FRI)),
        # a week: next week's Monday to Sunday, or the rest of this one
        ("sv", "jag är bortrest nästa vecka", Wish(CANCEL, NEXT_MONDAY, away_days=NEXT_WEEK)),
        ("sv", "vi är bortresta hela nästa vecka", Wish(CANCEL, NEXT_MONDAY, away_days=NEXT_WEEK)),
        ("sv", "jag är på sjukhus resten av veckan", Wish(CANCEL, TODAY, away_days=THIS_WEEK)),
        ("en", "I am away next week", Wish(CANCEL, NEXT_MONDAY, away_days=NEXT_WEEK)),
        ("en", "I'm in hospital all week", Wish(CANCEL, TODAY, away_days=THIS_WEEK)),
        ("fi", "olen poissa ensi viikolla", Wish(CANCEL, NEXT_MONDAY, away_days=NEXT_WEEK)),
        ("fi", "olen sairaalassa koko viikon", Wish(CANCEL, TODAY, away_days=THIS_WEEK)),
        ("ar", "أنا مسافر الأسبوع القادم", Wish(CANCEL, NEXT_MONDAY, away_days=NEXT_WEEK)),
        # over a week's end: from the Sunday to the Tuesday after it
        ("sv", "jag är bortrest från söndag till tisdag", Wish(CANCEL, SUN, away_days=SUN_TUE)),
        ("en", "I'm away from Sunday to Tuesday", Wish(CANCEL, SUN, away_days=SUN_TUE)),
        ("fi", "olen poissa sunnuntaista tiistaihin", Wish(CANCEL, SUN, away_days=SUN_TUE)),
        # home again on a day: away up to the day before it
        (
            "sv",
            "vi åker bort på lördag och kommer hem på måndag",
            Wish(CANCEL, SAT, away_days=(SAT, SUN)),
        ),
        ("sv", "jag är bortrest och kommer hem på onsdag", Wish(CANCEL, TODAY, away_days=MON_TUE)),
        ("sv", "jag är bortrest på lördag och kommer hem på söndag", Wish(CANCEL, SAT)),
        (
            "en",
            "I'm away on Saturday, back home on Monday",
            Wish(CANCEL, SAT, away_days=(SAT, SUN)),
        ),
        (
            "fi",
            "olen poissa lauantaina ja tulen kotiin maanantaina",
            Wish(CANCEL, SAT, away_days=(SAT, SUN)),
        ),
        ("ar", "أنا مسافر يوم السبت وسأعود يوم الاثنين", Wish(CANCEL, SAT, away_days=(SAT, SUN))),
        # the words people use for being away
        ("sv", "jag är på semester nästa vecka", Wish(CANCEL, NEXT_MONDAY, away_days=NEXT_WEEK)),
        ("sv", "jag är på resa till onsdag", Wish(CANCEL, TODAY, away_days=MON_WED)),
        ("sv", "jag är hos min dotter i helgen", Wish(CANCEL, SAT, away_days=(SAT, SUN))),
        ("en", "I am on vacation until Wednesday", Wish(CANCEL, TODAY, away_days=MON_WED)),
        ("en", "I'm travelling this weekend", Wish(CANCEL, SAT, away_days=(SAT, SUN))),
        ("fi", "olen lomalla ensi viikolla", Wish(CANCEL, NEXT_MONDAY, away_days=NEXT_WEEK)),
        ("fi", "olen mökillä viikonloppuna", Wish(CANCEL, SAT, away_days=(SAT, SUN))),
        ("ar", "أنا في إجازة الأسبوع القادم", Wish(CANCEL, NEXT_MONDAY, away_days=NEXT_WEEK)),
        # said while away: the days left of it
        ("sv", "jag är på sjukhus 20-24 november", Wish(CANCEL, TODAY, away_days=MON_TUE)),
        ("sv", "jag är bortrest 20 till 24/11", Wish(CANCEL, TODAY, away_days=MON_TUE)),
    ),
)
def test_cancel(language: str, text: str, expected: Wish) -> None:
    assert parse(text, language) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    cases(
        # a time said with the visit names it, whatever the change
        ("sv", "ställ in besöket kl 12 i morgon", Wish(CANCEL, TOMORROW, visit_at=time(12))),
        (
            "sv",
            "besöket i morgon kl 12 kan ni ställa in",
            Wish(CANCEL, TOMORROW, visit_at=time(12)),
        ),
        ("sv", "kom inte kl 12 i morgon", Wish(CANCEL, TOMORROW, visit_at=time(12))),
        (
            "sv",
            "kan ni stanna 15 minuter längre vid besöket klockan tolv i morgon",
            Wish(LONGER, TOMORROW, minutes=15, visit_at=time(12)),
        ),
        (
            "sv",
            "ingen dusch vid besöket kl 8 i morgon",
            Wish(SKIP, TOMORROW, service="shower", visit_at=time(8)),
        ),
        ("en", "cancel the visit at 12 tomorrow", Wish(CANCEL, TOMORROW, visit_at=time(12))),
        (
            "en",
            "please stay 15 minutes longer at the 12 o'clock visit tomorrow",
            Wish(LONGER, TOMORROW, minutes=15, visit_at=time(12)),
        ),
        ("fi", "peruuta käynti kello 12 huomenna", Wish(CANCEL, TOMORROW, visit_at=time(12))),
        ("ar", "ألغ الزيارة الساعة 12 غدا", Wish(CANCEL, TOMORROW, visit_at=time(12))),
        # a move: the time moved from, and the time moved to
        (
            "sv",
            "flytta besöket kl 12 i morgon till kl 13",
            Wish(MOVE, TOMORROW, time(13), visit_at=time(12)),
        ),
        (
            "sv",
            "flytta besöket från kl 12 till kl 13 i morgon",
            Wish(MOVE, TOMORROW, time(13), visit_at=time(12)),
        ),
        (
            "en",
            "move the visit at 12 tomorrow to 1 pm",
            Wish(MOVE, TOMORROW, time(13), visit_at=time(12)),
        ),
        (
            "fi",
            "siirrä huomisen kello 12 käynti kello 13",
            Wish(MOVE, TOMORROW, time(13), visit_at=time(12)),
        ),
        # one time alone is where a visit moves to, and when an extra visit is
        ("sv", "flytta besöket kl 12", Wish(MOVE, None, time(12))),
        ("sv", "flytta besöket till kl 14", Wish(MOVE, None, time(14))),
        ("sv", "extra besök kl 14 i morgon", Wish(EXTRA, TOMORROW, time(14))),
        # an end or a bare time does not name the visit of a longer one
        ("sv", "stanna längre till kl 13", Wish(LONGER)),
        ("en", "stay 30 minutes longer until 1 pm", Wish(LONGER, minutes=30)),
        # two visits are two changes, not one
        (
            "sv",
            "ställ in besöken kl 8 och kl 12 i morgon",
            NotUnderstood(Hint.NOT_UNDERSTOOD),
        ),
    ),
)
def test_the_visits_own_time(language: str, text: str, expected: Wish) -> None:
    assert parse(text, language) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    cases(
        ("sv", "kan ni komma en timme senare", Wish(MOVE, shift=60)),
        (
            "sv",
            "kan ni komma en halvtimme senare i morgon bitti",
            Wish(MOVE, TOMORROW, shift=30, part=DayPart.MORNING),
        ),
        ("sv", "kan ni komma 30 minuter tidigare i morgon", Wish(MOVE, TOMORROW, shift=-30)),
        ("sv", "flytta besöket kl 12 en timme senare", Wish(MOVE, visit_at=time(12), shift=60)),
        ("en", "can you come an hour later tomorrow", Wish(MOVE, TOMORROW, shift=60)),
        # later, but by how much? The time is asked for, with buttons
        ("sv", "kan ni komma lite senare i morgon", Wish(MOVE, TOMORROW)),
        ("sv", "kan ni komma lite tidigare i kväll", Wish(MOVE, TODAY, part=DayPart.EVENING)),
        ("en", "can you come later tomorrow", Wish(MOVE, TOMORROW)),
        (
            "en",
            "come half an hour earlier tomorrow morning",
            Wish(MOVE, TOMORROW, shift=-30, part=DayPart.MORNING),
        ),
        ("fi", "tulkaa puoli tuntia aikaisemmin huomenna", Wish(MOVE, TOMORROW, shift=-30)),
        ("ar", "تعالوا ساعة لاحقا غدا", Wish(MOVE, TOMORROW, shift=60)),
        # longer is not later
        ("sv", "kan ni stanna en timme längre", Wish(LONGER, minutes=60)),
    ),
)
def test_a_move_by_so_much_later_or_earlier(language: str, text: str, expected: Wish) -> None:
    assert parse(text, language) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    cases(
        ("sv", "kan ni komma en extra gång på fredag kl 14", Wish(EXTRA, FRIDAY, time(14))),
        ("sv", "extra besök i morgon kl 10", Wish(EXTRA, TOMORROW, time(10))),
        (
            "sv",
            "ett extra besök i morgon kl 10 på en timme",
            Wish(EXTRA, TOMORROW, time(10), minutes=60),
        ),
        ("sv", "kan ni komma en gång till i morgon kl 18", Wish(EXTRA, TOMORROW, time(18))),
        ("en", "an extra visit on Friday at 2 pm", Wish(EXTRA, FRIDAY, time(14))),
        (
            "en",
            "extra visit tomorrow at 10 for an hour",
            Wish(EXTRA, TOMORROW, time(10), minutes=60),
        ),
        ("en", "another visit tomorrow at 6 pm", Wish(EXTRA, TOMORROW, time(18))),
        ("fi", "ylimääräinen käynti perjantaina klo 14", Wish(EXTRA, FRIDAY, time(14))),
        ("fi", "lisäkäynti huomenna klo 10", Wish(EXTRA, TOMORROW, time(10))),
    ),
)
def test_extra(language: str, text: str, expected: Wish) -> None:
    assert parse(text, language) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    cases(
        ("sv", "hoppa över städningen idag", Wish(SKIP, TODAY, service="cleaning")),
        ("sv", "hoppa över stadningen idag", Wish(SKIP, TODAY, service="cleaning")),
        ("sv", "ingen dusch i morgon", Wish(SKIP, TOMORROW, service="shower")),
        ("sv", "duscha inte i morgon", Wish(SKIP, TOMORROW, service="shower")),
        ("sv", "skippa promenaden på fredag", Wish(SKIP, FRIDAY, service="walk")),
        ("sv", "avboka promenaden på torsdag", Wish(SKIP, THURSDAY, service="walk")),
        ("sv", "ni behöver inte duscha mig i morgon", Wish(SKIP, TOMORROW, service="shower")),
        ("en", "no shower please", Wish(SKIP, service="shower")),
        ("en", "skip the shower tomorrow", Wish(SKIP, TOMORROW, service="shower")),
        ("en", "no cleaning today", Wish(SKIP, TODAY, service="cleaning")),
        ("en", "cancel the cleaning tomorrow", Wish(SKIP, TOMORROW, service="cleaning")),
        ("fi", "ei suihkua huomenna", Wish(SKIP, TOMORROW, service="shower")),
        ("fi", "en tarvitse suihkua huomenna", Wish(SKIP, TOMORROW, service="shower")),
        ("fi", "jätetään siivous väliin", Wish(SKIP, service="cleaning")),
    ),
)
def test_skip_service(language: str, text: str, expected: Wish) -> None:
    assert parse(text, language) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    cases(
        (
            "sv",
            "promenad i stället för städning",
            Wish(SWAP, None, None, None, "cleaning", "walk"),
        ),
        (
            "sv",
            "en promenad istället för städningen på torsdag",
            Wish(SWAP, THURSDAY, None, None, "cleaning", "walk"),
        ),
        ("sv", "gå ut i stället för städning", Wish(SWAP, None, None, None, "cleaning", "walk")),
        ("sv", "inköp i stället för tvätt", Wish(SWAP, None, None, None, "laundry", "shopping")),
        ("sv", "byt städningen mot en promenad", Wish(SWAP, None, None, None, "cleaning", "walk")),
        ("en", "a walk instead of cleaning", Wish(SWAP, None, None, None, "cleaning", "walk")),
        (
            "en",
            "I would like a walk instead of the cleaning on thursday",
            Wish(SWAP, THURSDAY, None, None, "cleaning", "walk"),
        ),
        (
            "en",
            "replace the cleaning with a walk",
            Wish(SWAP, None, None, None, "cleaning", "walk"),
        ),
        ("fi", "kävely siivouksen sijaan", Wish(SWAP, None, None, None, "cleaning", "walk")),
        ("fi", "lounas siivouksen sijasta", Wish(SWAP, None, None, None, "cleaning", "meal")),
        ("fi", "ostokset pyykin sijaan", Wish(SWAP, None, None, None, "laundry", "shopping")),
        ("fi", "vaihdetaan siivous kävelyyn", Wish(SWAP, None, None, None, "cleaning", "walk")),
        (
            "en",
            "swap the shower for a walk on friday",
            Wish(SWAP, FRIDAY, None, None, "shower", "walk"),
        ),
    ),
)
def test_swap(language: str, text: str, expected: Wish) -> None:
    assert parse(text, language) == expected


# --- days -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "day"),
    cases(
        ("sv", "idag kl 15", TODAY),
        ("sv", "i dag kl 15", TODAY),
        ("sv", "i eftermiddag kl 3", TODAY),
        ("sv", "i morgon kl 10", TOMORROW),
        ("sv", "imorgon kl 10", TOMORROW),
        ("sv", "imorrn kl 10", TOMORROW),
        ("sv", "imorn kl 10", TOMORROW),
        ("sv", "i övermorgon kl 10", DAY_AFTER),
        ("sv", "på fredag kl 10", FRIDAY),
        ("sv", "fredag kl 10", FRIDAY),
        ("sv", "på torsdag kl 10", THURSDAY),
        ("sv", "på måndag kl 10", NEXT_MONDAY),  # said on a Monday: the next one
        ("sv", "24/11 kl 10", TOMORROW),
        ("sv", "den 24 november kl 10", TOMORROW),
        ("sv", "24 november kl 10", TOMORROW),
        ("sv", "den 24:e november kl 10", TOMORROW),
        ("sv", "den 24.11 kl 10", TOMORROW),
        ("sv", "24.11.2026 kl 10", TOMORROW),
        ("sv", "kl 10 den 24/11/2026", TOMORROW),
        ("sv", "den 3:e kl 10", date(2026, 12, 3)),  # day of month already past: next month
        ("sv", "2026-11-24 kl 10", TOMORROW),
        ("en", "today at 3 pm", TODAY),
        ("en", "tomorrow at 10", TOMORROW),
        ("en", "day after tomorrow at 10", DAY_AFTER),
        ("en", "the day after tomorrow at 10", DAY_AFTER),
        ("en", "on Friday at 10", FRIDAY),
        ("en", "on wednesday at 10", DAY_AFTER),
        ("en", "November 24 at 10", TOMORROW),
        ("en", "november 24th at 10", TOMORROW),
        ("en", "on the 24th of November at 10", TOMORROW),
        ("en", "the 30th at 10", NEXT_MONDAY),
        ("en", "24th of December at 10", date(2026, 12, 24)),
        ("en", "3rd of december at 10", date(2026, 12, 3)),
        ("en", "dec 3 at 10", date(2026, 12, 3)),
        ("en", "2026-11-24 at 10", TOMORROW),
        ("fi", "tänään klo 15", TODAY),
        ("fi", "huomenna klo 10", TOMORROW),
        ("fi", "ylihuomenna klo 10", DAY_AFTER),
        ("fi", "perjantaina klo 10", FRIDAY),
        ("fi", "torstaina klo 10", THURSDAY),
        ("fi", "24.11. klo 10", TOMORROW),
        ("fi", "24. marraskuuta klo 10", TOMORROW),
        ("fi", "2026-11-24 klo 10", TOMORROW),
    ),
)
def test_days(language: str, text: str, day: date) -> None:
    wish = parse(text, language)
    assert isinstance(wish, Wish)
    assert wish.day == day


def test_date_without_year_is_the_nearest() -> None:
    new_years_eve = datetime(2026, 12, 28, 9, 0, tzinfo=TZ)
    assert parse("3/1 kl 10", "sv", new_years_eve) == Wish(MOVE, date(2027, 1, 3), time(10))
    assert parse("28/12 kl 10", "sv", datetime(2027, 1, 2, 9, tzinfo=TZ)) == NotUnderstood(
        Hint.PAST_DATE
    )


@pytest.mark.parametrize(
    ("language", "text"),
    cases(
        ("sv", "20/11 kl 10"),
        ("sv", "10.11. kl 10"),  # Finnish-style date: 10 October
        ("sv", "ställ in besöket i fredags"),
        ("sv", "ställ in igår"),
        ("en", "last friday at 10"),
        ("en", "cancel yesterday's visit"),
        ("fi", "viime perjantaina klo 10"),
        ("fi", "eilen klo 10"),
        ("sv", "kl 8 idag"),  # today, but 08:00 has passed at 09:00
        ("sv", "kl 8.59 idag"),
        ("en", "today at 7 am"),
        # an absence already over: before, "till igår" cancelled the coming seven days
        ("sv", "jag var bortrest till igår"),
        ("sv", "jag var på sjukhus från 20/11 till 22/11"),
    ),
)
def test_past_date(language: str, text: str) -> None:
    assert parse(text, language) == NotUnderstood(Hint.PAST_DATE)


def test_the_current_minute_today_is_not_past() -> None:
    assert parse("kl 9 idag", "sv") == Wish(MOVE, TODAY, time(9))


# --- times ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "at"),
    cases(
        ("sv", "kl 10", time(10)),
        ("sv", "klockan 10", time(10)),
        ("sv", "kl. 10.30", time(10, 30)),
        ("sv", "kl 14.00", time(14)),
        ("sv", "10:30", time(10, 30)),
        ("sv", "10.30", time(10, 30)),
        ("sv", "10.11", time(10, 11)),  # no trailing dot: a time, not 10 November
        ("sv", "14:00", time(14)),
        ("sv", "00:00", time(0)),
        ("sv", "tio", time(10)),
        ("sv", "klockan tio", time(10)),
        ("sv", "klockan ett", time(13)),  # a twelve-hour clock, see _take_times
        ("sv", "halv elva", time(10, 30)),
        ("sv", "klockan halv elva", time(10, 30)),
        ("sv", "kvart över nio", time(9, 15)),
        ("sv", "kvart i tio", time(9, 45)),
        ("sv", "fem över tio", time(10, 5)),
        ("sv", "tio i elva", time(10, 50)),
        ("sv", "fem i halv elva", time(10, 25)),
        ("sv", "fem över halv elva", time(10, 35)),
        ("sv", "halv ett", time(12, 30)),
        ("sv", "kvart i ett", time(12, 45)),
        ("sv", "kvart över 9", time(9, 15)),
        ("sv", "vid tiotiden", time(10)),
        # Hours of 1-6 said the everyday way are the afternoon's; a morning word or a
        # leading zero keeps them in the night (see _take_times).
        ("sv", "kl 2", time(14)),
        ("sv", "kan ni komma tre i morgon", time(15)),
        ("sv", "halv fyra", time(15, 30)),
        ("sv", "kvart över sex", time(18, 15)),
        ("sv", "kl 3 på morgonen", time(3)),
        ("sv", "kl 03:30", time(3, 30)),
        ("sv", "kl 3 fm", time(3)),
        ("en", "at three", time(15)),
        ("en", "at 3 am", time(3)),
        ("fi", "puoli neljä", time(15, 30)),
        ("fi", "kello kolme aamulla", time(3)),
        ("ar", "الساعة الثالثة", time(15)),
        ("sv", "kl 2 på eftermiddagen", time(14)),
        ("sv", "halv tre på eftermiddagen", time(14, 30)),
        ("sv", "kl 7 på kvällen", time(19)),
        ("sv", "kl 3 em", time(15)),
        ("sv", "flytta till 14", time(14)),
        ("en", "at 10", time(10)),
        ("en", "at 14", time(14)),
        ("en", "10 am", time(10)),
        ("en", "at 10am", time(10)),
        ("en", "at 10 a.m.", time(10)),
        ("en", "2 pm", time(14)),
        ("en", "12:30 pm", time(12, 30)),
        ("en", "12 am", time(0)),
        ("en", "at two pm", time(14)),
        ("en", "ten o'clock", time(10)),
        ("en", "10 o'clock", time(10)),
        ("en", "half past nine", time(9, 30)),
        ("en", "quarter past nine", time(9, 15)),
        ("en", "at a quarter past nine", time(9, 15)),
        ("en", "quarter to ten", time(9, 45)),
        ("en", "twenty to ten", time(9, 40)),
        ("en", "at noon", time(12)),
        ("en", "at 2 in the afternoon", time(14)),
        ("en", "move it to 3 pm", time(15)),
        ("fi", "kello 10", time(10)),
        ("fi", "klo 10.30", time(10, 30)),
        ("fi", "klo 10.30.", time(10, 30)),
        ("fi", "kymmeneltä", time(10)),
        ("fi", "kello kymmenen", time(10)),
        ("fi", "puoli yksitoista", time(10, 30)),
        ("fi", "kello puoli yksitoista", time(10, 30)),
        ("fi", "puoli kymmeneltä", time(9, 30)),
        ("fi", "varttia yli yhdeksän", time(9, 15)),
        ("fi", "varttia vaille kymmenen", time(9, 45)),
        ("fi", "klo 2 iltapäivällä", time(14)),
        ("fi", "kahdelta iltapäivällä", time(14)),
    ),
)
def test_times(language: str, text: str, at: time) -> None:
    wish = parse(text, language)
    assert isinstance(wish, Wish)
    assert (wish.kind, wish.at) == (MOVE, at)


@pytest.mark.parametrize(
    ("language", "text"),
    cases(
        ("sv", "25:70"),
        ("sv", "kl 25:70"),
        ("sv", "kl 31"),
        ("sv", "10:75"),
        ("sv", "kan ni komma kl 24 i morgon"),
        ("sv", "25.70"),
        ("en", "at 14 pm"),
        ("en", "at 10.5"),
        ("fi", "huomenna klo 31"),
        ("sv", "extra besök på fredag kl 25"),
    ),
)
def test_bad_time(language: str, text: str) -> None:
    assert parse(text, language) == NotUnderstood(Hint.BAD_TIME)


# --- durations ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "minutes"),
    cases(
        ("sv", "15 min längre", 15),
        ("sv", "15 minuter längre", 15),
        ("sv", "15min längre", 15),
        ("sv", "tio minuter längre", 10),
        ("sv", "en kvart längre", 15),
        ("sv", "en halvtimme längre", 30),
        ("sv", "en halv timme längre", 30),
        ("sv", "en timme längre", 60),
        ("sv", "två timmar längre", 120),
        ("sv", "1,5 timme längre", 90),
        ("sv", "en och en halv timme längre", 90),
        ("en", "15 minutes longer", 15),
        ("en", "15 mins longer", 15),
        ("en", "half an hour longer", 30),
        ("en", "a quarter of an hour longer", 15),
        ("en", "an hour longer", 60),
        ("en", "1 hour longer", 60),
        ("en", "one and a half hours longer", 90),
        ("fi", "15 minuuttia pidempään", 15),
        ("fi", "vartin pidempään", 15),
        ("fi", "puoli tuntia pidempään", 30),
        ("fi", "tunnin pidempään", 60),
        ("fi", "kaksi tuntia pidempään", 120),
        ("fi", "puolitoista tuntia pidempään", 90),
    ),
)
def test_minutes(language: str, text: str, minutes: int) -> None:
    assert parse(text, language) == Wish(LONGER, minutes=minutes)


# --- not understood -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text"),
    cases(
        ("sv", "kan ni komma i morgon i stället"),
        ("sv", "extra besök"),
        ("sv", "extra besök på fredag"),
        ("en", "an extra visit on friday"),
        ("fi", "voitteko tulla huomenna"),
    ),
)
def test_no_time(language: str, text: str) -> None:
    assert parse(text, language) == NotUnderstood(Hint.NO_TIME)


@pytest.mark.parametrize(
    ("language", "text"),
    cases(
        ("sv", ""),
        ("sv", "   "),
        ("sv", "???"),
        ("sv", "asdfgh"),
        ("sv", "i morgon"),  # a day, but what about it?
        ("sv", "i fredags"),
        ("sv", "hygien"),
        ("en", "check"),
        ("sv", "tre gånger"),
        ("sv", "24.11"),
        ("sv", "inte längre"),
        ("sv", "31/11 kl 10"),  # no such date
        ("fi", "31.11. klo 10"),
        ("sv", "kan ni komma 10:30 eller 11:00"),  # two new times
        ("sv", "flytta besöket på måndag och tisdag kl 10"),  # two days
        ("sv", "kom inte kl 8 utan kl 10"),  # cancel or move?
        ("sv", "ingen dusch och ingen städning"),  # one service at a time
        ("sv", "längre och kortare"),
        ("sv", "30 min längre idag och 15 min längre i morgon"),
        ("sv", "ingen städning men ett extra besök på fredag kl 14"),
        # talk that is no wish at all
        ("sv", "Det var en bra promenad igår"),
        ("sv", "jag är bortrest från 1 december till 20 december"),  # weeks: not by wishes
        ("sv", "jag är bortrest 1-20 december"),
        ("sv", "jag är på sjukhus till 20 december"),
        # a week named for anything but being away: which of its days?
        ("sv", "ingen städning nästa vecka"),  # before: today's or tomorrow's cleaning
        ("sv", "flytta duschen till nästa vecka"),
        ("sv", "kan ni komma kl 10 i helgen"),  # which of the two days?
        ("en", "I am away"),
        ("en", "The cleaning was great, thanks"),
        ("sv", "Tack för igår"),
    ),
)
def test_not_understood(language: str, text: str) -> None:
    assert parse(text, language) == NotUnderstood(Hint.NOT_UNDERSTOOD)


# --- languages, spelling --------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    cases(
        ("sv", "tomorrow at 10", Wish(MOVE, TOMORROW, time(10))),  # mixed languages
        ("en", "i morgon kl 10", Wish(MOVE, TOMORROW, time(10))),
        ("fi", "cancel tomorrow", Wish(CANCEL, TOMORROW)),
        ("sv", "huomenna klo 10", Wish(MOVE, TOMORROW, time(10))),
        ("de", "tomorrow at 10", Wish(MOVE, TOMORROW, time(10))),  # unknown code: try all
        ("", "i morgon kl 10", Wish(MOVE, TOMORROW, time(10))),
        ("sv-SE", "i morgon kl 10", Wish(MOVE, TOMORROW, time(10))),
        ("sv", "KAN NI KOMMA KL 10 I STÄLLET?!", Wish(MOVE, None, time(10))),
        ("sv", "istallet kl 10 imorgon", Wish(MOVE, TOMORROW, time(10))),  # no å/ä/ö
        ("sv", "i morgon, kl. 10!", Wish(MOVE, TOMORROW, time(10))),
        ("en", "tomorow at 10", Wish(MOVE, TOMORROW, time(10))),  # one-letter typo
        ("en", "tommorow at 10", Wish(MOVE, TOMORROW, time(10))),
        ("en", "on wednesdy at 10", Wish(MOVE, DAY_AFTER, time(10))),
        ("fi", "huomena klo 10", Wish(MOVE, TOMORROW, time(10))),
        ("en", "Can you come at 10 instead, please? Thanks!", Wish(MOVE, None, time(10))),
    ),
)
def test_languages_and_spelling(language: str, text: str, expected: Wish) -> None:
    assert parse(text, language) == expected


def test_finnish_en_is_a_negation_only_in_finnish() -> None:
    # Swedish "en" is "a": not a negation
    assert parse("en promenad i stället för städningen", "sv") == Wish(
        SWAP, service="cleaning", new_service="walk"
    )
    assert parse("en halvtimme längre", "en") == Wish(LONGER, minutes=30)
    assert parse("en tarvitse suihkua", "fi") == Wish(SKIP, service="shower")


# --- services -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "word", "service"),
    [
        pytest.param(lang, word, service, id=f"{lang}:{word}")
        for lang, words in {
            "sv": {
                "städ": "cleaning",
                "städning": "cleaning",
                "städa": "cleaning",
                "tvätt": "laundry",
                "tvätta": "laundry",
                "handla": "shopping",
                "inköp": "shopping",
                "handling": "shopping",
                "mat": "meal",
                "måltid": "meal",
                "lunch": "meal",
                "middag": "meal",
                "frukost": "meal",
                "hygien": "hygiene",
                "dusch": "shower",
                "duscha": "shower",
                "påklädning": "dressing",
                "klä på": "dressing",
                "promenad": "walk",
                "promenera": "walk",
                "gå ut": "walk",
                "sällskap": "company",
                "tillsyn": "supervision",
            },
            "en": {
                "cleaning": "cleaning",
                "clean": "cleaning",
                "laundry": "laundry",
                "washing": "laundry",
                "shopping": "shopping",
                "meal": "meal",
                "lunch": "meal",
                "dinner": "meal",
                "breakfast": "meal",
                "hygiene": "hygiene",
                "shower": "shower",
                "dressing": "dressing",
                "walk": "walk",
                "company": "company",
                "supervision": "supervision",
                "check": "supervision",
            },
            "fi": {
                "siivous": "cleaning",
                "siivota": "cleaning",
                "pyykki": "laundry",
                "pyykinpesu": "laundry",
                "kauppa": "shopping",
                "kauppa-asiat": "shopping",
                "ostokset": "shopping",
                "ateria": "meal",
                "ruoka": "meal",
                "lounas": "meal",
                "päivällinen": "meal",
                "aamiainen": "meal",
                "hygienia": "hygiene",
                "suihku": "shower",
                "pukeutuminen": "dressing",
                "kävely": "walk",
                "ulkoilu": "walk",
                "seura": "company",
                "valvonta": "supervision",
            },
        }.items()
        for word, service in words.items()
    ],
)
def test_service_words(language: str, word: str, service: str) -> None:
    skip = {"sv": "hoppa över {} idag", "en": "skip {} today", "fi": "jätetään {} väliin tänään"}
    part = MEALS_AT.get(word)
    assert parse(skip[language].format(word), language) == Wish(
        SKIP, TODAY, service=service, part=part
    )


# A meal eaten at one part of the day names that part's visit ("ställ in lunchen").
MEALS_AT = {
    "frukost": DayPart.MORNING,
    "breakfast": DayPart.MORNING,
    "aamiainen": DayPart.MORNING,
    "lunch": DayPart.MIDDAY,
    "lounas": DayPart.MIDDAY,
    "dinner": DayPart.EVENING,
    "päivällinen": DayPart.EVENING,
}


def test_word_tables_are_consistent() -> None:
    tags_per_phrase = defaultdict(set)
    for entry in wish_parser._ENTRIES:
        tags_per_phrase[entry.lang, entry.words].add(entry.tag)
        if entry.tag is wish_parser._T.SERVICE:
            assert entry.value in SERVICES
    ambiguous = {phrase: tags for phrase, tags in tags_per_phrase.items() if len(tags) > 1}
    assert not ambiguous


# --- properties -----------------------------------------------------------------------

VOCABULARY = sorted(
    {" ".join(e.words).replace("*", "") for e in wish_parser._ENTRIES}
    | {"10", "14:30", "25:70", "10.30", "24.11.", "24/11", "2026-11-24", "24:e", "3", "?"}
)


def check_invariants(result: Wish | NotUnderstood) -> None:
    if isinstance(result, NotUnderstood):
        assert result.hint in Hint
        return
    assert result.day is None or result.day >= TODAY
    assert result.service is None or result.service in SERVICES
    # a move goes to a time or by so much, never both (neither: "later", the time is asked);
    # an extra visit has its time
    if result.kind is MOVE:
        assert result.at is None or result.shift is None
    else:
        assert (result.at is not None) == (result.kind is EXTRA) and result.shift is None
    if result.at is not None and result.day == TODAY:
        assert result.at >= NOW.time()
    assert result.shift != 0
    if result.new_day is not None:  # a move to another day, never a past one
        assert result.kind is MOVE and result.shift is None
        assert result.new_day >= TODAY and result.new_day != result.day
    if result.day_shift is not None:  # a move by whole days, and by nothing else
        assert result.kind is MOVE and result.day_shift != 0
        assert result.shift is None and result.new_day is None and result.at is None
    if result.kind is SKIP:
        assert result.service is not None
    if result.kind is SWAP:  # at least one half; the other is asked
        assert result.service is not None or result.new_service is not None
        assert result.service != result.new_service
    else:
        assert result.new_service is None
    if result.minutes is not None:
        assert result.minutes > 0 and result.kind in (LONGER, SHORTER, EXTRA)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80), language=st.sampled_from(["sv", "en", "fi", "xx"]))
def test_any_text_gives_a_wish_or_a_hint(text: str, language: str) -> None:
    check_invariants(parse(text, language))


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.sampled_from(VOCABULARY), max_size=8),
    language=st.sampled_from(["sv", "en", "fi"]),
)
def test_any_mix_of_known_words_gives_a_consistent_answer(words: list[str], language: str) -> None:
    check_invariants(parse(" ".join(words), language))


# --- not a wish: greetings, thanks, questions about the plan ----------------------------


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    cases(
        ("sv", "hej", NotUnderstood(Hint.GREETING)),
        ("sv", "Hej!", NotUnderstood(Hint.GREETING)),
        ("sv", "god morgon", NotUnderstood(Hint.GREETING)),
        ("sv", "hejsan Anna", NotUnderstood(Hint.GREETING)),
        ("fi", "huomenta", NotUnderstood(Hint.GREETING)),
        ("fi", "hei", NotUnderstood(Hint.GREETING)),
        ("en", "hello", NotUnderstood(Hint.GREETING)),
        ("ar", "مرحبا", NotUnderstood(Hint.GREETING)),
        ("ar", "السلام عليكم", NotUnderstood(Hint.GREETING)),
        ("sv", "tack", NotUnderstood(Hint.THANKS)),
        ("sv", "tack så mycket!", NotUnderstood(Hint.THANKS)),
        ("fi", "kiitos", NotUnderstood(Hint.THANKS)),
        ("ar", "شكرا جزيلا", NotUnderstood(Hint.THANKS)),
        # questions about the plan are not wishes: they are answered with that day's visits
        ("sv", "vem kommer idag?", NotUnderstood(Hint.ASKS_PLAN, TODAY)),
        ("sv", "När kommer ni i morgon?", NotUnderstood(Hint.ASKS_PLAN, TOMORROW)),
        ("sv", "Vem kommer i morgon?", NotUnderstood(Hint.ASKS_PLAN, TOMORROW)),
        ("sv", "när kommer ni?", NotUnderstood(Hint.ASKS_PLAN, TODAY)),
        ("sv", "vem kommer på fredag", NotUnderstood(Hint.ASKS_PLAN, FRIDAY)),
        ("en", "when are you coming tomorrow?", NotUnderstood(Hint.ASKS_PLAN, TOMORROW)),
        ("en", "who is coming today", NotUnderstood(Hint.ASKS_PLAN, TODAY)),
        ("fi", "milloin tulette huomenna", NotUnderstood(Hint.ASKS_PLAN, TOMORROW)),
        ("fi", "kuka tulee tänään?", NotUnderstood(Hint.ASKS_PLAN, TODAY)),
        ("ar", "من سيأتي اليوم؟", NotUnderstood(Hint.ASKS_PLAN, TODAY)),
        ("ar", "متى تأتون غدا؟", NotUnderstood(Hint.ASKS_PLAN, TOMORROW)),
    ),
)
def test_not_a_wish(language: str, text: str, expected: NotUnderstood) -> None:
    assert parse(text, language) == expected


# --- the part of the day names the visit ------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    cases(
        ("sv", "ställ in besöket i kväll", Wish(CANCEL, TODAY, part=DayPart.EVENING)),
        (
            "sv",
            "besöket i kväll 15 min längre",
            Wish(LONGER, TODAY, minutes=15, part=DayPart.EVENING),
        ),
        ("sv", "kortare besök på eftermiddagen", Wish(SHORTER, part=DayPart.AFTERNOON)),
        ("sv", "ställ in morgonbesöket", Wish(CANCEL)),  # one word: not read as a part
        ("sv", "ställ in besöket i morgon bitti", Wish(CANCEL, TOMORROW, part=DayPart.MORNING)),
        ("en", "cancel the visit tonight", Wish(CANCEL, TODAY, part=DayPart.EVENING)),
        ("fi", "peru käynti tänä iltana", Wish(CANCEL, TODAY, part=DayPart.EVENING)),
        ("fi", "peru käynti iltapäivällä", Wish(CANCEL, part=DayPart.AFTERNOON)),
        ("ar", "إلغاء زيارة المساء", Wish(CANCEL, part=DayPart.EVENING)),
        # a part of the day that belongs to the new time names no visit
        ("sv", "kan ni komma kl 7 i kväll i stället", Wish(MOVE, TODAY, time(19))),
    ),
)
def test_part_of_the_day(language: str, text: str, expected: Wish) -> None:
    assert parse(text, language) == expected


# --- half a swap: the other half is asked -------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    cases(
        ("sv", "en promenad i stället", Wish(SWAP, new_service="walk")),
        ("en", "a walk instead", Wish(SWAP, new_service="walk")),
        ("sv", "i stället för städningen på fredag", Wish(SWAP, FRIDAY, service="cleaning")),
        ("fi", "siivouksen sijaan perjantaina", Wish(SWAP, FRIDAY, service="cleaning")),
    ),
)
def test_half_a_swap(language: str, text: str, expected: Wish) -> None:
    assert parse(text, language) == expected


# --- an answer typed instead of pressing a button ----------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    cases(
        ("sv", "20 minuter", 20),
        ("sv", "en kvart", 15),
        ("sv", "en halvtimme", 30),
        ("sv", "20", 20),
        ("fi", "puoli tuntia", 30),
        ("fi", "15 minuuttia", 15),
        ("ar", "ربع ساعة", 15),
        ("ar", "٢٠ دقيقة", 20),
        ("en", "half an hour", 30),
        ("sv", "vet inte", None),
        ("sv", "10 eller 20 min", None),
    ),
)
def test_read_minutes(language: str, text: str, expected: int | None) -> None:
    assert read_minutes(text, language=language) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    cases(
        ("sv", "för en promenad", "walk"),
        ("sv", "promenad", "walk"),
        ("sv", "städning", "cleaning"),
        ("fi", "kävely", "walk"),
        ("ar", "نزهة", "walk"),
        ("ar", "الاستحمام", "shower"),
        ("sv", "något annat", None),
        ("sv", "promenad eller dusch", None),
    ),
)
def test_read_service(language: str, text: str, expected: str | None) -> None:
    assert read_service(text, language=language) == expected


# --- Finnish, for Aino: every common phrasing --------------------------------------------

FINNISH = cases(
    # today / tomorrow / weekdays, and a clock time
    ("fi", "voitteko tulla tänään kello 14", Wish(MOVE, TODAY, time(14))),
    ("fi", "tulkaa huomenna klo 10", Wish(MOVE, TOMORROW, time(10))),
    ("fi", "huomenna kymmeneltä", Wish(MOVE, TOMORROW, time(10))),
    ("fi", "voisitteko tulla huomenna kymmeneltä?", Wish(MOVE, TOMORROW, time(10))),
    ("fi", "siirtäkää käynti perjantaina klo 11", Wish(MOVE, FRIDAY, time(11))),
    ("fi", "tulkaa keskiviikkona klo 10.30", Wish(MOVE, DAY_AFTER, time(10, 30))),
    ("fi", "torstaina puoli yksitoista", Wish(MOVE, THURSDAY, time(10, 30))),
    ("fi", "maanantaina kello 9", Wish(MOVE, NEXT_MONDAY, time(9))),
    ("fi", "tiistaina klo 13", Wish(MOVE, TOMORROW, time(13))),
    ("fi", "ylihuomenna klo 12", Wish(MOVE, DAY_AFTER, time(12))),
    ("fi", "huomenna kolmelta iltapäivällä", Wish(MOVE, TOMORROW, time(15))),
    # longer / shorter
    ("fi", "15 minuuttia pidempään tänään", Wish(LONGER, TODAY, minutes=15)),
    ("fi", "pidempi käynti huomenna", Wish(LONGER, TOMORROW)),
    ("fi", "puoli tuntia pidempään", Wish(LONGER, minutes=30)),
    ("fi", "lyhyempi käynti perjantaina", Wish(SHORTER, FRIDAY)),
    ("fi", "10 minuuttia lyhyempi tänään", Wish(SHORTER, TODAY, minutes=10)),
    # cancel
    ("fi", "peruuta perjantain käynti", Wish(CANCEL, FRIDAY)),
    ("fi", "perukaa huomisen käynti", Wish(CANCEL, TOMORROW)),
    ("fi", "älkää tulko huomenna", Wish(CANCEL, TOMORROW)),
    ("fi", "ei siivousta perjantaina", Wish(SKIP, FRIDAY, service="cleaning")),
    ("fi", "kävely siivouksen sijaan", Wish(SWAP, service="cleaning", new_service="walk")),
    ("fi", "lisäkäynti perjantaina klo 14", Wish(EXTRA, FRIDAY, time(14))),
)


@pytest.mark.parametrize(("language", "text", "expected"), FINNISH)
def test_finnish(language: str, text: str, expected: Wish) -> None:
    assert parse(text, language) == expected


# --- Arabic, for Samira: every common phrasing --------------------------------------------

ARABIC = cases(
    # today / tomorrow / weekday names
    ("ar", "هل يمكنكم المجيء غدًا الساعة العاشرة بدلًا من ذلك؟", Wish(MOVE, TOMORROW, time(10))),
    ("ar", "تعالوا اليوم الساعة 2 بعد الظهر", Wish(MOVE, TODAY, time(14))),
    ("ar", "بكرة الساعة 10", Wish(MOVE, TOMORROW, time(10))),
    ("ar", "بكره الساعه ١٠", Wish(MOVE, TOMORROW, time(10))),
    ("ar", "بعد غد الساعة 12", Wish(MOVE, DAY_AFTER, time(12))),
    ("ar", "يوم الجمعة الساعة ١٤", Wish(MOVE, FRIDAY, time(14))),
    ("ar", "الخميس الساعة 11", Wish(MOVE, THURSDAY, time(11))),
    # "to Wednesday at 9": the visit goes to that day (which visit is asked)
    (
        "ar",
        "انقلوا الزيارة إلى يوم الأربعاء الساعة 9",
        Wish(MOVE, None, time(9), new_day=DAY_AFTER),
    ),
    ("ar", "الإثنين الساعة ٩", Wish(MOVE, NEXT_MONDAY, time(9))),
    ("ar", "الثلاثاء الساعة 13", Wish(MOVE, TOMORROW, time(13))),
    # a clock time: digits (also Arabic-Indic), hour words, half past, am/pm
    ("ar", "غداً الساعة ١٠:٣٠", Wish(MOVE, TOMORROW, time(10, 30))),
    ("ar", "غدا الساعة 10:30", Wish(MOVE, TOMORROW, time(10, 30))),
    ("ar", "غدا الساعة العاشرة والنصف", Wish(MOVE, TOMORROW, time(10, 30))),
    ("ar", "غدا الساعة التاسعة والربع", Wish(MOVE, TOMORROW, time(9, 15))),
    ("ar", "غدا الساعة العاشرة إلا ربع", Wish(MOVE, TOMORROW, time(9, 45))),
    ("ar", "غدا الساعة الحادية عشرة", Wish(MOVE, TOMORROW, time(11))),
    ("ar", "غدا الساعة ٦ مساءً", Wish(MOVE, TOMORROW, time(18))),
    ("ar", "غدا الساعة الثامنة صباحا", Wish(MOVE, TOMORROW, time(8))),
    ("ar", "أجّلوا زيارة الغد إلى الساعة ١١", Wish(MOVE, TOMORROW, time(11))),
    # longer / shorter
    ("ar", "زيارة أطول ١٥ دقيقة اليوم", Wish(LONGER, TODAY, minutes=15)),
    ("ar", "أطول بـ15 دقيقة اليوم", Wish(LONGER, TODAY, minutes=15)),
    ("ar", "نصف ساعة أطول غدا", Wish(LONGER, TOMORROW, minutes=30)),
    ("ar", "زيارة أطول يوم الجمعة", Wish(LONGER, FRIDAY)),
    ("ar", "زيارة أقصر غدا", Wish(SHORTER, TOMORROW)),
    ("ar", "أقصر بعشر دقائق اليوم", Wish(SHORTER, TODAY, minutes=10)),
    # cancel, skip, swap, extra
    ("ar", "إلغاء زيارة يوم الجمعة", Wish(CANCEL, FRIDAY)),
    ("ar", "ألغوا زيارة الغد", Wish(CANCEL, TOMORROW)),
    ("ar", "لا تأتوا غدا", Wish(CANCEL, TOMORROW)),
    ("ar", "بدون استحمام يوم الخميس", Wish(SKIP, THURSDAY, service="shower")),
    ("ar", "نزهة بدلًا من التنظيف", Wish(SWAP, service="cleaning", new_service="walk")),
    ("ar", "زيارة إضافية يوم الجمعة الساعة ١٤", Wish(EXTRA, FRIDAY, time(14))),
)


@pytest.mark.parametrize(("language", "text", "expected"), ARABIC)
def test_arabic(language: str, text: str, expected: Wish) -> None:
    assert parse(text, language) == expected


def test_arabic_is_understood_whatever_the_account_language() -> None:
    """Samira's daughter may have the bot in Swedish and still write Arabic."""
    assert parse("بكرة الساعة 10", "sv") == Wish(MOVE, TOMORROW, time(10))
