"""Old viewer links in real Chromium: `/cloudfront/frontend/index.html#!{state}` (the archive's
previous viewer path) ends on the viewer with the same fragment, byte for byte, through the
edge's 302 and the login round trip, for a state of 64 KB."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest

from tests.local_stack.browser_support import sign_in, track_navigations, wait_rendered
from tests.local_stack.client import http, image_state, link, reset_stats, stats
from tests.local_stack.test_browser_flow import _restored, any_runtime_stack

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["any_runtime_stack"]  # the fixture: Lambda@Edge and the CloudFront Function
OLD_PATH = "cloudfront/frontend/index.html"


def test_old_path_answers_302_to_root_without_fragment(any_runtime_stack: dict[str, Any]) -> None:
    status, headers, _ = http(
        any_runtime_stack["viewer_url"] + OLD_PATH + "?x=1", headers={"Sec-Fetch-Mode": "navigate"}
    )
    assert status == 302
    assert headers["Location"] == "/"


def test_old_link_with_64_kb_state_opens_the_viewer_after_sign_in(
    any_runtime_stack: dict[str, Any], browser_context: Any
) -> None:
    info = any_runtime_stack
    state = image_state(info, annotations=480)
    assert len(json.dumps(state, separators=(",", ":")).encode()) >= 64 * 1024
    new_link = link(info, state)
    fragment = urllib.parse.urlsplit(new_link).fragment
    old_link = info["viewer_url"] + OLD_PATH + "#" + fragment
    reset_stats(info)

    page = browser_context.new_page()
    navigations = track_navigations(page)
    page.goto(old_link)
    page.wait_for_url(info["archive_login_url"] + "**", timeout=30_000)
    sign_in(page, "alice")
    assert wait_rendered(page) >= 8, "the image layer did not render (blank panel)"

    restored = _restored(navigations, info["viewer_url"])
    assert urllib.parse.urlsplit(restored).path == "/"
    assert urllib.parse.urlsplit(restored).fragment == fragment  # byte-identical
    shown = page.evaluate("() => viewer.state.toJSON()")
    notes = next(layer for layer in shown["layers"] if layer["name"] == "notes")
    assert len(notes["annotations"]) == 480
    log = [(e["path"], e["status"]) for e in stats(info)["log"]]
    assert log[0] == ("/" + OLD_PATH, 302)
    assert ("/", 200) in log and ("/_auth/callback", 200) in log
