"""Edge invocations per page load, counted by the emulator while real Chromium loads the viewer.

Goal (issue 13, item 1): one invocation per navigation, none per bundle (/assets/*) and none per
data chunk. The emulator builds its behaviors from template.yaml, so these counts are the
template's.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.local_stack.client import data_entries, image_state, link, mint, reset_stats, stats

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LAYER_ITEM = ".neuroglancer-layer-item"


def _loaded(info: dict[str, Any], page: Any) -> list[dict[str, Any]]:
    """The request log once the viewer shows its layer and a data chunk has been asked for."""
    page.wait_for_selector(LAYER_ITEM, timeout=30_000)
    deadline = time.monotonic() + 30
    log = stats(info)["log"]
    while not data_entries({"log": log}) and time.monotonic() < deadline:
        time.sleep(0.5)
        log = stats(info)["log"]
    return list(log)


def _counts(log: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "navigations": sum(e["behavior"] == "*" for e in log),
        "edge": sum(e["edge"] for e in log),
        "assets": sum(e["behavior"] == "/assets/*" for e in log),
        "assets_edge": sum(e["edge"] for e in log if e["behavior"] == "/assets/*"),
        "data": len(data_entries({"log": log})),
        "data_edge": sum(e["edge"] for e in data_entries({"log": log})),
    }


def test_signed_in_page_load_invokes_the_edge_once(
    local_stack: dict[str, Any], browser_context: Any
) -> None:
    viewer = local_stack["viewer_url"]
    cookies = mint(local_stack)
    browser_context.add_cookies(
        [{"name": k, "value": v, "url": viewer} for k, v in cookies.items()]
    )
    reset_stats(local_stack)
    page = browser_context.new_page()
    page.goto(link(local_stack, image_state(local_stack)))
    log = _loaded(local_stack, page)
    counts = _counts(log)
    # The script, style sheet, workers and codecs all came from /assets/*, none from the default.
    assert counts["assets"] >= 3, counts
    assert counts["data"] >= 1, counts
    assert counts == {**counts, "navigations": 1, "edge": 1, "assets_edge": 0, "data_edge": 0}
    assert [e["path"] for e in log if e["behavior"] == "*"] == ["/"]


def test_first_visit_invokes_the_edge_once_per_navigation(
    local_stack: dict[str, Any], browser_context: Any
) -> None:
    """No cookies yet: the interstitial, the round trip, the viewer: two navigations, two
    invocations, whatever the number of bundles and chunks."""
    reset_stats(local_stack)
    page = browser_context.new_page()
    page.goto(link(local_stack, image_state(local_stack)))
    page.wait_for_url(local_stack["archive_login_url"] + "**", timeout=20_000)
    page.fill("#username", "alice")
    page.click("#sign-in")
    counts = _counts(_loaded(local_stack, page))
    assert counts["assets"] >= 3 and counts["data"] >= 1, counts
    assert counts == {**counts, "navigations": 2, "edge": 2, "assets_edge": 0, "data_edge": 0}
