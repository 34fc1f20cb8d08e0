"""What a visit's status is *now*: the one place that decides when a visit is missed.

The visit the client sees, the staff member's day, the unit's day board and the frame's
figures all ask this, so a visit whose window has passed without a check-in reads as missed
everywhere and stops counting as planned time (DESIGN section 3, rule 2).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from contract import VisitStatus

# Not yet started: these are the statuses a passed window turns into "missed".
_WAITING = frozenset({VisitStatus.PLANNED, VisitStatus.ON_THE_WAY})
# The agreed window's tolerance (the common dignity guarantee: ±30 minutes).
TOLERANCE_MINUTES = 30


def window_end(planned_start: datetime, duration_minutes: int, late_minutes: int) -> datetime:
    """Rule 2: the end of a visit's window: its planned end plus the tolerance, moved on by
    any lateness reported for it."""
    return planned_start + timedelta(minutes=late_minutes + duration_minutes + TOLERANCE_MINUTES)


def visit_status(
    status: VisitStatus,
    *,
    planned_start: datetime,
    duration_minutes: int,
    late_minutes: int,
    actual_start: datetime | None,
    now: datetime | None,
) -> VisitStatus:
    """Rule 2: the stored status, except that a visit not checked in by the end of its window
    (planned end plus the tolerance plus any lateness reported for it) is missed.
    ``now=None`` keeps the stored status (a check with no clock, such as a plan's budget)."""
    if (
        now is not None
        and status in _WAITING
        and actual_start is None
        and now >= window_end(planned_start, duration_minutes, late_minutes)
    ):
        return VisitStatus.MISSED
    return status


def counts_as_planned(status: VisitStatus) -> bool:
    """Rule 2: planned time is what may still happen: not done, cancelled or missed."""
    return status not in (VisitStatus.DONE, VisitStatus.CANCELLED, VisitStatus.MISSED)
