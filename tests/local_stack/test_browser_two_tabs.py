"""Two viewer tabs in one browser must not sign each other out (issues 10 + 11).

Every tab of one browser reads the same cookie expiry, so their session modules renew at the same
moment with the same sealed refresh token, and the archive rotates refresh tokens with no grace
period. Against `short_lived_stack` (cookies live SHORT_COOKIE_TTL seconds): two pages in ONE
browser context on the same link, reloaded together so they learn the same expiry, kept busy for
more than two cookie lifetimes; the network also drops and returns once (both tabs renew on
`online` at the same instant, as after a laptop wakes). Both tabs must keep rendering, with no
data 403 at the page, no banner, and no renewal answered 401.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.local_stack.browser_support import LAYER_ITEM, sign_in
from tests.local_stack.conftest import SHORT_COOKIE_TTL
from tests.local_stack.session_support import (
    SLABS,
    PageData,
    fragment,
    network_log,
    rendered_levels,
    slab_state,
    slab_volume,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
BANNER = "#linc-session-ended"


def _move(page: Any, info: dict[str, Any], volume: str, slab: int) -> None:
    page.evaluate("f => { location.hash = f; }", fragment(slab_state(info, volume, slab)))


def test_two_tabs_keep_each_other_signed_in(
    short_lived_stack: dict[str, Any], browser_context: Any
) -> None:
    info = short_lived_stack
    volume = slab_volume(info)
    link = info["viewer_url"] + fragment(slab_state(info, volume, 0))
    tabs: list[tuple[Any, PageData]] = []
    first = browser_context.new_page()
    first.goto(link)
    first.wait_for_url(info["archive_login_url"] + "**", timeout=30_000)
    sign_in(first, "alice")
    first.wait_for_selector(LAYER_ITEM, timeout=40_000)
    second = browser_context.new_page()
    second.goto(link)  # signed in already: the shared cookies let it straight in
    second.wait_for_selector(LAYER_ITEM, timeout=40_000)
    for page in (first, second):
        data = PageData(info)
        data.attach(page)
        tabs.append((page, data))
    # Reload both at once: each learns the same expiry, so both reach the refresh point together.
    for page, _ in tabs:
        page.evaluate("setTimeout(() => location.reload(), 0)")
    for page, _ in tabs:
        page.wait_for_selector(LAYER_ITEM, timeout=40_000)
        assert rendered_levels(page) >= 8, "a tab did not render after the reload"
    start = time.time()

    step = SHORT_COOKIE_TTL / 2
    slab = 0
    while time.time() - start < 2.2 * SHORT_COOKIE_TTL:
        browser_context.pages[0].wait_for_timeout(step * 1000)
        if slab == 2:
            # The network drops and returns: both tabs hear `online` at the same instant.
            browser_context.set_offline(True)
            browser_context.pages[0].wait_for_timeout(500)
            browser_context.set_offline(False)
        slab = (slab + 1) % SLABS
        for index, (page, _) in enumerate(tabs):
            _move(page, info, volume, (slab + index * 4) % SLABS)
        for index, (page, _) in enumerate(tabs):
            at = time.time() - start
            assert page.locator(BANNER).count() == 0, f"tab {index} signed out at {at:.0f} s"
            assert rendered_levels(page) >= 8, f"tab {index} did not render at {at:.0f} s"
    elapsed = time.time() - start
    assert elapsed >= 2 * SHORT_COOKIE_TTL

    log = [e for e in network_log(info) if e["time"] >= start - 1]
    renewals = [e for e in log if e["path"] == "/_auth/refresh"]
    assert renewals, "no renewal happened: the test did not reach the refresh point"
    assert all(e["status"] == 200 for e in renewals), [e["status"] for e in renewals]
    probe = volume + ".zarray"  # a missing key: S3's own 403, not a refusal of our cookies
    for index, (page, data) in enumerate(tabs):
        refused = [p for t, p, s, _ in data.seen if s == 403 and p != probe and t >= start - 1]
        assert refused == [], f"tab {index} got data 403s: {refused}"
        assert page.locator(BANNER).count() == 0
    print(
        f"\n{elapsed:.0f} s = {elapsed / SHORT_COOKIE_TTL:.1f} lifetimes; "
        f"renewals {len(renewals)}; sessions read "
        f"{sum(e['path'] == '/_auth/session' for e in log)}"
    )
