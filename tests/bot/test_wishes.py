"""``wish_to_change``: from a wish and the client's visits to the complete change, or to the
one question still needed. Pure: no backend, no Telegram; a table of cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.wish_parser import Wish, WishKind, parse_wish
from bot.wishes import (
    AskMinutes,
    AskService,
    AskTime,
    AskVisit,
    MinutesFor,
    NoVisit,
    ServiceFor,
    wish_to_change,
)
from contract import TZ, Change, ChangeKind, ServiceCode, VisitPublic, VisitStatus

S = ServiceCode
MON, TUE, WED, THU, FRI = (date(2026, 11, 23) + timedelta(days=n) for n in range(5))
MORNING = datetime(2026, 11, 23, 8, 40, tzinfo=TZ)  # Monday, after breakfast began
EVENING = datetime(2026, 11, 23, 16, 55, tzinfo=TZ)  # Monday, before the evening visit


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def visit(
    id: int,
    day: date,
    hour: int,
    minutes: int,
    *services: ServiceCode,
    status: VisitStatus = VisitStatus.PLANNED,
) -> VisitPublic:
    start = at(day, hour)
    return VisitPublic(
        id=id,
        client_id=1,
        day=day,
        start=start.astimezone(UTC),
        end=(start + timedelta(minutes=minutes)).astimezone(UTC),
        duration_minutes=minutes,
        services=list(services),
        declined_services=[],
        how="",
        status=status,
        late_minutes=0,
        staff_first_name="Anna",
        staff_is_new=False,
        actual_start=None,
        actual_end=None,
        performed_minutes=None,
        version=1,
    )


BREAKFAST = visit(1, MON, 8, 30, S.HYGIENE, S.MEAL)  # began at 08:00: cannot be changed
LUNCH = visit(2, MON, 12, 30, S.MEAL)
EVENING_VISIT = visit(3, MON, 17, 20, S.MEAL, S.SUPERVISION)
TUE_MORNING = visit(4, TUE, 8, 45, S.HYGIENE, S.DRESSING)
TUE_LUNCH = visit(5, TUE, 12, 30, S.MEAL)
TUE_SHOWER = visit(6, TUE, 15, 30, S.SHOWER, status=VisitStatus.CANCELLED)
WED_WALK = visit(7, WED, 14, 45, S.WALK)
FRI_CLEANING = visit(8, FRI, 10, 60, S.CLEANING, S.LAUNDRY)
FRI_NO_LAUNDRY = FRI_CLEANING.model_copy(update={"declined_services": [S.LAUNDRY]})
VISITS = [
    BREAKFAST,
    LUNCH,
    EVENING_VISIT,
    TUE_MORNING,
    TUE_LUNCH,
    TUE_SHOWER,
    WED_WALK,
    FRI_CLEANING,
]
GRANTED = (S.HYGIENE, S.DRESSING, S.MEAL, S.SUPERVISION, S.CLEANING, S.LAUNDRY, S.WALK)


CASES = [
    # --- move ---
    pytest.param(
        Wish(WishKind.MOVE, day=TUE, at=time(10)),
        MORNING,
        None,
        AskVisit((TUE_MORNING, TUE_LUNCH)),
        id="move tomorrow at 10: two visits tomorrow, which one?",
    ),
    pytest.param(
        Wish(WishKind.MOVE, day=TUE, at=time(13), service=S.MEAL),
        MORNING,
        None,
        Change(kind=ChangeKind.MOVE, visit_id=TUE_LUNCH.id, new_start=at(TUE, 13)),
        id="move tomorrow's lunch to 13: the one visit with a meal",
    ),
    pytest.param(
        Wish(WishKind.MOVE, at=time(10)),
        MORNING,
        None,
        AskVisit((LUNCH, EVENING_VISIT, TUE_MORNING, TUE_LUNCH)),
        id="move at 10, no day: today's and tomorrow's open visits",
    ),
    pytest.param(
        Wish(WishKind.MOVE, day=FRI, at=time(11)),
        MORNING,
        None,
        Change(kind=ChangeKind.MOVE, visit_id=FRI_CLEANING.id, new_start=at(FRI, 11)),
        id="move on Friday: Friday's only visit",
    ),
    pytest.param(
        Wish(WishKind.MOVE),
        MORNING,
        TUE_LUNCH,
        AskTime(TUE_LUNCH),
        id="move a chosen visit: which new time?",
    ),
    pytest.param(
        Wish(WishKind.MOVE, day=FRI, at=time(9)),
        MORNING,
        TUE_LUNCH,
        Change(kind=ChangeKind.MOVE, visit_id=TUE_LUNCH.id, new_start=at(FRI, 9)),
        id="move a chosen visit to another day",
    ),
    pytest.param(
        Wish(WishKind.MOVE, day=THU, at=time(10)),
        MORNING,
        None,
        NoVisit(THU),
        id="move on a day with no visit",
    ),
    # --- longer, shorter ---
    pytest.param(
        Wish(WishKind.LONGER, day=TUE, minutes=15, service=S.MEAL),
        MORNING,
        None,
        Change(kind=ChangeKind.RESIZE, visit_id=TUE_LUNCH.id, new_duration=30 + 15),
        id="15 minutes longer lunch tomorrow",
    ),
    pytest.param(
        Wish(WishKind.LONGER, day=TUE, service=S.MEAL),
        MORNING,
        None,
        AskMinutes(MinutesFor.LONGER, TUE_LUNCH, (15, 30, 45, 60)),
        id="longer lunch tomorrow: how much?",
    ),
    pytest.param(
        Wish(WishKind.LONGER, day=FRI, minutes=15, service=S.WALK),
        MORNING,
        None,
        Change(kind=ChangeKind.RESIZE, visit_id=FRI_CLEANING.id, new_duration=60 + 15),
        id="longer with a service no visit that day has: the day's visit",
    ),
    pytest.param(
        Wish(WishKind.SHORTER, day=MON, service=S.SUPERVISION),
        MORNING,
        None,
        AskMinutes(MinutesFor.SHORTER, EVENING_VISIT, (5, 10, 15)),
        id="shorter: by less than the whole 20 minutes",
    ),
    pytest.param(
        Wish(WishKind.SHORTER, minutes=45),
        MORNING,
        EVENING_VISIT,
        AskMinutes(MinutesFor.SHORTER, EVENING_VISIT, (5, 10, 15)),
        id="shorter by more than the visit: asked again",
    ),
    pytest.param(
        Wish(WishKind.SHORTER, minutes=10),
        MORNING,
        EVENING_VISIT,
        Change(kind=ChangeKind.RESIZE, visit_id=EVENING_VISIT.id, new_duration=20 - 10),
        id="10 minutes shorter",
    ),
    # --- cancel, "this evening" ---
    pytest.param(
        Wish(WishKind.CANCEL, day=MON),
        EVENING,
        None,
        Change(kind=ChangeKind.CANCEL, visit_id=EVENING_VISIT.id),
        id="cancel this evening, said at 16:55: the one visit left today",
    ),
    pytest.param(
        Wish(WishKind.CANCEL, day=MON),
        MORNING,
        None,
        AskVisit((LUNCH, EVENING_VISIT), whole_days=(MON,)),
        id="cancel today, said at 08:40: not the breakfast under way (or both at once)",
    ),
    pytest.param(
        Wish(WishKind.LONGER, day=MON, minutes=15),
        EVENING,
        None,
        Change(kind=ChangeKind.RESIZE, visit_id=EVENING_VISIT.id, new_duration=20 + 15),
        id="15 minutes longer this evening",
    ),
    pytest.param(
        Wish(WishKind.CANCEL, day=TUE, service=S.SHOWER),
        MORNING,
        None,
        AskVisit((TUE_MORNING, TUE_LUNCH)),
        id="cancel the cancelled shower: tomorrow's visits that can be changed",
    ),
    # --- skip a service ---
    pytest.param(
        Wish(WishKind.SKIP_SERVICE, day=FRI, service=S.LAUNDRY),
        MORNING,
        None,
        Change(kind=ChangeKind.SKIP_SERVICE, visit_id=FRI_CLEANING.id, service=S.LAUNDRY),
        id="no laundry on Friday",
    ),
    pytest.param(
        Wish(WishKind.SKIP_SERVICE, day=WED, service=S.CLEANING),
        MORNING,
        None,
        NoVisit(WED),
        id="no cleaning on Wednesday: no visit has cleaning",
    ),
    pytest.param(
        Wish(WishKind.SKIP_SERVICE),
        MORNING,
        FRI_CLEANING,
        AskService(ServiceFor.SKIP, FRI_CLEANING, (S.CLEANING, S.LAUNDRY)),
        id="skip something of a visit with two services: which?",
    ),
    pytest.param(
        Wish(WishKind.SKIP_SERVICE),
        MORNING,
        WED_WALK,
        Change(kind=ChangeKind.CANCEL, visit_id=WED_WALK.id),
        id="skip something of a visit with one service: nothing is left, the visit is off",
    ),
    pytest.param(
        Wish(WishKind.SKIP_SERVICE),
        MORNING,
        FRI_NO_LAUNDRY,
        Change(kind=ChangeKind.CANCEL, visit_id=FRI_CLEANING.id),
        id="skip something when the laundry is already skipped: the visit is off",
    ),
    pytest.param(
        Wish(WishKind.SWAP),
        MORNING,
        FRI_NO_LAUNDRY,
        AskService(
            ServiceFor.GET_INSTEAD,
            FRI_NO_LAUNDRY,
            (S.HYGIENE, S.DRESSING, S.MEAL, S.SUPERVISION, S.WALK),
        ),
        id="something else instead, laundry already skipped: the cleaning is given up",
    ),
    # --- swap ---
    pytest.param(
        Wish(WishKind.SWAP, day=FRI, service=S.CLEANING, new_service=S.WALK),
        MORNING,
        None,
        Change(
            kind=ChangeKind.SWAP,
            visit_id=FRI_CLEANING.id,
            service=S.CLEANING,
            new_service=S.WALK,
        ),
        id="a walk instead of cleaning on Friday",
    ),
    pytest.param(
        Wish(WishKind.SWAP, service=S.CLEANING, new_service=S.WALK),
        MORNING,
        None,
        Change(
            kind=ChangeKind.SWAP,
            visit_id=FRI_CLEANING.id,
            service=S.CLEANING,
            new_service=S.WALK,
        ),
        id="a walk instead of cleaning, no day: the week's one cleaning (none sooner)",
    ),
    pytest.param(
        Wish(WishKind.SWAP, day=FRI, service=S.CLEANING),
        MORNING,
        None,
        AskService(
            ServiceFor.GET_INSTEAD,
            FRI_CLEANING,
            (S.HYGIENE, S.DRESSING, S.MEAL, S.SUPERVISION, S.WALK),
        ),
        id="something else instead of cleaning: the granted services it does not have",
    ),
    pytest.param(
        Wish(WishKind.SWAP),
        MORNING,
        FRI_CLEANING,
        AskService(ServiceFor.GIVE_UP, FRI_CLEANING, (S.CLEANING, S.LAUNDRY)),
        id="something else instead, two services: which is given up?",
    ),
    pytest.param(
        Wish(WishKind.SWAP),
        MORNING,
        WED_WALK,
        AskService(
            ServiceFor.GET_INSTEAD,
            WED_WALK,
            (S.HYGIENE, S.DRESSING, S.MEAL, S.SUPERVISION, S.CLEANING, S.LAUNDRY),
        ),
        id="something else instead of the only service: what instead?",
    ),
    # --- an extra visit ---
    pytest.param(
        Wish(WishKind.EXTRA, day=WED, at=time(16), minutes=60, service=S.WALK),
        MORNING,
        None,
        Change(kind=ChangeKind.EXTRA, new_start=at(WED, 16), new_duration=60, services=(S.WALK,)),
        id="an extra walk on Wednesday at 16 for an hour",
    ),
    pytest.param(
        Wish(WishKind.EXTRA, at=time(15), minutes=30, service=S.COMPANY),
        MORNING,
        None,
        Change(
            kind=ChangeKind.EXTRA, new_start=at(MON, 15), new_duration=30, services=(S.COMPANY,)
        ),
        id="an extra visit at 15, no day: today",
    ),
    pytest.param(
        Wish(WishKind.EXTRA, day=WED, at=time(16)),
        MORNING,
        None,
        AskMinutes(MinutesFor.EXTRA_LENGTH, None, (15, 30, 45, 60)),
        id="an extra visit: how long?",
    ),
    pytest.param(
        Wish(WishKind.EXTRA, day=WED, at=time(16), minutes=30),
        MORNING,
        None,
        AskService(ServiceFor.EXTRA, None, GRANTED),
        id="an extra visit: what should be done?",
    ),
    pytest.param(
        Wish(WishKind.EXTRA),
        MORNING,
        LUNCH,
        AskTime(None),
        id="an extra visit from the buttons: when? (not about the visit chosen)",
    ),
]


@pytest.mark.parametrize(("wish", "now", "chosen", "expected"), CASES)
def test_wish_to_change(
    wish: Wish, now: datetime, chosen: VisitPublic | None, expected: object
) -> None:
    assert wish_to_change(wish, VISITS, now.astimezone(UTC), GRANTED, visit=chosen) == expected


def test_a_move_on_the_day_the_clocks_go_forward_keeps_the_wall_clock_time() -> None:
    sunday = date(2027, 3, 28)  # 02:00 -> 03:00 in Stockholm
    early = visit(9, sunday, 8, 30, S.MEAL)
    wish = Wish(WishKind.MOVE, day=sunday, at=time(10))
    change = wish_to_change(wish, [early], datetime(2027, 3, 27, 12, tzinfo=UTC))
    assert isinstance(change, Change) and change.new_start is not None
    assert change.new_start.astimezone(TZ).time() == time(10)
    assert change.new_start.astimezone(UTC) == datetime(2027, 3, 28, 8, tzinfo=UTC)  # CEST


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("15 minuter längre i kväll", Change(kind=ChangeKind.RESIZE, visit_id=3, new_duration=35)),
        ("ställ in besöket i kväll", Change(kind=ChangeKind.CANCEL, visit_id=3)),
        ("kan ni komma klockan tio i stället i morgon?", AskVisit((TUE_MORNING, TUE_LUNCH))),
        ("inget städ på torsdag", NoVisit(THU)),
    ],
)
def test_what_a_client_writes_at_five_to_five_becomes(said: str, expected: object) -> None:
    wish = parse_wish(said, language="sv", now=EVENING)
    assert isinstance(wish, Wish)
    assert wish_to_change(wish, VISITS, EVENING.astimezone(UTC), GRANTED) == expected


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        # the time said with the visit chooses it among the day's visits
        ("ställ in besöket kl 12 i morgon", Change(kind=ChangeKind.CANCEL, visit_id=5)),
        ("kom inte kl 12", Change(kind=ChangeKind.CANCEL, visit_id=2)),  # the next 12:00: today's
        (
            "kan ni stanna 15 minuter längre vid besöket klockan tolv i morgon",
            Change(kind=ChangeKind.RESIZE, visit_id=5, new_duration=45),
        ),
        (
            "flytta besöket kl 12 i morgon till kl 13",
            Change(kind=ChangeKind.MOVE, visit_id=5, new_start=at(TUE, 13)),
        ),
        (
            "kan ni komma kl 11 i stället för halv nio i morgon",  # the visit 08:00-08:45
            Change(kind=ChangeKind.MOVE, visit_id=4, new_start=at(TUE, 11)),
        ),
        ("ställ in besöket kl 12:20 i morgon", Change(kind=ChangeKind.CANCEL, visit_id=5)),
        # "klockan fem" is 17:00 when nothing is at 05:00
        (
            "stanna 15 minuter längre vid besöket klockan fem i dag",
            Change(kind=ChangeKind.RESIZE, visit_id=3, new_duration=35),
        ),
        # a meal names its part of the day; skipping a visit's only service cancels it
        ("hoppa över lunchen i dag", Change(kind=ChangeKind.CANCEL, visit_id=2)),
        ("ställ in lunchen i morgon", Change(kind=ChangeKind.CANCEL, visit_id=5)),
        (
            "ingen mat i kväll",
            Change(kind=ChangeKind.SKIP_SERVICE, visit_id=3, service=S.MEAL),
        ),
        ("hoppa över middagen i dag", AskVisit((LUNCH, EVENING_VISIT))),  # noon or evening?
        # ...also when the wish says the new time: the lunch moves, not the evening meal
        (
            "kan ni komma klockan 13 i stället för lunchen i dag",
            Change(kind=ChangeKind.MOVE, visit_id=2, new_start=at(MON, 13)),
        ),
        ("flytta lunchen till kl 13", AskVisit((LUNCH, TUE_LUNCH))),  # today's or tomorrow's?
        (
            "kan lunchen vara kl 13 i morgon",
            Change(kind=ChangeKind.MOVE, visit_id=5, new_start=at(TUE, 13)),
        ),
        # later or earlier by so much: from the visit's own start
        (
            "kan ni komma en halvtimme senare i morgon bitti",
            Change(kind=ChangeKind.MOVE, visit_id=4, new_start=at(TUE, 8, 30)),
        ),
        (
            "flytta besöket kl 12 i morgon en timme tidigare",
            Change(kind=ChangeKind.MOVE, visit_id=5, new_start=at(TUE, 11)),
        ),
        ("kan ni komma en timme senare i morgon", AskVisit((TUE_MORNING, TUE_LUNCH))),
        # no visit near the time said: none is guessed; every visit is offered instead
        ("ställ in besöket kl 15 i morgon", NoVisit(TUE)),  # 15:00 tomorrow is cancelled
        ("ställ in besöket kl 8 i dag", NoVisit(MON)),  # it began at 08:00
    ],
)
def test_the_time_said_with_the_visit_chooses_it(said: str, expected: object) -> None:
    wish = parse_wish(said, language="sv", now=MORNING)
    assert isinstance(wish, Wish)
    assert wish_to_change(wish, VISITS, MORNING.astimezone(UTC), GRANTED) == expected


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        # a visit moved to another day keeps its own time unless another is said
        (
            "flytta promenaden till torsdag",
            Change(kind=ChangeKind.MOVE, visit_id=WED_WALK.id, new_start=at(THU, 14)),
        ),
        (
            "jag vill ha promenaden på torsdag istället för onsdag",
            Change(kind=ChangeKind.MOVE, visit_id=WED_WALK.id, new_start=at(THU, 14)),
        ),
        (
            "flytta städningen till torsdag kl 9",
            Change(kind=ChangeKind.MOVE, visit_id=FRI_CLEANING.id, new_start=at(THU, 9)),
        ),
        # the cleaning is on Friday, Thursday has none: Friday's is moved, nothing swapped
        (
            "kan ni städa på torsdag i stället",
            Change(kind=ChangeKind.MOVE, visit_id=FRI_CLEANING.id, new_start=at(THU, 10)),
        ),
        # of today's and tomorrow's lunch, the one nearest Wednesday
        (
            "flytta lunchen till onsdag",
            Change(kind=ChangeKind.MOVE, visit_id=TUE_LUNCH.id, new_start=at(WED, 12)),
        ),
        (
            "flytta besöket från tisdag till onsdag kl 9",
            AskVisit((TUE_MORNING, TUE_LUNCH)),
        ),
        ("flytta besöket till onsdag", AskVisit((LUNCH, EVENING_VISIT, TUE_MORNING, TUE_LUNCH))),
        # a service no visit has is still a swap at the day's visit
        ("sällskap på tisdag i stället", AskVisit((TUE_MORNING, TUE_LUNCH))),
        # the walk is on Wednesday already: nothing to move
        ("flytta promenaden till onsdag", NoVisit(None, already=WED_WALK)),
        # by whole days, at its own time
        (
            "flytta promenaden en dag senare",
            Change(kind=ChangeKind.MOVE, visit_id=WED_WALK.id, new_start=at(THU, 14)),
        ),
        (
            "kan ni komma med städningen två dagar tidigare",
            Change(kind=ChangeKind.MOVE, visit_id=FRI_CLEANING.id, new_start=at(WED, 10)),
        ),
    ],
)
def test_a_visit_moved_to_another_day(said: str, expected: object) -> None:
    wish = parse_wish(said, language="sv", now=MORNING)
    assert isinstance(wish, Wish)
    assert wish_to_change(wish, VISITS, MORNING.astimezone(UTC), GRANTED) == expected
