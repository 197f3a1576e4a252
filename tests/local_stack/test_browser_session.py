"""Session continuity in real Chromium: the viewer stays alive across cookie lifetimes (issue 11).

Against `short_lived_stack` (cookies live SHORT_COOKIE_TTL seconds, the test-only option), with
our session module and service worker in the real viewer build. Counts are taken twice: at the
network (the emulator's request log) and at the page (what Neuroglancer and its workers got).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from local_stack.browser import CHROMIUM, CHROMIUM_ARGS
from tests.local_stack.client import mint
from tests.local_stack.conftest import SHORT_COOKIE_TTL
from tests.local_stack.session_support import (
    SLABS,
    PageData,
    fragment,
    network_log,
    rendered_levels,
    slab_of,
    slab_state,
    slab_volume,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LAYER_ITEM = ".neuroglancer-layer-item"
BANNER = "#linc-session-ended"


def _sign_in(page: Any, info: dict[str, Any], username: str = "alice") -> None:
    page.wait_for_url(info["archive_login_url"] + "**", timeout=30_000)
    page.wait_for_selector("#username", timeout=20_000)
    page.fill("#username", username)
    page.click("#sign-in")


def _open(context: Any, info: dict[str, Any], volume: str, data: PageData | None = None) -> Any:
    page = context.new_page()
    if data is not None:
        data.attach(page)
    page.goto(info["viewer_url"] + fragment(slab_state(info, volume, 0)))
    _sign_in(page, info)
    page.wait_for_selector(LAYER_ITEM, timeout=40_000)
    return page


def _move(page: Any, info: dict[str, Any], volume: str, slab: int) -> None:
    # A fragment change, as a user's pan does: Neuroglancer follows it, the page does not reload.
    page.evaluate("f => { location.hash = f; }", fragment(slab_state(info, volume, slab)))


def _cloudfront_refused(entry: dict[str, Any]) -> bool:
    return entry["status"] == 403 and entry["behavior"] != "*"


def test_viewer_stays_alive_for_three_cookie_lifetimes(
    short_lived_stack: dict[str, Any], browser_context: Any
) -> None:
    info = short_lived_stack
    volume = slab_volume(info)
    data = PageData(info)
    page = _open(browser_context, info, volume, data)
    assert rendered_levels(page) >= 8, "slab 0 did not render"
    page.evaluate("window.__lincSameDocument = true")
    navigations: list[str] = []
    page.on("framenavigated", lambda f: f == page.main_frame and navigations.append(f.url))
    start = time.time()

    step = SHORT_COOKIE_TTL / 2
    for slab in range(1, SLABS):
        page.wait_for_timeout(step * 1000)
        _move(page, info, volume, slab)
        levels = rendered_levels(page)
        assert levels >= 8, f"slab {slab} did not render at {time.time() - start:.0f} s"
    elapsed = time.time() - start
    assert elapsed >= 3 * SHORT_COOKIE_TTL

    # No reload: the same document all along, and no banner.
    assert page.evaluate("window.__lincSameDocument === true")
    assert not [u for u in navigations if "#" not in u], navigations
    assert page.locator(BANNER).count() == 0

    log = [e for e in network_log(info) if e["time"] >= start - 1]
    fetched = {slab_of(volume, e["path"]) for e in log if e["status"] == 200}
    assert set(range(1, SLABS)) <= fetched, f"slabs fetched after start: {fetched}"
    # Every slab's chunk reached the network with the cookies of its moment, and the page got 200.
    page_chunks = [(p, s) for _, p, s, _ in data.seen if slab_of(volume, p) is not None]
    assert len(page_chunks) >= SLABS and all(s == 200 for _, s in page_chunks), page_chunks
    # 0 data 403s reached Neuroglancer for objects that exist (the group's `.zarray` probe is a
    # missing key: S3's own 403, which the service worker must leave alone).
    probe = volume + ".zarray"
    refused_at_page = [(p, s) for _, p, s, _ in data.seen if s == 403 and p != probe]
    assert refused_at_page == []
    assert all(sw for _, p, _, sw in data.seen if p.startswith(volume)), "SW did not see chunks"
    refused_at_network = [e["path"] for e in log if _cloudfront_refused(e) and e["path"] != probe]
    renewals = [e for e in log if e["path"] == "/_auth/refresh"]
    assert all(e["status"] == 200 for e in renewals), renewals
    # Renewed about once per lifetime, whatever the number of chunks: no request per chunk.
    assert 3 <= len(renewals) <= elapsed / (SHORT_COOKIE_TTL / 2) + 2, len(renewals)
    # No request per chunk from the worker: every data request at the network is one the page got,
    # or one refusal retried. Counted over the whole test (the volume is this test's own): a
    # window cut at `start` splits a request logged on arrival from its response seen later.
    whole_log = [e for e in network_log(info) if e["path"].startswith(volume)]
    refused = [e for e in whole_log if _cloudfront_refused(e) and e["path"] != probe]
    data_at_page = [p for _, p, _, _ in data.seen if p.startswith(volume)]
    assert len(whole_log) == len(data_at_page) + len(refused)
    # The session module and the worker never answer /_auth/ themselves.
    assert data.auth and not any(sw for _, sw in data.auth)
    print(
        f"\n{elapsed:.0f} s = {elapsed / SHORT_COOKIE_TTL:.1f} lifetimes; renewals "
        f"{len(renewals)}; data at network {len(whole_log)}, at page {len(data_at_page)}; "
        f"CloudFront 403s at network {len(refused_at_network)}, at page {len(refused_at_page)}"
    )


def _archive_status(info: dict[str, Any], username: str, status: str) -> None:
    subprocess.run([*info["archive_manage"], "set_status", username, status], check=True)


def test_session_end_shows_banner_and_sign_in_again_returns_to_the_current_view(
    short_lived_stack: dict[str, Any], browser_context: Any
) -> None:
    info = short_lived_stack
    volume = slab_volume(info)
    page = _open(browser_context, info, volume)
    assert rendered_levels(page) >= 8
    _move(page, info, volume, 5)  # the view changes after the page was opened
    assert rendered_levels(page) >= 8
    current = page.evaluate("location.hash")
    try:
        # Not approved any more (OAuth2 mode asks the archive at each renewal), and the archive
        # session over (JWT mode re-verifies it): the next renewal must fail.
        _archive_status(info, "alice", "REJECTED")
        other = browser_context.new_page()
        other.goto(info["archive_logout_url"])
        other.close()
        banner = page.locator(BANNER)
        banner.wait_for(timeout=SHORT_COOKIE_TTL * 1000)
        assert "Your LINC session has ended" in banner.inner_text()
        assert "Sign in again" in banner.inner_text()
        # Non-blocking: a small strip at the top, Neuroglancer's panel still takes the input.
        box = banner.bounding_box()
        assert box is not None and box["height"] < 80
    finally:
        _archive_status(info, "alice", "APPROVED")
    page.click(BANNER + " a")
    _sign_in(page, info)
    page.wait_for_url(lambda url: url.startswith(info["viewer_url"] + "#"), timeout=30_000)
    assert page.evaluate("location.hash") == current
    page.wait_for_selector(LAYER_ITEM, timeout=40_000)
    assert rendered_levels(page) >= 8, "the changed view did not render after signing in again"
    assert page.locator(BANNER).count() == 0


def test_cookies_signed_by_an_untrusted_key_recover(
    short_lived_stack: dict[str, Any], browser_context: Any
) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    info = short_lived_stack
    volume = slab_volume(info)
    page = _open(browser_context, info, volume)
    assert rendered_levels(page) >= 8
    page.close()
    # A key CloudFront no longer trusts (rotation, the old archive endpoint), still unexpired:
    # the edge lets the page load (it reads expiry, not signatures), CloudFront refuses data.
    stale = mint(info, private_key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    viewer = info["viewer_url"]
    browser_context.add_cookies([{"name": k, "value": v, "url": viewer} for k, v in stale.items()])
    start = time.time()
    page = browser_context.new_page()
    page.goto(viewer + fragment(slab_state(info, volume, 3)))
    page.wait_for_selector(LAYER_ITEM, timeout=40_000)
    levels = rendered_levels(page)
    log = [e for e in network_log(info) if e["time"] >= start - 1]
    assert any(_cloudfront_refused(e) for e in log), "the stale cookies were never refused"
    assert any(e["path"] == "/_auth/refresh" and e["status"] == 200 for e in log)
    assert levels >= 8 or page.locator(BANNER).count() == 1, "silent black panel"
    assert levels >= 8, "renewal worked, so the view must have recovered"


def test_logout_then_back_asks_for_sign_in(
    short_lived_stack: dict[str, Any], playwright_instance: Any, tmp_path: Path
) -> None:
    info = short_lived_stack
    volume = slab_volume(info)
    # Playwright turns the back/forward cache off by default; the bug was a page from it.
    context = playwright_instance.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        ignore_default_args=["--disable-back-forward-cache"],
        headless=True,
        viewport={"width": 1000, "height": 700},
    )
    try:
        page = _open(context, info, volume)
        assert rendered_levels(page) >= 8
        page.goto(info["viewer_url"] + "_auth/logout")
        page.wait_for_url(info["archive_logout_url"] + "**", timeout=20_000)
        start = time.time()
        page.go_back()
        page.wait_for_url(info["archive_login_url"] + "**", timeout=30_000)
        page.wait_for_selector("#username", timeout=20_000)
        log = network_log(info)
        logout = max(i for i, e in enumerate(log) if e["path"] == "/_auth/logout")
        back = log[logout + 1 :]
        # Back reached the edge (no page from any cache), which sent the browser to sign in.
        assert back and back[0]["path"] == "/" and back[0]["edge"], back[:3]
        assert back[0]["time"] >= start - 0.5
    finally:
        context.close()
