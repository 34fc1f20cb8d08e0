"""The metrics every process exposes, by name: what the Grafana dashboard
(``deploy/grafana/ramtid.json``) reads and what the code must publish, in one place.

The processes publish them in Prometheus' text format on ``/metrics``: the backend (requests,
the queue, the outbox, the pool, transcriptions), the bot workers beside their webhook (updates
per handler, their calls to the backend) and the notifier on its own port (deliveries, the
outbox's lag). A test keeps this list and the dashboard in step; each is recorded by a test.
Labels carry ids of routes, handlers and kinds only: never a person, a name or a message
text. Routes are the route's template (``/clients/{client_id}/visits``), never the path
with its ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# Latency buckets in seconds for requests and updates: the targets sit at 5, 10 and 15 ms.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
# Outbox lag and transcription: from a second to minutes.
SLOW_BUCKETS = (0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0)


class Kind(StrEnum):
    COUNTER = "counter"
    GAUGE = "gauge"
    HISTOGRAM = "histogram"


@dataclass(frozen=True)
class Metric:
    name: str
    kind: Kind
    help: str
    labels: tuple[str, ...] = ()
    process: str = "backend"  # who publishes it: backend | bot | notifier | speech
    buckets: tuple[float, ...] = LATENCY_BUCKETS  # a histogram's upper bounds, in seconds


HTTP_REQUESTS = Metric(
    "ramtid_http_requests_total",
    Kind.COUNTER,
    "Backend HTTP requests answered, by route template, method and status code.",
    ("route", "method", "status"),
)
HTTP_REQUEST_DURATION = Metric(
    "ramtid_http_request_duration_seconds",
    Kind.HISTOGRAM,
    "Time the backend took to answer, by route template and method (LATENCY_BUCKETS).",
    ("route", "method"),
)
BOT_UPDATES = Metric(
    "ramtid_bot_updates_total",
    Kind.COUNTER,
    "Telegram updates handled, by handler (module.function; 'unhandled' when none matched) "
    "and outcome (handled, error, throttled, duplicate).",
    ("handler", "outcome"),
    "bot",
)
BOT_UPDATE_DURATION = Metric(
    "ramtid_bot_update_duration_seconds",
    Kind.HISTOGRAM,
    "Time from an update's arrival to its handler's end, by handler (LATENCY_BUCKETS).",
    ("handler",),
    "bot",
)
BOT_BACKEND_CALL_DURATION = Metric(
    "ramtid_bot_backend_call_duration_seconds",
    Kind.HISTOGRAM,
    "The bot's calls to the backend, by route template (its count per update is the "
    "hot path's number of round trips).",
    ("route",),
    "bot",
)
QUEUE_REQUESTS = Metric(
    "ramtid_queue_requests",
    Kind.GAUGE,
    "Change requests waiting for a decision, by who holds them (contact_person, deputy, "
    "planners) and whether they have waited too long (escalated: true/false).",
    ("assignee", "escalated"),
)
QUEUE_OLDEST_AGE = Metric(
    "ramtid_queue_oldest_request_age_seconds",
    Kind.GAUGE,
    "Age of the oldest change request still waiting for a decision.",
)
OUTBOX_UNDELIVERED = Metric(
    "ramtid_outbox_undelivered",
    Kind.GAUGE,
    "Notifications in the outbox not yet delivered (nor dropped), by urgency.",
    ("urgency",),
)
OUTBOX_OLDEST_AGE = Metric(
    "ramtid_outbox_oldest_undelivered_age_seconds",
    Kind.GAUGE,
    "Age of the oldest notification not yet delivered: what a person is still waiting for.",
)
OUTBOX_LAG = Metric(
    "ramtid_outbox_lag_seconds",
    Kind.HISTOGRAM,
    "From a notification's writing to Telegram's acceptance, by urgency (SLOW_BUCKETS).",
    ("urgency",),
    "notifier",
    buckets=SLOW_BUCKETS,
)
NOTIFICATIONS_SENT = Metric(
    "ramtid_notifications_total",
    Kind.COUNTER,
    "Delivery attempts by outcome: delivered, rate_limited (429), retried, blocked, failed.",
    ("outcome",),
    "notifier",
)
TRANSCRIPTION_DURATION = Metric(
    "ramtid_transcription_duration_seconds",
    Kind.HISTOGRAM,
    "Time to decode and recognize one voice note, by language (SLOW_BUCKETS).",
    ("language",),
    "speech",
    buckets=SLOW_BUCKETS,
)
TRANSCRIPTIONS_RUNNING = Metric(
    "ramtid_transcriptions_in_progress",
    Kind.GAUGE,
    "Voice notes being transcribed now (at most RAMTID_SPEECH_WORKERS per process).",
    (),
    "speech",
)
DB_POOL_CONNECTIONS = Metric(
    "ramtid_db_pool_connections",
    Kind.GAUGE,
    "Database connections of this process's pool, by state (in_use, idle, overflow).",
    ("state",),
)
DB_POOL_SIZE = Metric(
    "ramtid_db_pool_size",
    Kind.GAUGE,
    "The pool's configured size (connections kept open), for the in_use share.",
)

ALL: tuple[Metric, ...] = (
    HTTP_REQUESTS,
    HTTP_REQUEST_DURATION,
    BOT_UPDATES,
    BOT_UPDATE_DURATION,
    BOT_BACKEND_CALL_DURATION,
    QUEUE_REQUESTS,
    QUEUE_OLDEST_AGE,
    OUTBOX_UNDELIVERED,
    OUTBOX_OLDEST_AGE,
    OUTBOX_LAG,
    NOTIFICATIONS_SENT,
    TRANSCRIPTION_DURATION,
    TRANSCRIPTIONS_RUNNING,
    DB_POOL_CONNECTIONS,
    DB_POOL_SIZE,
)
