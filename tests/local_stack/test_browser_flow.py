"""The login round trip in real Chromium against the running local stack (scenarios 1, 4-6).

Each test asserts on the page and on the emulator's server-side request log.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from typing import Any

import pytest

from tests.local_stack.browser_support import LAYER_ITEM, sign_in, track_navigations, wait_rendered
from tests.local_stack.client import (
    data_entries,
    http,
    image_state,
    link,
    mint,
    reset_stats,
    stats,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _data_once_fetched(info: dict[str, Any], seconds: float = 30) -> list[Any]:
    """The data requests logged so far, polled until one is an image chunk (any scale: under load
    Neuroglancer may draw the coarse scale first and stop there) or `seconds` pass. On a loaded
    machine the panel can show its annotations before the first chunk is asked for."""
    deadline = time.monotonic() + seconds
    data = data_entries(stats(info))
    while not any(_is_chunk(info, e["path"]) for e in data) and time.monotonic() < deadline:
        time.sleep(0.5)
        data = data_entries(stats(info))
    return data


def _is_chunk(info: dict[str, Any], path: str) -> bool:
    """A zarr chunk of the sample image (`<zarr>/<scale>/<z>.<y>.<x>`), not its metadata."""
    rest = path.removeprefix(info["assets"]["zarr"])
    return rest != path and re.fullmatch(r"[0-9]+/[0-9]+\.[0-9]+\.[0-9]+", rest) is not None


def _restored(navigations: list[str], viewer: str) -> str:
    """The first viewer URL the browser went to after the issuer's callback page."""
    callback = max(i for i, u in enumerate(navigations) if "/_auth/callback" in u)
    return next(u for u in navigations[callback + 1 :] if u.startswith(viewer + "#"))


def _fragment(url: str) -> str:
    return urllib.parse.urlsplit(url).fragment


@pytest.fixture(params=["lambda-edge", "cloudfront-function"])
def any_runtime_stack(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The stack with either edge runtime: the round trip must not depend on it."""
    name = "local_stack" if request.param == "lambda-edge" else "function_stack"
    stack: dict[str, Any] = request.getfixturevalue(name)
    assert stack["edge_runtime"] == request.param
    return stack


def test_large_shared_link_survives_login_and_renders(
    any_runtime_stack: dict[str, Any], browser_context: Any
) -> None:
    local_stack = any_runtime_stack
    state = image_state(local_stack, annotations=120)
    url = link(local_stack, state)
    assert len(json.dumps(state, separators=(",", ":"))) >= 16_384
    reset_stats(local_stack)
    page = browser_context.new_page()
    navigations = track_navigations(page)
    page.goto(url)
    page.wait_for_url(local_stack["archive_login_url"] + "**", timeout=20_000)
    sign_in(page, "alice")
    levels = wait_rendered(page)

    # The fragment the callback restores is byte-identical to the shared link's.
    assert _fragment(_restored(navigations, local_stack["viewer_url"])) == _fragment(url)
    assert levels >= 8, "the image layer did not render (blank panel)"

    data = _data_once_fetched(local_stack)
    paths = [e["path"] for e in stats(local_stack)["log"]]
    assert "/_auth/login" in paths and "/_auth/callback" in paths
    assert data, "Neuroglancer fetched no data"
    assert all(e["cloudfront_cookies"] for e in data), data
    # Every object that exists came back 200. Neuroglancer also probes `<group>/.zarray` to tell
    # an array from a group: that key does not exist (404: CloudFront may list the data prefixes).
    probe = local_stack["assets"]["zarr"] + ".zarray"
    assert {e["path"] for e in data if e["status"] != 200} <= {probe}, data
    assert not any(e["edge"] for e in data)
    assert any(_is_chunk(local_stack, e["path"]) for e in data), "no image chunk was fetched"
    # The first page load went through the edge check (either runtime) to the interstitial.
    first = next(e for e in stats(local_stack)["log"] if e["behavior"] == "*")
    assert first["edge"] and first["status"] == 200


def test_not_approved_user_gets_the_page_and_no_cookies(
    local_stack: dict[str, Any], browser_context: Any
) -> None:
    page = browser_context.new_page()
    page.goto(link(local_stack, image_state(local_stack)))
    page.wait_for_url(local_stack["archive_login_url"] + "**", timeout=20_000)
    sign_in(page, "bob")
    page.wait_for_url("**/_auth/callback*", timeout=20_000)
    assert "not approved" in page.content().lower()
    names = {c["name"] for c in browser_context.cookies()}
    assert not any(n.startswith("CloudFront-") for n in names)
    callback = [e for e in stats(local_stack)["log"] if e["path"] == "/_auth/callback"]
    assert callback[-1]["status"] == 403


def test_logout_closes_data_and_next_load_goes_round_trip(
    local_stack: dict[str, Any], browser_context: Any
) -> None:
    page = browser_context.new_page()
    url = link(local_stack, image_state(local_stack))
    page.goto(url)
    page.wait_for_url(local_stack["archive_login_url"] + "**", timeout=20_000)
    sign_in(page, "alice")
    page.wait_for_selector(LAYER_ITEM, timeout=30_000)
    chunk = local_stack["viewer_url"] + local_stack["assets"]["zarr"].lstrip("/") + "0/0.0.0"
    # The context's request API sends exactly the browser's cookies for the URL.
    assert browser_context.request.get(chunk).status == 200

    page.goto(local_stack["viewer_url"] + "_auth/logout")
    page.wait_for_url(local_stack["archive_logout_url"] + "*", timeout=20_000)
    assert "signed out" in page.content().lower()
    assert not any(c["name"].startswith("CloudFront-") for c in browser_context.cookies())

    reset_stats(local_stack)
    page.goto(url)
    page.wait_for_url(local_stack["archive_login_url"] + "**", timeout=20_000)
    assert browser_context.request.get(chunk).status == 403
    log = stats(local_stack)["log"]
    assert [e["path"] for e in log][:2] == ["/", "/_auth/login"]


def test_cookie_expiring_within_refresh_margin_is_refreshed(
    local_stack: dict[str, Any], browser_context: Any
) -> None:
    page = browser_context.new_page()
    url = link(local_stack, image_state(local_stack, annotations=5))
    # Signed in at the archive, and holding cookies that expire in 5 minutes (margin: 10).
    page.goto(url)
    page.wait_for_url(local_stack["archive_login_url"] + "**", timeout=20_000)
    sign_in(page, "alice")
    page.wait_for_selector(LAYER_ITEM, timeout=30_000)
    viewer = local_stack["viewer_url"]
    short = mint(local_stack, expires_in=300)
    browser_context.add_cookies([{"name": k, "value": v, "url": viewer} for k, v in short.items()])
    reset_stats(local_stack)
    page.close()  # a new tab: same-URL navigations in one tab are fragment-only (no request)
    page = browser_context.new_page()
    navigations = track_navigations(page)
    page.goto(url)
    page.wait_for_selector(LAYER_ITEM, timeout=30_000)
    page.wait_for_timeout(1000)
    fresh = {c["name"]: c["value"] for c in browser_context.cookies(viewer)}
    assert fresh["CloudFront-Policy"] != short["CloudFront-Policy"]
    paths = [e["path"] for e in stats(local_stack)["log"]]
    assert "/_auth/callback" in paths  # refreshed through the round trip, no login form
    assert _fragment(_restored(navigations, viewer)) == _fragment(url)


def test_short_link_to_a_64_kb_state_opens_the_same_view_after_sign_in(
    local_stack: dict[str, Any], browser_context: Any
) -> None:
    """`link --short` stores the state through the issuer (alice's API key); the short link
    opens Neuroglancer on that state after the round trip, and the file is 403 without cookies."""
    from linc_edge_auth.issuer_client import store_state

    info = local_stack
    state = image_state(info, annotations=480)
    data = json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode()
    assert len(data) >= 64 * 1024
    alice = next(u["api_token"] for u in info["users"] if u["username"] == "alice")
    stored = store_state(info["issuer_api_url"], alice, data)
    viewer = info["viewer_url"].rstrip("/")
    state_url = f"{viewer}/links/{stored.link_id}.json"
    short = f"{viewer}/#!{state_url}"
    assert len(short) < 200
    assert http(state_url)[0] == 403
    reset_stats(info)

    page = browser_context.new_page()
    page.goto(short)
    page.wait_for_url(info["archive_login_url"] + "**", timeout=20_000)
    sign_in(page, "alice")
    assert wait_rendered(page) >= 8, "the image layer did not render (blank panel)"
    shown = page.evaluate("() => viewer.state.toJSON()")
    assert [layer["name"] for layer in shown["layers"]] == ["brain", "notes"]
    notes = next(layer for layer in shown["layers"] if layer["name"] == "notes")
    assert len(notes["annotations"]) == 480
    assert (
        notes["annotations"][7]["description"]
        == state["layers"][1]["annotations"][7]["description"]
    )
    fetched = [e for e in stats(info)["log"] if e["path"] == f"/links/{stored.link_id}.json"]
    assert fetched and all(e["status"] == 200 and e["cloudfront_cookies"] for e in fetched)
