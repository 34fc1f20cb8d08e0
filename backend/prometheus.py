"""The process's metrics in Prometheus' text format: the names, kinds and labels of
``contract.metrics``, nothing else. One registry per process (``REGISTRY``): the backend,
the bot and the notifier of one process record into it, and ``/metrics`` shows it all.

Labels are ids of routes, handlers, outcomes and languages: never a person or a text.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable

from contract.metrics import LATENCY_BUCKETS, SLOW_BUCKETS, Kind, Metric

Labels = tuple[str, ...]
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _labels(metric: Metric, values: Labels, extra: str = "") -> str:
    pairs = [
        f'{name}="{_escape(value)}"' for name, value in zip(metric.labels, values, strict=True)
    ]
    if extra:
        pairs.append(extra)
    return "{" + ",".join(pairs) + "}" if pairs else ""


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class Histogram:
    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.buckets = buckets
        self.counts = [0] * (len(buckets) + 1)
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.buckets, value)] += 1
        self.sum += value


class Registry:
    def __init__(self) -> None:
        self.values: dict[str, dict[Labels, float]] = {}
        self.histograms: dict[str, dict[Labels, Histogram]] = {}
        self.metrics: dict[str, Metric] = {}

    def _known(self, metric: Metric) -> None:
        self.metrics.setdefault(metric.name, metric)

    def inc(self, metric: Metric, *labels: str, by: float = 1.0) -> None:
        self._known(metric)
        series = self.values.setdefault(metric.name, {})
        series[labels] = series.get(labels, 0.0) + by

    def set(self, metric: Metric, value: float, *labels: str) -> None:
        self._known(metric)
        self.values.setdefault(metric.name, {})[labels] = value

    def observe(self, metric: Metric, value: float, *labels: str) -> None:
        self._known(metric)
        series = self.histograms.setdefault(metric.name, {})
        histogram = series.get(labels)
        if histogram is None:
            buckets = (
                SLOW_BUCKETS
                if "lag" in metric.name or "transcr" in metric.name
                else (LATENCY_BUCKETS)
            )
            histogram = series[labels] = Histogram(buckets)
        histogram.observe(value)

    def render(self) -> str:
        lines: list[str] = []
        for name in sorted(self.metrics):
            metric = self.metrics[name]
            lines.append(f"# HELP {name} {metric.help}")
            lines.append(f"# TYPE {name} {metric.kind.value}")
            if metric.kind is Kind.HISTOGRAM:
                lines.extend(self._histogram_lines(metric))
                continue
            for labels, value in sorted(self.values.get(name, {}).items()):
                lines.append(f"{name}{_labels(metric, labels)} {_number(value)}")
        return "\n".join(lines) + "\n"

    def _histogram_lines(self, metric: Metric) -> Iterable[str]:
        name = metric.name
        for labels, h in sorted(self.histograms.get(name, {}).items()):
            running = 0
            for bound, count in zip((*h.buckets, math.inf), h.counts, strict=True):
                running += count
                le = f'le="{_number(bound)}"'
                yield f"{name}_bucket{_labels(metric, labels, le)} {running}"
            yield f"{name}_sum{_labels(metric, labels)} {_number(h.sum)}"
            yield f"{name}_count{_labels(metric, labels)} {running}"


REGISTRY = Registry()
