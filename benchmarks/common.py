"""What every benchmark shares: its command line, the city it runs on, and how it prints.

A benchmark prints figures and never judges them: no assertion, no exit code for "too slow".
Each run works on a fresh copy of the city (``city.working_copy``), so what one run writes
(requests, check-ins, notifications) never changes what the next one measures.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/ramtid_bench"
DEFAULT_DATA_DIR = "/work/bench-data"


@dataclass(frozen=True)
class Options:
    scale: float
    db: str  # sqlite | postgres
    seed: int
    postgres_url: str  # the kept data set; runs use a copy beside it
    data_dir: str  # SQLite data sets and copies


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--scale", type=float, default=0.1, help="fraction of the city (1 = full)")
    p.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument(
        "--postgres-url",
        default=os.environ.get("RAMTID_BENCH_DATABASE_URL", DEFAULT_POSTGRES),
        help="database that keeps the PostgreSQL data set (env RAMTID_BENCH_DATABASE_URL)",
    )
    p.add_argument(
        "--data-dir",
        default=os.environ.get("RAMTID_BENCH_DATA", DEFAULT_DATA_DIR),
        help="where SQLite data sets are kept (env RAMTID_BENCH_DATA)",
    )
    return p


def options(args: argparse.Namespace) -> Options:
    return Options(
        scale=args.scale,
        db=args.db,
        seed=args.seed,
        postgres_url=args.postgres_url,
        data_dir=args.data_dir,
    )


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of a non-empty sample."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


@dataclass(frozen=True)
class Summary:
    n: int
    p50: float
    p90: float
    p99: float
    max: float
    mean: float

    @classmethod
    def of(cls, values_ms: Sequence[float]) -> Summary:
        if not values_ms:
            return cls(0, float("nan"), float("nan"), float("nan"), float("nan"), float("nan"))
        return cls(
            n=len(values_ms),
            p50=statistics.median(values_ms),
            p90=percentile(values_ms, 0.90),
            p99=percentile(values_ms, 0.99),
            max=max(values_ms),
            mean=statistics.fmean(values_ms),
        )


def heading(title: str, opts: Options, **extra: object) -> None:
    details = " ".join(f"{k}={v}" for k, v in extra.items())
    print(f"# {title}: scale {opts.scale:g}, {opts.db}, seed {opts.seed} {details}".rstrip())


def line(label: str, s: Summary, unit: str = "ms") -> None:
    print(
        f"{label:46s} n {s.n:5d}  p50 {s.p50:8.2f}  p90 {s.p90:8.2f}  p99 {s.p99:8.2f}  "
        f"max {s.max:8.2f} {unit}"
    )


def figure(label: str, value: float, unit: str = "", fmt: str = "8.2f") -> None:
    print(f"{label:46s} {value:{fmt}} {unit}".rstrip())


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """``with stopwatch() as took: ...``; afterwards ``took[0]`` is the seconds spent."""
    took: list[float] = []
    started = time.perf_counter()
    try:
        yield took
    finally:
        took.append(time.perf_counter() - started)


def quiet_gc_between_runs() -> None:
    """Collect once between measured phases so one phase's garbage is not paid by the next
    (the collector is left as the processes run it: its pauses are part of the figures)."""
    gc.collect()
