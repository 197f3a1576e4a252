"""The viewer's service worker: what it costs each data request, measured in headless Chromium.

Starts the local stack in this process (free ports, temporary state folder), opens the viewer in
two browser contexts with the same valid cookies, one where our service worker (viewer/src/sw.js)
controls the page and one where Playwright blocks service workers, and times `fetch` of the
sample's image chunks from the page (`cache: "no-store"`, so every one reaches the emulator):
one at a time, and CONCURRENT at a time as Neuroglancer's workers do. Ratio target <= 1.2.
It also counts the requests the session module and worker add while the chunks are fetched
(target 0: nothing per chunk).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Final

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from benchmarks.table import print_table
from edge_auth.cookie_policy import build_custom_policy, cf_b64encode
from local_stack.archive.session_jwt import SESSION_COOKIE
from local_stack.browser import CHROMIUM, CHROMIUM_ARGS
from local_stack.stack import LocalStack, StackConfig

REQUESTS: Final = 200
CONCURRENT: Final = 8
ROUNDS: Final = 3

# Runs in the page: `paths` fetched `requests` times in total, `concurrent` in flight at once.
_TIMED_FETCHES: Final = """async ([paths, requests, concurrent]) => {
  let next = 0, failed = 0;
  async function lane() {
    while (next < requests) {
      const path = paths[next++ % paths.length];
      const r = await fetch(path, { cache: "no-store" });
      await r.arrayBuffer();
      if (r.status !== 200) failed++;
    }
  }
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrent }, lane));
  return [performance.now() - start, failed];
}"""


def _cookies(stack: LocalStack, origin: str, url: str) -> list[dict[str, str]]:
    assert stack.keys is not None and stack.archive is not None
    key = serialization.load_pem_private_key(
        stack.keys.cloudfront.private_pem.encode(), password=None
    )
    assert isinstance(key, rsa.RSAPrivateKey)
    policy = build_custom_policy(origin + "/*", int(time.time()) + 3600).encode()
    values = {
        "CloudFront-Policy": cf_b64encode(policy),
        "CloudFront-Signature": cf_b64encode(key.sign(policy, padding.PKCS1v15(), hashes.SHA256())),
        "CloudFront-Key-Pair-Id": stack.keys.cloudfront.key_pair_id,
        "CloudFront-Hash-Algorithm": "SHA256",
        SESSION_COOKIE: stack.archive.session_jwt("alice"),
    }
    return [{"name": k, "value": v, "url": url} for k, v in values.items()]


def _per_request_ms(browser: Any, stack: LocalStack, workers: str) -> dict[int, float]:
    assert stack.emulator is not None and stack.assets is not None
    port = stack.emulator.port
    url = f"http://localhost:{port}/"
    prefix = stack.assets.zarr_prefix + "0/0."
    paths = [f"/{key}" for key in stack.assets.objects if key.startswith(prefix)]
    context = browser.new_context(service_workers=workers)
    try:
        context.add_cookies(_cookies(stack, f"https://localhost:{port}", url))
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector(".neuroglancer-viewer", timeout=60_000)
        controlled = page.evaluate("!!navigator.serviceWorker?.controller")
        if controlled != (workers == "allow"):
            raise RuntimeError(f"service workers {workers}, but controlled={controlled}")
        page.evaluate(_TIMED_FETCHES, [paths, 20, 1])  # warm up
        results: dict[int, float] = {}
        for concurrent in (1, CONCURRENT):
            times = []
            for _ in range(ROUNDS):
                elapsed, failed = page.evaluate(_TIMED_FETCHES, [paths, REQUESTS, concurrent])
                if failed:
                    raise RuntimeError(f"{failed} chunk fetches were not 200")
                times.append(elapsed / REQUESTS)
            results[concurrent] = statistics.median(times)
        return results
    finally:
        context.close()


def main() -> None:
    if not Path(CHROMIUM).is_file():
        print(f"(skipped: {CHROMIUM} missing)")
        return
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as state:
        # JWT mode: a session the benchmark can mint without a browser sign-in.
        config = StackConfig(
            viewer_port=0,
            archive_port=0,
            issuer_port=0,
            aws_port=0,
            state_dir=Path(state),
            auth_mode="jwt",
        )
        stack = LocalStack(config)
        stack.start()
        assert stack.emulator is not None
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                try:
                    stack.emulator.reset_stats()
                    with_sw = _per_request_ms(browser, stack, "allow")
                    counters = stack.emulator.stats_json()
                    without = _per_request_ms(browser, stack, "block")
                finally:
                    browser.close()
        finally:
            stack.stop()
    rows: list[list[object]] = []
    for concurrent in (1, CONCURRENT):
        on, off = with_sw[concurrent], without[concurrent]
        rows.append(
            [
                f"chunk fetch from the page, {concurrent} in flight (ms/request, median of "
                f"{ROUNDS} x {REQUESTS})",
                f"{on:.2f}",
                f"{off:.2f}",
                f"{on / off:.2f}",
                "<= 1.2",
            ]
        )
    auth = [e for e in counters["log"] if e["path"].startswith("/_auth/")]
    data = counters["data_requests"]
    rows.append(
        [
            f"/_auth requests while {data} data requests ran (session start included)",
            str(len(auth)),
            "-",
            "-",
            "1 (GET /_auth/session)",
        ]
    )
    print_table(["measure", "service worker", "none (blocked)", "ratio", "target"], rows)


if __name__ == "__main__":
    main()
