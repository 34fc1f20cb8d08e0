"""The change-request lifecycle, by concern: what people do with a request
(``use_cases``), what happens to requests nobody decided in time (``jobs``), and reading
them (``queries``); ``deciders`` is who decides and how they are told."""

from backend.services.requests.jobs import escalate_waiting, expire_passed
from backend.services.requests.queries import (
    Queue,
    RequestView,
    client_requests,
    queue,
    request_view,
)
from backend.services.requests.use_cases import (
    approve,
    decide,
    find_by_key,
    hand_over,
    preview,
    preview_together,
    reject,
    submit,
    withdraw,
)

__all__ = [
    "Queue",
    "RequestView",
    "approve",
    "client_requests",
    "decide",
    "escalate_waiting",
    "expire_passed",
    "find_by_key",
    "hand_over",
    "preview",
    "preview_together",
    "queue",
    "reject",
    "request_view",
    "submit",
    "withdraw",
]
