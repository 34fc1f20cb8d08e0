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

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from contract.metrics import Kind, Metric

# The series the dashboard reads and nothing more: no ``*_created`` timestamp per series.
prometheus_client.disable_created_metrics()

CONTENT_TYPE = prometheus_client.CONTENT_TYPE_LATEST


class Registry:
    """The metrics of one process, each created on first use from its ``contract`` definition."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._counters: dict[str, Counter] = {}
        self._gauges: dict[str, Gauge] = {}
        self._histograms: dict[str, Histogram] = {}
        self._lock = threading.Lock()  # the bot's and the backend's threads may record at once

    def _counter(self, metric: Metric) -> Counter:
        _expect(metric, Kind.COUNTER)
        with self._lock:
            if metric.name not in self._counters:
                # The library writes the name with its ``_total`` on ``/metrics``, as named.
                self._counters[metric.name] = Counter(
                    metric.name, metric.help, metric.labels, registry=self.registry
                )
            return self._counters[metric.name]

    def _gauge(self, metric: Metric) -> Gauge:
        _expect(metric, Kind.GAUGE)
        with self._lock:
            if metric.name not in self._gauges:
                self._gauges[metric.name] = Gauge(
                    metric.name, metric.help, metric.labels, registry=self.registry
                )
            return self._gauges[metric.name]

    def _histogram(self, metric: Metric) -> Histogram:
        _expect(metric, Kind.HISTOGRAM)
        with self._lock:
            if metric.name not in self._histograms:
                self._histograms[metric.name] = Histogram(
                    metric.name,
                    metric.help,
                    metric.labels,
                    registry=self.registry,
                    buckets=metric.buckets,
                )
            return self._histograms[metric.name]

    def inc(self, metric: Metric, *labels: str, by: float = 1.0) -> None:
        """Add to a counter, or to a gauge: only a gauge may go down (a negative ``by``)."""
        if metric.kind is Kind.GAUGE:
            gauge = self._gauge(metric)
            (gauge.labels(*labels) if labels else gauge).inc(by)
        else:
            counter = self._counter(metric)
            (counter.labels(*labels) if labels else counter).inc(by)

    def set(self, metric: Metric, value: float, *labels: str) -> None:
        gauge = self._gauge(metric)
        (gauge.labels(*labels) if labels else gauge).set(value)

    def observe(self, metric: Metric, value: float, *labels: str) -> None:
        histogram = self._histogram(metric)
        (histogram.labels(*labels) if labels else histogram).observe(value)

    def render(self) -> str:
        return prometheus_client.generate_latest(self.registry).decode()


def _expect(metric: Metric, kind: Kind) -> None:
    if metric.kind is not kind:
        raise TypeError(f"{metric.name} is a {metric.kind.value}, not a {kind.value}")


REGISTRY = Registry()
