"""The process's metrics in Prometheus' text format: the names, kinds and labels of
``contract.metrics``, nothing else. One registry per process (``REGISTRY``): the backend,
the bot and the notifier of one process record into it, and ``/metrics`` shows it all.

The counting, the histograms and the text format are ``prometheus_client``'s; this module
only keeps the small API the callers use (``inc``, ``set``, ``observe``, ``render``) and
turns each ``contract.metrics.Metric`` into the library's Counter, Gauge or Histogram the
first time it is recorded. The registry is private (not the library's global one), so
nothing else that imports ``prometheus_client`` shows up on ``/metrics``.

Labels are ids of routes, handlers, outcomes and languages: never a person or a text.
"""

from __future__ import annotations

import threading
from typing import Any

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from contract.metrics import Kind, Metric

# The series the dashboard reads and nothing more: no ``*_created`` timestamp per series.
prometheus_client.disable_created_metrics()

CONTENT_TYPE = prometheus_client.CONTENT_TYPE_LATEST


# The library's collector for each kind of metric the contract names.
_COLLECTORS: dict[Kind, type[Counter] | type[Gauge] | type[Histogram]] = {
    Kind.COUNTER: Counter,
    Kind.GAUGE: Gauge,
    Kind.HISTOGRAM: Histogram,
}


class Registry:
    """The metrics of one process, each created on first use from its ``contract`` definition."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._collectors: dict[str, Any] = {}
        self._lock = threading.Lock()  # the bot's and the backend's threads may record at once

    def _series(self, metric: Metric, labels: tuple[str, ...], *kinds: Kind) -> Any:
        """The collector of ``metric`` (made the first time), for ``labels``."""
        if metric.kind not in kinds:
            wanted = " or ".join(k.value for k in kinds)
            raise TypeError(f"{metric.name} is a {metric.kind.value}, not a {wanted}")
        with self._lock:
            collector = self._collectors.get(metric.name)
            if collector is None:
                # A counter is written with its ``_total`` on ``/metrics``, as named.
                extra: dict[str, Any] = (
                    {"buckets": metric.buckets} if metric.kind is Kind.HISTOGRAM else {}
                )
                collector = self._collectors[metric.name] = _COLLECTORS[metric.kind](
                    metric.name, metric.help, metric.labels, registry=self.registry, **extra
                )
        return collector.labels(*labels) if labels else collector

    def inc(self, metric: Metric, *labels: str, by: float = 1.0) -> None:
        """Add to a counter, or to a gauge: only a gauge may go down (a negative ``by``)."""
        self._series(metric, labels, Kind.COUNTER, Kind.GAUGE).inc(by)

    def set(self, metric: Metric, value: float, *labels: str) -> None:
        self._series(metric, labels, Kind.GAUGE).set(value)

    def observe(self, metric: Metric, value: float, *labels: str) -> None:
        self._series(metric, labels, Kind.HISTOGRAM).observe(value)

    def render(self) -> str:
        return prometheus_client.generate_latest(self.registry).decode()


REGISTRY = Registry()
