"""Tiny helpers shared by the benchmark modules: timing loops and a plain-text table."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence


def sample_ns(fn: Callable[[], object], iterations: int, warmup: int = 200) -> list[int]:
    """Per-call wall times in nanoseconds (perf_counter_ns around each call)."""
    for _ in range(warmup):
        fn()
    timings = []
    for _ in range(iterations):
        start = time.perf_counter_ns()
        fn()
        timings.append(time.perf_counter_ns() - start)
    return timings


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
