"""Who decides a change request (DESIGN section 4): contact person, deputy or planners."""

from __future__ import annotations

from dataclasses import dataclass

from contract import Assignee


@dataclass(frozen=True)
class Route:
    assignee: Assignee
    staff_id: int | None


def route_request(
    *, contact_person_id: int | None, deputy_id: int | None, absent_staff_ids: set[int]
) -> Route:
    """The contact person decides; the deputy when they are away; else the unit's planners."""
    if contact_person_id is not None and contact_person_id not in absent_staff_ids:
        return Route(Assignee.CONTACT_PERSON, contact_person_id)
    if deputy_id is not None and deputy_id not in absent_staff_ids:
        return Route(Assignee.DEPUTY, deputy_id)
    return Route(Assignee.PLANNERS, None)


def escalation_limit_minutes(
    *, visit_day_offset: int | None, near_minutes: int, far_minutes: int
) -> int:
    """How long a request may wait: short when the visit is today or tomorrow."""
    if visit_day_offset is not None and visit_day_offset <= 1:
        return near_minutes
    return far_minutes
