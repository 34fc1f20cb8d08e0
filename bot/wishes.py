"""From a wish to a change: which visit the wish is about, and the one question still open.

``wish_to_change(wish, visits, now)`` takes what the client asked for (a ``Wish``, parsed
from their words by ``bot.wish_parser`` or put together from the buttons they pressed) and
their visits, and answers either the complete ``contract.Change`` or the one thing still to
ask: which visit (among which), the new time, how many minutes, which service (among which);
or that no visit fits. Which fields a kind of change needs is the contract's rule
(``contract.Change`` validates it): what it says is missing is what is asked.

Pure: no I/O, no aiogram. The change flow (``bot/handlers/change.py``) asks the question
with one FSM state per question, and previews the change once it is complete.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from pydantic import TypeAdapter, ValidationError

from bot.wish_parser import DayPart, Wish, WishKind
from contract import TZ, Change, ChangeKind, Minutes, ServiceCode, VisitPublic, VisitStatus

# What the client is offered to choose from.
LONGER = (15, 30, 45, 60)
SHORTER = (5, 10, 15, 30)
EXTRA_LENGTHS = (15, 30, 45, 60)

CHANGE_KINDS = {
    WishKind.MOVE: ChangeKind.MOVE,
    WishKind.LONGER: ChangeKind.RESIZE,
    WishKind.SHORTER: ChangeKind.RESIZE,
    WishKind.CANCEL: ChangeKind.CANCEL,
    WishKind.EXTRA: ChangeKind.EXTRA,
    WishKind.SKIP_SERVICE: ChangeKind.SKIP_SERVICE,
    WishKind.SWAP: ChangeKind.SWAP,
}
_MINUTES = TypeAdapter(Minutes)


class MinutesFor(StrEnum):
    LONGER = "longer"  # how many minutes longer
    SHORTER = "shorter"  # how many minutes shorter
    EXTRA_LENGTH = "extra_length"  # how long the extra visit is


class ServiceFor(StrEnum):
    SKIP = "skip"  # which of the visit's services to skip
    GIVE_UP = "give_up"  # which of the visit's services to give up for another
    GET_INSTEAD = "get_instead"  # which granted service to get instead
    EXTRA = "extra"  # which granted service at the extra visit


@dataclass(frozen=True)
class AskVisit:
    """Which visit is it about? Several fit. ``whole_days``: a cancellation that fits every
    visit of one day ("jag är bortrest på lördag") or of the days away ("i helgen"), so all
    of them may be chosen at once."""

    candidates: tuple[VisitPublic, ...]
    whole_days: tuple[date, ...] = ()


@dataclass(frozen=True)
class AskTime:
    """The new time of ``visit``, or (``visit`` None) when the extra visit should be."""

    visit: VisitPublic | None


@dataclass(frozen=True)
class AskMinutes:
    what: MinutesFor
    visit: VisitPublic | None  # None: the extra visit
    options: tuple[int, ...]


@dataclass(frozen=True)
class AskService:
    what: ServiceFor
    visit: VisitPublic | None  # None: the extra visit
    among: tuple[ServiceCode, ...]  # may be empty: nothing left to choose


@dataclass(frozen=True)
class NoVisit:
    """No visit that can still be changed fits the wish (``day``: the day it named).
    ``already``: a move to another day found the visit on that day already ("flytta
    duschen till onsdag" when the shower is on Wednesday)."""

    day: date | None
    already: VisitPublic | None = None


Question = AskVisit | AskTime | AskMinutes | AskService


def changeable(visits: Sequence[VisitPublic], now: datetime) -> list[VisitPublic]:
    """The visits a change can still be asked for: planned and not yet begun."""
    return [v for v in visits if v.status is VisitStatus.PLANNED and v.start > now]


def wish_to_change(
    wish: Wish,
    visits: Sequence[VisitPublic],
    now: datetime,
    granted: Sequence[ServiceCode] = (),
    *,
    visit: VisitPublic | None = None,
) -> Change | Question | NoVisit:
    """The change ``wish`` asks for, or the one question still needed to know it.

    ``visits`` are the client's visits (only those that can still be changed count),
    ``granted`` the services their order grants (offered for a swap or an extra visit),
    ``now`` the moment (aware). ``visit``: the visit the client has already chosen.

    Without a chosen visit, the wish is about the changeable visits on the day it names (on
    today or tomorrow when it names none) that have the service it names, if any do: a
    skipped or swapped service must be in the visit.
    """
    if wish.kind is WishKind.EXTRA:
        visit = None  # a new visit, not a change of one
    elif visit is None:
        wish = _a_service_to_another_day(wish, changeable(visits, now))
        candidates = _candidates(wish, changeable(visits, now), _today(now))
        if not candidates:
            return NoVisit(wish.day, _already_there(wish, changeable(visits, now)))
        if len(candidates) > 1:
            return AskVisit(tuple(candidates), _whole_days(wish, candidates))
        visit = candidates[0]
    if wish.kind is WishKind.SKIP_SERVICE and visit is not None and _only_one_left(wish, visit):
        # "ställ in lunchen" of a visit that is only the lunch, or "Skip one thing" of a
        # visit with one thing left to do: nothing is left to come for
        wish = replace(wish, kind=WishKind.CANCEL, service=None)
    try:
        return Change(kind=CHANGE_KINDS[wish.kind], **_fields(wish, visit, _today(now)))
    except ValidationError as exc:
        missing = _missing(exc)
    return _question(missing[0], wish, visit, granted)


def _whole_days(wish: Wish, candidates: list[VisitPublic]) -> tuple[date, ...]:
    """The days, when a cancellation naming no service fits several visits all of one day
    or of the days away ("ställ in duschen" is about the shower's visit, not the day)."""
    days = sorted({visit.day for visit in candidates})
    if wish.kind is not WishKind.CANCEL or wish.service is not None:
        return ()
    if len(days) > 1 and not wish.away_days:
        return ()  # "ställ in besöket": today's or tomorrow's, not both
    return tuple(days)


def all_of_the_days(
    visits: Sequence[VisitPublic], days: Sequence[date], waiting: Sequence[int]
) -> list[VisitPublic]:
    """The visits "Alla N besök" cancels: those of the days away that no wish already waits
    about (``waiting``)."""
    return [visit for visit in visits if visit.day in days and visit.id not in waiting]


def _only_one_left(wish: Wish, visit: VisitPublic) -> bool:
    """Whether skipping what the wish names (or, naming nothing, the one thing) would leave
    the visit with nothing to do."""
    left = _left(visit)
    return len(left) == 1 and wish.service in (None, left[0])


def _left(visit: VisitPublic) -> list[ServiceCode]:
    """The visit's services not already skipped this time."""
    return [s for s in visit.services if s not in visit.declined_services]


def _today(now: datetime) -> date:
    return now.astimezone(TZ).date()


# The hours (local, start of the visit) each part of the day covers; they overlap, as
# people's words do: a visit at 16:30 may be "afternoon" or "evening".
PART_HOURS = {
    DayPart.MORNING: range(0, 12),
    DayPart.MIDDAY: range(11, 15),
    DayPart.AFTERNOON: range(12, 18),
    DayPart.EVENING: range(16, 24),
}


def _a_service_to_another_day(wish: Wish, visits: list[VisitPublic]) -> Wish:
    """ "Kan ni städa på måndag i stället": a service wanted "instead" on a day whose visits
    do not have it, while another day's visit does, is that visit moved to the day (at its
    own time), not a swap at the day's visit."""
    wanted = wish.new_service
    if wish.kind is not WishKind.SWAP or wish.service is not None or wanted is None:
        return wish
    if wish.day is None or any(v.day == wish.day and wanted in v.services for v in visits):
        return wish
    if not any(v.day != wish.day and wanted in v.services for v in visits):
        return wish
    return Wish(WishKind.MOVE, service=wanted, new_day=wish.day, visit_at=wish.visit_at)


def _candidates(wish: Wish, visits: list[VisitPublic], today: date) -> list[VisitPublic]:
    new_day = wish.new_day  # a move to another day: "flytta duschen till torsdag"
    if wish.away_days:  # "jag är bortrest i helgen": every visit of those days
        return [v for v in visits if v.day in wish.away_days]
    candidates = [v for v in visits if wish.day is None or v.day == wish.day]
    if new_day is not None and wish.at is None:
        # not one on that day already (it would not move)
        candidates = [v for v in candidates if v.day != new_day]
    if wish.service is not None:
        # "...instead of lunch": the visits with that service, if any have it.
        with_service = [v for v in candidates if wish.service in v.services]
        if (
            with_service
            or new_day is not None
            or wish.kind in (WishKind.SKIP_SERVICE, WishKind.SWAP)
        ):
            candidates = with_service
    if wish.part is not None:
        # "besöket i kväll": the visits in that part of the day, if any are.
        hours = PART_HOURS[wish.part]
        in_part = [v for v in candidates if v.start.astimezone(TZ).hour in hours]
        candidates = in_part or candidates
    if wish.day is None and new_day is not None and wish.service is not None and candidates:
        # "flytta duschen till torsdag": Wednesday's shower, not next week's
        nearest = min(abs((v.day - new_day).days) for v in candidates)
        candidates = [v for v in candidates if abs((v.day - new_day).days) == nearest]
    elif wish.day is None:
        # "Can you come at ten instead?" is about the next visits, not one next week;
        # but "a walk instead of the cleaning" is about the cleaning, whenever it is.
        soon = [v for v in candidates if v.day <= today + timedelta(days=1)]
        candidates = soon or candidates
    if wish.visit_at is not None:
        at = _at_the_time(candidates, wish.visit_at, any_day=wish.day is None)
        if not at and 1 <= wish.visit_at.hour <= 11:
            # "besöket klockan fem" is the 17:00 visit when there is none at 05:00
            later = wish.visit_at.replace(hour=wish.visit_at.hour + 12)
            at = _at_the_time(candidates, later, any_day=wish.day is None)
        candidates = at
    return candidates


def _already_there(wish: Wish, visits: list[VisitPublic]) -> VisitPublic | None:
    """For a move to another day that found nothing to move: the visit with the service
    named that is on that day already, if there is one."""
    if wish.new_day is None or wish.service is None:
        return None
    there = [v for v in visits if v.day == wish.new_day and wish.service in v.services]
    return there[0] if there else None


# How far from a visit's start a time said for it may be: "besöket kl 12" for 12:05.
NAMED_TIME_SLACK = timedelta(minutes=30)


def _at_the_time(visits: list[VisitPublic], said: time, *, any_day: bool) -> list[VisitPublic]:
    """The visits the time said names ("ställ in besöket kl 12"): those starting then, else
    those starting within half an hour of it or running at it; none if none is near, so
    that the client is told no visit fits rather than offered one they did not mean.
    Without a day ("kom inte kl 12"), the next such visit."""

    def gap(v: VisitPublic) -> timedelta:
        start = v.start.astimezone(TZ)
        at = datetime.combine(start.date(), said, tzinfo=TZ)
        if start <= at < start + timedelta(minutes=v.duration_minutes):
            return at - start
        return abs(start - at)

    exact = [v for v in visits if gap(v) == timedelta(0)]
    near = exact or [v for v in visits if gap(v) <= NAMED_TIME_SLACK]
    if any_day and near:
        first_day = min(v.day for v in near)
        near = [v for v in near if v.day == first_day]
    return near


def _fields(wish: Wish, visit: VisitPublic | None, today: date) -> dict[str, Any]:
    """What the wish says of each field of a change (None: not said)."""
    fields: dict[str, Any] = {"visit_id": visit.id if visit is not None else None}
    if wish.at is not None:
        # A move keeps the visit's day unless another is named; an extra visit is today.
        day = wish.new_day or wish.day or (visit.day if visit is not None else today)
        fields["new_start"] = datetime.combine(day, wish.at, tzinfo=TZ)
    elif wish.day_shift is not None and visit is not None:
        # "en dag senare": that many days on, at the visit's own time (the wall clock's)
        start = visit.start.astimezone(TZ)
        fields["new_start"] = datetime.combine(
            start.date() + timedelta(days=wish.day_shift), start.time(), tzinfo=TZ
        )
    elif wish.new_day is not None and visit is not None:
        # "flytta duschen till torsdag": that day, at the visit's own time
        fields["new_start"] = datetime.combine(
            wish.new_day, visit.start.astimezone(TZ).time(), tzinfo=TZ
        )
    elif wish.shift is not None and visit is not None:
        fields["new_start"] = visit.start + timedelta(minutes=wish.shift)
    if wish.kind is WishKind.EXTRA:
        fields["new_duration"] = wish.minutes
        fields["services"] = (wish.service,) if wish.service is not None else ()
    elif wish.kind in (WishKind.LONGER, WishKind.SHORTER) and visit is not None:
        fields["new_duration"] = _resized(visit, wish)
    elif wish.kind is WishKind.SKIP_SERVICE and visit is not None:
        fields["service"] = _of_visit(wish.service, visit)
    elif wish.kind is WishKind.SWAP and visit is not None:
        fields["service"] = _of_visit(wish.service, visit)
        fields["new_service"] = wish.new_service
    return fields


def _resized(visit: VisitPublic, wish: Wish) -> int | None:
    """The visit's new length; None when no (possible) number of minutes was said."""
    if wish.minutes is None:
        return None
    sign = 1 if wish.kind is WishKind.LONGER else -1
    length = visit.duration_minutes + sign * wish.minutes
    if length <= 0:  # "half an hour shorter" of a half-hour visit: ask again
        return None
    try:
        return _MINUTES.validate_python(length)
    except ValidationError:  # longer than a day: ask again
        return None


def _of_visit(service: ServiceCode | None, visit: VisitPublic) -> ServiceCode | None:
    """The visit's service the wish names, or the visit's only service left."""
    if service in visit.services:
        return service
    left = _left(visit)
    return left[0] if len(left) == 1 else None


def _missing(exc: ValidationError) -> list[str]:
    """The fields the contract says the change still needs."""
    for error in exc.errors():
        if error["type"] == "missing_fields":
            return list(error["ctx"]["fields"])
    raise exc


def _question(
    field: str, wish: Wish, visit: VisitPublic | None, granted: Sequence[ServiceCode]
) -> Question:
    if field == "new_start":
        return AskTime(visit)
    if field == "new_duration":
        if visit is None:
            return AskMinutes(MinutesFor.EXTRA_LENGTH, None, EXTRA_LENGTHS)
        if wish.kind is WishKind.LONGER:
            return AskMinutes(MinutesFor.LONGER, visit, LONGER)
        # Shorter by less than the whole visit; how short a visit may be is the frame's rule.
        options = tuple(m for m in SHORTER if m < visit.duration_minutes)
        return AskMinutes(MinutesFor.SHORTER, visit, options)
    if field == "services":
        return AskService(ServiceFor.EXTRA, None, tuple(granted))
    assert visit is not None, f"a change of a visit without one misses {field}"
    if field == "service":
        what = ServiceFor.SKIP if wish.kind is WishKind.SKIP_SERVICE else ServiceFor.GIVE_UP
        return AskService(what, visit, tuple(_left(visit)))
    if field == "new_service":
        others = tuple(c for c in granted if c not in visit.services)
        return AskService(ServiceFor.GET_INSTEAD, visit, others)
    raise AssertionError(f"no question for {field}")
