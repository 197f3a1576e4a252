"""The archive's old cookies in real Chromium never strand a user (switch-over, issue 12).

Host-only fixtures as the archive's old endpoint set them (SHA-1, 30-day custom policy, no
DateGreaterThan, no Hash-Algorithm cookie), valid or expired, signed with the key the emulator's
key group trusts or with a key generated here that it does not: the edge sends the page round
the login (never a viewer on cookies CloudFront may refuse), the callback's cookies replace
them, and the user ends on data with one round trip.

Parent-domain fixtures cannot be played on `localhost` (Chromium stores `Domain=localhost` and
`.localhost` cookies host-only): tests/local_stack/test_browser_legacy_parent_domain.py plays
them on a stack whose viewer is `https://viewer.linc.test:PORT` (`--viewer-host`).
"""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.local_stack.browser_support import LAYER_ITEM
from tests.local_stack.browser_support import sign_in as _sign_in
from tests.local_stack.client import chunk_url, image_state, link, mint, reset_stats, stats
from tests.local_stack.test_browser_flow import _data_once_fetched, _is_chunk, any_runtime_stack

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["any_runtime_stack"]  # the fixture: Lambda@Edge and the CloudFront Function
THIRTY_DAYS = 30 * 86_400
UNTRUSTED = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def legacy_cookies(info: dict[str, Any], *, trusted: bool, expired: bool) -> dict[str, str]:
    return mint(
        info,
        expires_in=-60 if expired else THIRTY_DAYS,
        legacy=True,
        private_key=None if trusted else UNTRUSTED,
        key_pair_id=None if trusted else "KARCHIVEOLD1",
    )


def host_only(values: dict[str, str], info: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": k, "value": v, "url": info["viewer_url"]} for k, v in values.items()]


def open_link(info: dict[str, Any], context: Any, cookies: list[dict[str, Any]]) -> Any:
    context.add_cookies(cookies)
    reset_stats(info)
    page = context.new_page()
    page.goto(link(info, image_state(info)))
    # The first stop is the archive sign-in: never a viewer on cookies CloudFront may refuse.
    page.wait_for_url(info["archive_login_url"] + "**", timeout=30_000)
    assert not [e for e in stats(info)["log"] if e["behavior"] != "*" and "/_auth" not in e["path"]]
    _sign_in(page, "alice")
    return page


@pytest.mark.parametrize(
    ("trusted", "expired"),
    [(False, False), (True, False), (True, True), (False, True)],
    ids=["valid-untrusted", "valid-trusted", "expired-trusted", "expired-untrusted"],
)
def test_host_only_legacy_cookies_end_on_sign_in_then_data(
    local_stack: dict[str, Any], browser_context: Any, trusted: bool, expired: bool
) -> None:
    check_legacy_cookies(local_stack, browser_context, trusted, expired)


def test_valid_legacy_cookies_with_either_edge_runtime(
    any_runtime_stack: dict[str, Any], browser_context: Any
) -> None:
    """The case that gave a black viewer, with the CloudFront Function too."""
    check_legacy_cookies(any_runtime_stack, browser_context, trusted=False, expired=False)


def check_legacy_cookies(
    info: dict[str, Any], browser_context: Any, trusted: bool, expired: bool
) -> None:
    legacy = legacy_cookies(info, trusted=trusted, expired=expired)
    page = open_link(info, browser_context, host_only(legacy, info))
    page.wait_for_selector(LAYER_ITEM, timeout=30_000)
    data = _data_once_fetched(info)
    assert any(_is_chunk(info, e["path"]) and e["status"] == 200 for e in data), data
    log = [e["path"] for e in stats(info)["log"]]
    assert log.count("/_auth/login") == 1 and log.count("/_auth/callback") == 1
    now = {c["name"]: c["value"] for c in browser_context.cookies(info["viewer_url"])}
    assert now["CloudFront-Policy"] != legacy["CloudFront-Policy"]  # replaced by ours
    assert browser_context.request.get(chunk_url(info)).status == 200
