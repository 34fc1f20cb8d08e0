"""The words both sides use: stable codes that the backend stores and the bot puts into words."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from zoneinfo import ZoneInfo

# Plans are made in Stockholm wall time; times are stored in UTC and shown here.
TZ = ZoneInfo("Europe/Stockholm")

# The languages spoken to people, and the Babel locale that formats each one's dates, times
# and numbers: English here is English as used in Sweden (24-hour clock, day before month).
LANGUAGES = ("sv", "fi", "ar", "en")
BABEL_LOCALES = {"en": "en_SE"}


def babel_locale(language: str) -> str:
    return BABEL_LOCALES.get(language, language)


class ServiceCode(StrEnum):
    """The services an order can grant (DESIGN section 2)."""

    CLEANING = "cleaning"
    LAUNDRY = "laundry"
    SHOPPING = "shopping"
    MEAL = "meal"
    HYGIENE = "hygiene"
    SHOWER = "shower"
    DRESSING = "dressing"
    WALK = "walk"
    COMPANY = "company"
    SUPERVISION = "supervision"


class ServiceCategory(StrEnum):
    SERVICE = "service"
    MEALS = "meals"
    PERSONAL_CARE = "personal_care"
    SOCIAL = "social"
    SUPERVISION = "supervision"


SERVICE_CATEGORIES: dict[ServiceCode, ServiceCategory] = {
    ServiceCode.CLEANING: ServiceCategory.SERVICE,
    ServiceCode.LAUNDRY: ServiceCategory.SERVICE,
    ServiceCode.SHOPPING: ServiceCategory.SERVICE,
    ServiceCode.MEAL: ServiceCategory.MEALS,
    ServiceCode.HYGIENE: ServiceCategory.PERSONAL_CARE,
    ServiceCode.SHOWER: ServiceCategory.PERSONAL_CARE,
    ServiceCode.DRESSING: ServiceCategory.PERSONAL_CARE,
    ServiceCode.WALK: ServiceCategory.SOCIAL,
    ServiceCode.COMPANY: ServiceCategory.SOCIAL,
    ServiceCode.SUPERVISION: ServiceCategory.SUPERVISION,
}


class Period(StrEnum):
    """What the frame counts: hours per calendar month (Stockholm) or ISO week (Gothenburg)."""

    MONTH = "month"
    WEEK = "week"


class FrequencyUnit(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class VisitStatus(StrEnum):
    PLANNED = "planned"
    ON_THE_WAY = "on_the_way"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"
    # Never stored: the window passed without a check-in (backend.domain.visit_status).
    MISSED = "missed"


class ChangeKind(StrEnum):
    MOVE = "move"  # new_start
    RESIZE = "resize"  # new_duration (longer or shorter)
    SWAP = "swap"  # service -> new_service within the visit
    SKIP_SERVICE = "skip_service"  # service declined for this visit
    CANCEL = "cancel"  # whole visit declined
    EXTRA = "extra"  # new visit: new_start, new_duration, services


# Declining granted help (the client's right; rule 8 counts them).
DECLINE_KINDS = frozenset({ChangeKind.CANCEL, ChangeKind.SKIP_SERVICE})


class Outcome(StrEnum):
    WITHIN = "within"
    NEEDS_REVIEW = "needs_review"
    OUTSIDE = "outside"


class ReasonCode(StrEnum):
    # outside
    OVER_FRAME = "over_frame"
    SERVICE_NOT_GRANTED = "service_not_granted"
    OVERLAP = "overlap"
    IN_PAST = "in_past"
    VISIT_STARTED = "visit_started"
    DURATION_OUT_OF_BOUNDS = "duration_out_of_bounds"
    OUTSIDE_ORDER_VALIDITY = "outside_order_validity"
    VISIT_NOT_FOUND = "visit_not_found"
    VISIT_CANCELLED = "visit_cancelled"
    SERVICE_NOT_IN_VISIT = "service_not_in_visit"
    NO_CHANGE = "no_change"
    ALREADY_ASKED = "already_asked"  # a wish about the visit waits for an answer already
    # needs review (warnings)
    SHORT_NOTICE = "short_notice"
    BELOW_FREQUENCY = "below_frequency"
    OUTSIDE_SERVICE_HOURS = "outside_service_hours"
    REPEATED_DECLINES = "repeated_declines"
    # the change adds no time, but the period is already over its frame (rule 2's figures)
    ALREADY_OVER_FRAME = "already_over_frame"


OUTSIDE_CODES = frozenset(
    {
        ReasonCode.OVER_FRAME,
        ReasonCode.SERVICE_NOT_GRANTED,
        ReasonCode.OVERLAP,
        ReasonCode.IN_PAST,
        ReasonCode.VISIT_STARTED,
        ReasonCode.DURATION_OUT_OF_BOUNDS,
        ReasonCode.OUTSIDE_ORDER_VALIDITY,
        ReasonCode.VISIT_NOT_FOUND,
        ReasonCode.VISIT_CANCELLED,
        ReasonCode.SERVICE_NOT_IN_VISIT,
        ReasonCode.NO_CHANGE,
        ReasonCode.ALREADY_ASKED,
    }
)


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    TO_ASSESSOR = "to_assessor"


class Decision(StrEnum):
    """What the one deciding does with a request (the last part of its URL)."""

    APPROVE = "approve"
    REJECT = "reject"
    HAND_OVER = "hand-over"


class Assignee(StrEnum):
    CONTACT_PERSON = "contact_person"
    DEPUTY = "deputy"
    PLANNERS = "planners"


class RejectReason(StrEnum):
    NO_STAFF = "no_staff"
    OUTSIDE_SERVICE_HOURS = "outside_service_hours"
    SAFETY = "safety"
    OTHER = "other"


class DeviationReason(StrEnum):
    CLIENT_DECLINED = "client_declined"
    HOSPITAL_STAY = "hospital_stay"
    CANCELLED_BY_PROVIDER = "cancelled_by_provider"
    TRAVEL = "travel"
    OTHER = "other"


class PerformedCorrection(StrEnum):
    """Why staff corrected a visit's performed time (stored in the audit with the minutes)."""

    DOUBLE_TAP = "double_tap"  # checked out by mistake straight after checking in
    FORGOT_TO_CHECK_OUT = "forgot_to_check_out"
    FORGOT_TO_CHECK_IN = "forgot_to_check_in"
    OTHER = "other"


class NotifyLevel(StrEnum):
    ALL = "all"
    CHANGES = "changes"
    URGENT = "urgent"


class Urgency(StrEnum):
    INFO = "info"  # e.g. a staff member is on the way
    CHANGE = "change"  # a decision, a visit changed, someone new coming
    URGENT = "urgent"  # late beyond the agreed window, a visit cancelled by the provider


class Scope(StrEnum):
    """What a client lets one relative do: each is granted and revoked on its own
    (DESIGN section 4). In Swedish social services a relative has no more right to the
    client's data than a stranger: each scope is the client's documented consent."""

    VISITS = "visits"  # see the visits, the frame and who is coming; told of changes to them
    REQUESTS = "requests"  # ask for changes on the client's behalf, follow and withdraw them
    NOTES = "notes"  # read the visit notes (the social documentation)


def in_scope_order(scopes: Iterable[Scope]) -> list[Scope]:
    """Scopes in the one order they are shown and stored in: visits, requests, notes."""
    given = set(scopes)
    return [scope for scope in Scope if scope in given]


class StaffRole(StrEnum):
    CARER = "carer"
    PLANNER = "planner"
    MANAGER = "manager"
    ASSESSOR = "assessor"  # the municipality's; reads their orders' clients' changed needs


class PersonKind(StrEnum):
    """Who a chat account belongs to."""

    CLIENT = "client"
    RELATIVE = "relative"
    STAFF = "staff"


class InvitationKind(StrEnum):
    CLIENT = "client"
    RELATIVE = "relative"
    STAFF = "staff"


class NoteSource(StrEnum):
    DICTATED = "dictated"
    TYPED = "typed"


class DeliveryFailure(StrEnum):
    """Why Telegram did not take a notification, as the notifier reports it."""

    RATE_LIMITED = "rate_limited"  # 429 on every attempt
    TELEGRAM_ERROR = "telegram_error"  # 5xx on every attempt
    NETWORK = "network"  # Telegram unreachable
    BAD_REQUEST = "bad_request"  # Telegram refused the message itself (400)


class OnBehalf(StrEnum):
    """What someone else did with a client's request on the client's behalf."""

    REQUEST_SUBMITTED = "request_submitted"
    REQUEST_WITHDRAWN = "request_withdrawn"
