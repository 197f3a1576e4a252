"""Fixtures for the local stack tests: the whole stack as a subprocess, Debian's Chromium.

`local_stack` starts `python -m local_stack` on free ports with its own state folder for the test
session and yields the parsed stack.json (the documented harness interface); the issuer signs in
through the archive's OAuth2 provider (the default). `local_stack_jwt` is a second stack with
`--auth-mode jwt` (the archive's session JWT cookie), `local_stack_consent` one with
`--ask-consent`, `function_stack` one with `--edge-runtime cloudfront-function` and
`short_lived_stack` one with `--test-only-cookie-ttl SHORT_COOKIE_TTL` (renewal tests),
`parent_domain_stack` / `parent_domain_function_stack` ones whose viewer is
`https://VIEWER_HOST:PORT` with LEGACY_COOKIE_DOMAINS=PARENT_DOMAIN (either edge runtime), each
started only by the tests that ask for it; `viewer_host_context` is a browser that resolves
VIEWER_HOST to 127.0.0.1 and accepts the stack's self-signed certificate. `browser_page` launches
/usr/bin/chromium through Playwright with a fresh user-data dir per test. Without
/usr/bin/chromium the browser tests skip with a loud reason, except under CI=true, where they fail.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local_stack.browser import CHROMIUM, CHROMIUM_ARGS, resolver_args

REPO = Path(__file__).resolve().parents[2]


@functools.cache
def _ensure_viewer_build() -> None:
    # Always ask build.sh: it is cached on a hash of its inputs and returns at once when dist is
    # current, whereas "index.html exists" let a stale dist (no sw.js) fail the session tests.
    subprocess.run(["bash", str(REPO / "viewer/build.sh")], check=True)


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    yield from _run_stack(tmp_path_factory, "local-stack")


@pytest.fixture(scope="session")
def local_stack_jwt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    yield from _run_stack(tmp_path_factory, "local-stack-jwt", "--auth-mode", "jwt")


@pytest.fixture(scope="session")
def local_stack_consent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The issuer registered without "skip authorization": the archive asks for consent."""
    yield from _run_stack(tmp_path_factory, "local-stack-consent", "--ask-consent")


@pytest.fixture(scope="session")
def function_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A second stack whose template selects the CloudFront Function (EdgeRuntime)."""
    yield from _run_stack(
        tmp_path_factory, "function-stack", "--edge-runtime", "cloudfront-function"
    )


@pytest.fixture(scope="session")
def short_lived_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A stack whose cookies live SHORT_COOKIE_TTL seconds (the test-only option)."""
    yield from _run_stack(
        tmp_path_factory, "short-lived-stack", "--test-only-cookie-ttl", str(SHORT_COOKIE_TTL)
    )


SHORT_COOKIE_TTL = 30
#: A viewer host with a parent domain, and that parent (where the archive's old cookies lived).
VIEWER_HOST = "viewer.linc.test"
PARENT_DOMAIN = "linc.test"
_PARENT_OPTIONS = ("--viewer-host", VIEWER_HOST, "--legacy-cookie-domains", PARENT_DOMAIN)


@pytest.fixture(scope="session")
def parent_domain_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    yield from _run_stack(tmp_path_factory, "parent-domain-stack", *_PARENT_OPTIONS)


@pytest.fixture(scope="session")
def parent_domain_function_stack(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Any]]:
    yield from _run_stack(
        tmp_path_factory,
        "parent-domain-function-stack",
        *_PARENT_OPTIONS,
        "--edge-runtime",
        "cloudfront-function",
    )


def _run_stack(
    tmp_path_factory: pytest.TempPathFactory, name: str, *options: str
) -> Iterator[dict[str, Any]]:
    _ensure_viewer_build()
    state = tmp_path_factory.mktemp(name)
    log = (state / "stack.log").open("w")
    ports = ["--viewer-port", "0", "--archive-port", "0", "--issuer-port", "0", "--aws-port", "0"]
    process = subprocess.Popen(
        [sys.executable, "-m", "local_stack", *ports, *options, "--state-dir", str(state)],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    description = state / "stack.json"
    deadline = time.monotonic() + 90
    while not description.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("local stack did not start:\n" + (state / "stack.log").read_text())
        time.sleep(0.2)
    info: dict[str, Any] = json.loads(description.read_text())
    info["_log"] = str(state / "stack.log")
    yield info
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
        log.close()


def chromium_or_skip() -> None:
    if Path(CHROMIUM).is_file():
        return
    reason = (
        f"!!! {CHROMIUM} IS MISSING: the local stack browser tests did NOT run. "
        "Install it with `sudo apt-get install chromium` (make test does it as root). !!!"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Any]:
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture
def browser_context(playwright_instance: Any, tmp_path: Path) -> Iterator[Any]:
    yield from _launch(playwright_instance, tmp_path, CHROMIUM_ARGS)


@pytest.fixture
def viewer_host_context(playwright_instance: Any, tmp_path: Path) -> Iterator[Any]:
    """Chromium that reaches VIEWER_HOST on 127.0.0.1 (no DNS) and trusts its test certificate."""
    args = [*CHROMIUM_ARGS, *resolver_args(VIEWER_HOST)]
    yield from _launch(playwright_instance, tmp_path, args, ignore_https_errors=True)


def _launch(playwright: Any, tmp_path: Path, args: list[str], **options: Any) -> Iterator[Any]:
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        args=args,
        headless=True,
        viewport={"width": 1000, "height": 700},
        **options,
    )
    try:
        yield context
    finally:
        context.close()
