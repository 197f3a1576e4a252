"""Local stack: the cost of the auth layer, measured through the CloudFront emulator.

Starts the local stack in this process (free ports, temporary state folder) plus a second
emulator on the same distribution and S3 buckets with `enforce_signed_cookies=False` (same code
path minus the signed-cookie check and the edge function), then measures:
- chunk requests per second with valid cookies vs without the auth layer (ratio, target >= 0.8);
- time from opening a shared link (already signed in at the archive) to the first chunk 200 in
  headless Chromium, auth on (interstitial, issuer login shortcut, callback) vs off
  (ratio, target <= 1.5);
- edge invocations per page load (first visits in Chromium: per navigation target 1, per
  hashed bundle under /assets/* target 0) and per data request (target 0).
"""

from __future__ import annotations

import http.client
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Final

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from benchmarks.table import print_table
from edge_auth.cookie_policy import build_custom_policy, cf_b64encode
from linc_edge_auth.asset_refs import Deployment
from local_stack.archive.session_jwt import SESSION_COOKIE
from local_stack.browser import CHROMIUM, CHROMIUM_ARGS
from local_stack.cloudfront.emulator import CloudFrontEmulator
from local_stack.samples.link import sample_link
from local_stack.stack import ASSET_BUCKET, LocalStack, StackConfig, data_prefixes

THREADS: Final = 4
REQUESTS_PER_THREAD: Final = 150
ROUNDS: Final = 3
PAGE_LOADS: Final = 3


def _cookies(stack: LocalStack, origin: str) -> str:
    assert stack.keys is not None
    key = serialization.load_pem_private_key(
        stack.keys.cloudfront.private_pem.encode(), password=None
    )
    assert isinstance(key, rsa.RSAPrivateKey)
    now = int(time.time())
    policy = build_custom_policy(origin + "/*", now + 3600, now - 300).encode()
    values = {
        "CloudFront-Policy": cf_b64encode(policy),
        "CloudFront-Signature": cf_b64encode(key.sign(policy, padding.PKCS1v15(), hashes.SHA256())),
        "CloudFront-Key-Pair-Id": stack.keys.cloudfront.key_pair_id,
        "CloudFront-Hash-Algorithm": "SHA256",
    }
    return "; ".join(f"{k}={v}" for k, v in values.items())


def _chunk_paths(stack: LocalStack) -> list[str]:
    assert stack.assets is not None
    prefix = "/" + stack.assets.zarr_prefix
    return [f"/{key}" for key in stack.assets.objects if key.startswith(prefix[1:] + "0/0.")]


def _requests_per_second(port: int, paths: list[str], cookie: str) -> float:
    failures: list[int] = []

    def worker() -> None:
        connection = http.client.HTTPConnection("localhost", port, timeout=30)
        headers = {"Cookie": cookie, "Host": f"localhost:{port}"} if cookie else {}
        for i in range(REQUESTS_PER_THREAD):
            connection.request("GET", paths[i % len(paths)], headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                failures.append(response.status)
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise RuntimeError(f"chunk requests failed: {sorted(set(failures))}")
    return THREADS * REQUESTS_PER_THREAD / elapsed


def _first_chunk_seconds(playwright: Any, url: str, session: str | None) -> float:
    with tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            if session:
                context.add_cookies(
                    [{"name": SESSION_COOKIE, "value": session, "domain": "localhost", "path": "/"}]
                )
            page = context.new_page()
            page.goto("about:blank")
            first: list[float] = []

            def on_response(response: Any) -> None:
                if not first and response.status == 200 and "/0/0." in response.url:
                    first.append(time.perf_counter())

            page.on("response", on_response)
            start = time.perf_counter()
            page.goto(url)
            deadline = time.monotonic() + 60
            while not first and time.monotonic() < deadline:
                page.wait_for_timeout(20)
            if not first:
                raise RuntimeError("no chunk came back 200 within 60 s")
            return first[0] - start
        finally:
            context.close()


def _page_loads(stack: LocalStack, plain: CloudFrontEmulator) -> tuple[float, float] | None:
    if not Path(CHROMIUM).is_file():
        print(f"(page-load timing skipped: {CHROMIUM} missing)")
        return None
    from playwright.sync_api import sync_playwright

    assert stack.archive is not None and stack.assets is not None and stack.emulator is not None
    assert stack.tracts is not None and stack.distribution is not None
    session = stack.archive.session_jwt("alice")
    on_origin = f"http://localhost:{stack.emulator.port}"
    off_origin = f"http://localhost:{plain.port}"
    prefixes = data_prefixes(stack.distribution)
    on_url, off_url = (
        sample_link(Deployment(origin, ASSET_BUCKET, prefixes), stack.assets, stack.tracts)
        for origin in (on_origin, off_origin)
    )
    on: list[float] = []
    off: list[float] = []
    with sync_playwright() as playwright:
        for _ in range(PAGE_LOADS):
            off.append(_first_chunk_seconds(playwright, off_url, None))
            on.append(_first_chunk_seconds(playwright, on_url, session))
    return statistics.median(on), statistics.median(off)


def _page_load_rows(log: list[dict[str, Any]], loads: int) -> list[list[object]]:
    """Edge invocations per page load, per navigation and per bundle, from the request log."""
    if not loads:
        return []
    navigations = [e for e in log if e["behavior"] == "*"]
    bundles = [e for e in log if e["behavior"] == "/assets/*"]
    edge = sum(e["edge"] for e in log)
    per_navigation = edge / len(navigations) if navigations else float("nan")
    return [
        [f"edge invocations per first visit ({loads} loads)", f"{edge / loads:.2f}", "-", "-", "2"],
        [
            f"edge invocations per navigation ({len(navigations)} navigations)",
            f"{per_navigation:.2f}",
            "-",
            "-",
            "1",
        ],
        [
            f"edge invocations per bundle /assets/* ({len(bundles)} requests)",
            f"{sum(e['edge'] for e in bundles) / max(len(bundles), 1):.2f}",
            "-",
            "-",
            "0",
        ],
    ]


def main() -> None:
    with tempfile.TemporaryDirectory() as state:
        config = StackConfig(
            viewer_port=0, archive_port=0, issuer_port=0, aws_port=0, state_dir=Path(state)
        )
        stack = LocalStack(config)
        stack.start()
        assert stack.emulator is not None and stack.distribution is not None
        plain = CloudFrontEmulator(
            stack.distribution,
            buckets=stack.emulator.buckets,
            s3_client=stack.aws.client("s3"),
            enforce_signed_cookies=False,
        )
        plain.start()
        try:
            paths = _chunk_paths(stack)
            cookie = _cookies(stack, f"https://localhost:{stack.emulator.port}")
            _requests_per_second(stack.emulator.port, paths, cookie)  # warm both paths
            _requests_per_second(plain.port, paths, "")
            with_auth, without = [], []
            for _ in range(ROUNDS):
                without.append(_requests_per_second(plain.port, paths, ""))
                with_auth.append(_requests_per_second(stack.emulator.port, paths, cookie))
            stack.emulator.reset_stats()
            loads = _page_loads(stack, plain)
            counters = stack.emulator.stats_json()
        finally:
            plain.stop()
            stack.stop()
    rps_on, rps_off = statistics.median(with_auth), statistics.median(without)
    rows: list[list[object]] = [
        [
            f"chunk requests/s ({THREADS} threads, keep-alive)",
            f"{rps_on:.0f}",
            f"{rps_off:.0f}",
            f"{rps_on / rps_off:.2f}",
            ">= 0.8",
        ]
    ]
    if loads is not None:
        on, off = loads
        rows.append(
            [
                "shared link -> first chunk 200 (s, median of 3)",
                f"{on:.2f}",
                f"{off:.2f}",
                f"{on / off:.2f}",
                "<= 1.5",
            ]
        )
    data = counters["data_requests"]
    per_request = counters["data_edge_invocations"] / data if data else float("nan")
    rows.append(
        [
            f"edge invocations per data request ({data} data requests)",
            f"{per_request:.2f}",
            "-",
            "-",
            "0",
        ]
    )
    rows.extend(_page_load_rows(counters["log"], PAGE_LOADS if loads is not None else 0))
    print_table(["measure", "auth on", "auth off", "ratio", "target"], rows)
    print(f"(signature verifications: {counters['signature_checks']}, cached per cookie set)")


if __name__ == "__main__":
    main()
