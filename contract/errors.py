"""Every error the backend can answer with: a stable code and its numbers, never a sentence."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class ErrorCode(StrEnum):
    # who is calling
    INVALID_SERVICE_TOKEN = "invalid_service_token"  # noqa: S105 - a code, not a secret
    MISSING_CHAT_USER = "missing_chat_user"
    MISSING_CREDENTIALS = "missing_credentials"
    INVALID_TOKEN = "invalid_token"  # noqa: S105 - a code, not a secret
    NOT_LINKED = "not_linked"
    SESSION_EXPIRED = "session_expired"  # a staff session or token ran out or was revoked
    STAFF_INACTIVE = "staff_inactive"  # the staff member has left
    CSRF_FAILED = "csrf_failed"  # a web form without its session's token
    # what they may do
    STAFF_ONLY = "staff_only"
    CLIENT_ONLY = "client_only"
    MANAGER_ONLY = "manager_only"
    PLANNER_ONLY = "planner_only"
    CHAT_ONLY = "chat_only"
    OTHER_UNIT = "other_unit"
    VIEW_ONLY = "view_only"  # a relative without the requests scope
    SCOPE_NOT_GRANTED = "scope_not_granted"  # a relative without the scope it needs
    NO_ACCESS = "no_access"
    NOT_YOUR_CLIENT = "not_your_client"
    NOT_YOUR_VISIT = "not_your_visit"
    NOT_YOUR_NOTE = "not_your_note"
    RELATIVES_ONLY = "relatives_only"
    READ_ONLY = "read_only"  # an assessor: reads their clients' changed needs, changes nothing
    # what is not there
    CLIENT_NOT_FOUND = "client_not_found"
    VISIT_NOT_FOUND = "visit_not_found"
    REQUEST_NOT_FOUND = "request_not_found"
    STAFF_NOT_FOUND = "staff_not_found"
    LINK_NOT_FOUND = "link_not_found"
    NOTE_NOT_FOUND = "note_not_found"
    NOTIFICATION_NOT_FOUND = "notification_not_found"
    UNIT_NOT_FOUND = "unit_not_found"
    SESSION_NOT_FOUND = "session_not_found"
    PLAN_NOT_FOUND = "plan_not_found"
    ORDER_NOT_FOUND = "order_not_found"
    NO_ORDER = "no_order"
    # bad input
    INVALID_REQUEST = "invalid_request"
    MISSING_FIELDS = "missing_fields"
    UNKNOWN_SERVICE = "unknown_service"
    BAD_DATE_RANGE = "bad_date_range"
    INVALID_MONTH = "invalid_month"
    UNSUPPORTED_LOCALE = "unsupported_locale"
    REASON_TEXT_REQUIRED = "reason_text_required"
    LATE_MINUTES_OUT_OF_BOUNDS = "late_minutes_out_of_bounds"
    EMPTY_NOTE = "empty_note"
    NOTE_TOO_LONG = "note_too_long"
    CANNOT_DEACTIVATE_SELF = "cannot_deactivate_self"
    EMAIL_TAKEN = "email_taken"
    CARE_ENDED = "care_ended"  # the client's care has ended: nothing new is planned
    PLAN_SIGNED = "plan_signed"  # a signed plan is not edited: make a new version
    # the frame and the request lifecycle
    OUTSIDE_FRAME = "outside_frame"
    NO_LONGER_FITS = "no_longer_fits"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    REQUEST_CHANGED = "request_changed"
    ALREADY_DECIDED = "already_decided"
    ALREADY_WITH_PLANNERS = "already_with_planners"  # a hand-over to the planners, twice
    CONFLICT_RETRY = "conflict_retry"
    # the client's data
    CONFIRMATION_REQUIRED = "confirmation_required"
    CLIENT_ERASED = "client_erased"
    # the service itself
    DATABASE_UNAVAILABLE = "database_unavailable"
    INTERNAL_ERROR = "internal_error"
    NOT_FOUND = "not_found"  # no such path
    METHOD_NOT_ALLOWED = "method_not_allowed"
    # linking
    INVALID_CODE = "invalid_code"
    CODE_USED = "code_used"
    CODE_EXPIRED = "code_expired"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    ALREADY_LINKED = "already_linked"
    # visits and notes
    TOO_EARLY_TO_CHECK_IN = "too_early_to_check_in"
    NOT_CHECKED_IN = "not_checked_in"
    VISIT_CANCELLED = "visit_cancelled"
    VISIT_MISSED = "visit_missed"  # the window passed without a check-in
    CHECK_OUT_TOO_SOON = "check_out_too_soon"  # a few minutes after check-in: confirm
    NOT_CHECKED_OUT = "not_checked_out"
    PERFORMED_OUT_OF_BOUNDS = "performed_out_of_bounds"
    VISIT_ALREADY_STARTED = "visit_already_started"
    ALREADY_MARKED_WRONG = "already_marked_wrong"
    # speech
    AUDIO_EMPTY = "audio_empty"
    AUDIO_TOO_LARGE = "audio_too_large"
    AUDIO_TOO_LONG = "audio_too_long"
    AUDIO_CORRUPT = "audio_corrupt"
    AUDIO_SILENT = "audio_silent"
    NO_MODEL_FOR_LANGUAGE = "no_model_for_language"
    MODEL_LOAD_FAILED = "model_load_failed"
    GRAMMAR_NOT_SUPPORTED = "grammar_not_supported"
    GRAMMAR_OUT_OF_VOCABULARY = "grammar_out_of_vocabulary"
    # said by the bot's client, never by the API: the backend could not be reached or
    # failed, or answered with a code this bot does not know (a newer backend)
    BACKEND_UNAVAILABLE = "backend_unavailable"
    UNKNOWN = "unknown"


# What went wrong with a voice note: the bot answers these with advice about speaking.
SPEECH_ERRORS = frozenset(
    {
        ErrorCode.AUDIO_EMPTY,
        ErrorCode.AUDIO_TOO_LARGE,
        ErrorCode.AUDIO_TOO_LONG,
        ErrorCode.AUDIO_CORRUPT,
        ErrorCode.AUDIO_SILENT,
        ErrorCode.NO_MODEL_FOR_LANGUAGE,
        ErrorCode.MODEL_LOAD_FAILED,
        ErrorCode.GRAMMAR_NOT_SUPPORTED,
        ErrorCode.GRAMMAR_OUT_OF_VOCABULARY,
    }
)


class ErrorBody(BaseModel):
    """The body of every 4xx and 5xx answer."""

    code: ErrorCode
    details: dict[str, Any] = Field(default_factory=dict)
