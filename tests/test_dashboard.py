"""The Grafana dashboard and the metric names in ``contract.metrics`` meet: every metric the
dashboard reads is named there, and every named metric is on the dashboard."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from contract import metrics

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = ROOT / "deploy" / "grafana" / "ramtid.json"
HISTOGRAM_SERIES = ("_bucket", "_count", "_sum")


def expressions(dashboard: dict[str, Any]) -> list[str]:
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def metric_names(expr: str) -> set[str]:
    names = set()
    for name in re.findall(r"\bramtid_[a-z0-9_]+\b", expr):
        for suffix in HISTOGRAM_SERIES:
            if name.endswith(suffix) and name.removesuffix(suffix) in BY_NAME:
                name = name.removesuffix(suffix)
        names.add(name)
    return names


BY_NAME = {m.name: m for m in metrics.ALL}


def test_the_dashboard_reads_exactly_the_named_metrics() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    read = set().union(*(metric_names(e) for e in expressions(dashboard)))
    assert read - BY_NAME.keys() == set(), "the dashboard reads metrics nobody publishes"
    assert BY_NAME.keys() - read == set(), "metrics are named that no panel shows"


def test_histograms_are_read_through_their_buckets_and_counters_through_rate() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    for expr in expressions(dashboard):
        for name in re.findall(r"\bramtid_[a-z0-9_]+\b", expr):
            metric = BY_NAME.get(name)
            if metric is not None and metric.kind is metrics.Kind.HISTOGRAM:
                raise AssertionError(f"{name} is a histogram: read _bucket or _count ({expr})")
            if metric is not None and metric.kind is metrics.Kind.COUNTER:
                assert f"rate({name}" in expr, f"a counter is read without rate(): {expr}"


def test_names_follow_prometheus_conventions() -> None:
    for m in metrics.ALL:
        assert re.fullmatch(r"ramtid_[a-z][a-z0-9_]*", m.name), m.name
        assert (m.kind is metrics.Kind.COUNTER) == m.name.endswith("_total"), m.name
        if m.kind is metrics.Kind.HISTOGRAM:
            assert m.name.endswith("_seconds"), f"{m.name}: time in seconds"
        assert m.process in {"backend", "bot", "notifier", "speech"}
        # Labels name routes, handlers and kinds: nothing that could carry a person.
        assert not {"user", "chat", "name", "client", "text"} & set(m.labels), m.name
    assert len(BY_NAME) == len(metrics.ALL), "a metric is named twice"


def test_every_panel_reads_the_datasource_chosen_on_import() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert [i["name"] for i in dashboard["__inputs"]] == ["DS_PROMETHEUS"]
    for panel in dashboard["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${DS_PROMETHEUS}", panel["title"]
