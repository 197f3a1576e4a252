"""The two edge runtimes side by side: decision time per event, package size, cost per million.

Same events for both (every sample in events/edge/, the clock pinned): the Python handler's
`decide` in an in-process loop, and the CloudFront Function's `handler` in Node's own loop (the
emulator's function host, so no JSON-lines round trip is counted; that overhead is its own row).
Node (V8, JIT) is not CloudFront's JavaScript engine, so the JS figure says how much work the
decision is, not what CloudFront bills; CloudFront Functions bill per invocation anyway.

Prices (us-east-1, looked up for issue 14): CloudFront Functions $0.10 per million
invocations; Lambda@Edge $0.60 per million requests plus $0.00005001 per GB-second of duration,
billed in 1 ms steps (https://aws.amazon.com/cloudfront/pricing/, and the 1 ms billing
granularity announcement of 2021-03-31). A viewer-request Lambda@Edge function has 128 MB, and
every decision here is far below 1 ms, so its billed duration is the 1 ms minimum.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from benchmarks.edge_bench import edge_zip_bytes
from benchmarks.table import median, print_table
from edge_auth import handler
from edge_auth.cloudfront_function import MAX_CODE_BYTES, function_code
from local_stack.cloudfront.function_runtime import FunctionHost, function_event_from_lambda_edge

EVENTS = Path(__file__).resolve().parents[1] / "events" / "edge"
ROUNDS = 2_000
REPEATS = 5
CF_FUNCTIONS_PER_MILLION = 0.10
LAMBDA_EDGE_PER_MILLION = 0.60
LAMBDA_EDGE_GB_SECOND = 0.00005001
LAMBDA_EDGE_MEMORY_GB = 128 / 1024
LAMBDA_EDGE_BILLED_SECONDS = 0.001


def sample_events() -> tuple[list[dict[str, Any]], float]:
    """The Lambda@Edge sample events and one clock that keeps their expected decisions."""
    expected = json.loads((EVENTS / "expected.json").read_text())
    names = sorted(p.stem for p in EVENTS.glob("*.json") if p.stem != "expected")
    pinned = {v["now"] for v in expected.values() if isinstance(v, dict) and "now" in v}
    now = pinned.pop() if len(pinned) == 1 else time.time()
    return [json.loads((EVENTS / f"{n}.json").read_text()) for n in names], now


def python_ns_per_event(events: list[dict[str, Any]], now: float) -> float:
    requests = [e["Records"][0]["cf"]["request"] for e in events]
    runs = []
    for _ in range(REPEATS):
        start = time.perf_counter_ns()
        for _ in range(ROUNDS):
            for request in requests:
                handler.decide(request, now)
        runs.append((time.perf_counter_ns() - start) / (ROUNDS * len(requests)))
    return median(runs)


def cost_per_million(invocations_per_page: int) -> tuple[float, float]:
    duration = LAMBDA_EDGE_MEMORY_GB * LAMBDA_EDGE_BILLED_SECONDS * LAMBDA_EDGE_GB_SECOND
    lambda_edge = LAMBDA_EDGE_PER_MILLION + duration * 1_000_000
    return (
        CF_FUNCTIONS_PER_MILLION * invocations_per_page,
        lambda_edge * invocations_per_page,
    )


def main() -> None:
    events, now = sample_events()
    cf_events = [function_event_from_lambda_edge(e) for e in events]
    code = function_code()
    with FunctionHost(code) as host:
        js_runs = [host.bench(cf_events, ROUNDS, now) for _ in range(REPEATS)]
        start = time.perf_counter_ns()
        for _ in range(200):
            for event in cf_events:
                host.invoke(event, now)
        round_trip = (time.perf_counter_ns() - start) / (200 * len(cf_events))
    py = python_ns_per_event(events, now)
    js = median(js_runs)
    print(f"decision per event, {len(events)} sample events x {ROUNDS} rounds, median of {REPEATS}")
    print_table(
        ["runtime", "us per event", "vs Python"],
        [
            ["Python handler.decide (in-process loop)", f"{py / 1000:.2f}", "1.00x"],
            [
                "CloudFront Function under Node (in-process loop)",
                f"{js / 1000:.2f}",
                f"{js / py:.2f}x",
            ],
            ["emulator: one JSON-lines call to the Node host", f"{round_trip / 1000:.1f}", ""],
        ],
    )
    print()
    print_table(
        ["package", "size", "limit"],
        [
            [
                "Lambda@Edge zip (edge_auth/*.py + templates)",
                f"{edge_zip_bytes() / 1024:.1f} KB",
                "1 MB",
            ],
            [
                "CloudFront Function code (built, inline)",
                f"{len(code.encode()) / 1024:.2f} KB",
                f"{MAX_CODE_BYTES / 1024:.0f} KB",
            ],
        ],
    )
    print()
    rows = []
    for per_page in (1, 3):
        cf, le = cost_per_million(per_page)
        rows.append([str(per_page), f"${cf:.2f}", f"${le:.4f}", f"{le / cf:.2f}x"])
    print("cost per million page loads (us-east-1 list prices; Lambda@Edge 128 MB, 1 ms billed)")
    print_table(
        ["function invocations per page load", "CloudFront Function", "Lambda@Edge", "ratio"],
        rows,
    )


if __name__ == "__main__":
    main()
