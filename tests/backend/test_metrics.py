"""``/metrics``: requests per route template, the bot's handlers, the outbox and the pool, in
Prometheus' text format, with ids only."""

from __future__ import annotations

import re
from datetime import date, timedelta

import httpx
from sqlmodel import col, select

from backend.models import ChangeRequest, Notification
from backend.prometheus import Registry
from contract import metrics
from tests.backend.helpers import lisa_asks_for_longer
from tests.conftest import Clock, Database, as_chat

TOMORROW = date(2026, 11, 24)


def value(text: str, series: str) -> float:
    """The value of one series (name and labels exactly as written), 0 when absent."""
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.split(" ")[-1])
    return 0.0


async def test_requests_are_counted_per_route_template(api: httpx.AsyncClient, demo: None) -> None:
    # prometheus_client writes the labels sorted by name.
    series = (
        'ramtid_http_requests_total{method="GET",route="/clients/{client_id}/visits",status="200"}'
    )
    before = value((await api.get("/metrics")).text, series)
    for _ in range(3):
        assert (await api.get("/clients/1/visits", headers=as_chat("lisa"))).status_code == 200
    after = (await api.get("/metrics")).text
    assert value(after, series) == before + 3
    assert "/clients/1/" not in after  # the template, never a path with its ids
    assert "Lisa" not in after


async def test_the_outbox_shows_what_people_still_wait_for(
    api: httpx.AsyncClient, demo: None, db: Database, clock: Clock
) -> None:
    waiting = await db.all(
        select(Notification)
        .where(col(Notification.delivered_at).is_(None))
        .where(col(Notification.dropped_reason).is_(None))
        .where(col(Notification.dead_at).is_(None))
    )
    clock.advance(minutes=7)
    text = (await api.get("/metrics")).text
    total = sum(
        float(m[1]) for m in re.finditer(r"^ramtid_outbox_undelivered\{[^}]*\} (\S+)", text, re.M)
    )
    assert total == len(waiting)
    oldest = value(text, "ramtid_outbox_oldest_undelivered_age_seconds")
    if waiting:
        first = min(n.created_at for n in waiting)
        first = first if first.tzinfo else first.replace(tzinfo=clock.now.tzinfo)
        assert oldest == (clock.now - first).total_seconds()
    else:
        assert oldest == 0
    assert value(text, "ramtid_db_pool_size") >= 0
    assert timedelta(0) <= timedelta(seconds=oldest)


async def test_the_queue_shows_what_waits_for_a_decision_and_for_how_long(
    api: httpx.AsyncClient, demo: None, db: Database, clock: Clock
) -> None:
    for hour in (12, 17):
        await lisa_asks_for_longer(api, TOMORROW, hour)
        clock.advance(minutes=3)
    clock.advance(minutes=20)
    waiting = await db.all(select(ChangeRequest).where(ChangeRequest.status == "PENDING"))
    text = (await api.get("/metrics")).text

    held = 'ramtid_queue_requests{assignee="contact_person",escalated="false"}'
    assert value(text, held) == len(waiting) >= 2
    assert value(text, 'ramtid_queue_requests{assignee="planners",escalated="false"}') == 0
    first = min(r.created_at for r in waiting)
    first = first if first.tzinfo else first.replace(tzinfo=clock.now.tzinfo)
    oldest = value(text, "ramtid_queue_oldest_request_age_seconds")
    assert oldest == (clock.now - first).total_seconds() == 26 * 60
    assert "Lisa" not in text


def test_the_text_holds_the_contracts_names_and_no_more() -> None:
    registry = Registry()
    registry.inc(metrics.HTTP_REQUESTS, "/visits", "GET", "200")
    registry.observe(metrics.TRANSCRIPTION_DURATION, 3.0, "sv")
    registry.inc(metrics.TRANSCRIPTIONS_RUNNING, by=1)
    registry.inc(metrics.TRANSCRIPTIONS_RUNNING, by=1)
    registry.inc(metrics.TRANSCRIPTIONS_RUNNING, by=-1)  # a gauge goes down again
    text = registry.render()
    assert (
        value(text, 'ramtid_http_requests_total{method="GET",route="/visits",status="200"}') == 1
    )
    assert "# TYPE ramtid_http_requests_total counter" in text
    assert value(text, "ramtid_transcriptions_in_progress") == 1
    assert "# TYPE ramtid_transcriptions_in_progress gauge" in text
    # SLOW_BUCKETS for a transcription, and no *_created series beside the dashboard's.
    assert value(text, 'ramtid_transcription_duration_seconds_bucket{language="sv",le="2.0"}') == 0
    assert value(text, 'ramtid_transcription_duration_seconds_bucket{language="sv",le="5.0"}') == 1
    assert "_created" not in text
    names = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line[:1] != "#"}
    read = {m.name for m in metrics.ALL}
    read |= {f"{m.name}{s}" for m in metrics.ALL for s in ("_bucket", "_count", "_sum")}
    assert names <= read
