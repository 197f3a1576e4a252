"""The archive's old cookies on the parent domain, in real Chromium, never strand a user (issue 12).

The stack's viewer is `https://viewer.linc.test:PORT` (`--viewer-host`: the template's
ViewerDomain, Chromium mapping the name to 127.0.0.1) with LEGACY_COOKIE_DOMAINS=linc.test, so
Chromium holds `Domain=linc.test` cookies apart from host-only ones, as on lincbrain.org. The
fixtures are what the archive's old `/api/permissions/s3/` set (SHA-1, 30-day policy without
DateGreaterThan, no Hash-Algorithm cookie) on the parent domain: valid with the trusted key,
valid with a key generated here that the key group does not trust, expired; and a mixed set
(old on the parent beside a valid host-only set of ours). In every case the first stop is the
archive's sign-in (never a viewer on cookies CloudFront may refuse), one round trip ends on
data, and the callback has expired the parent-domain cookies: `context.cookies()` has none left.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.local_stack.browser_support import LAYER_ITEM
from tests.local_stack.client import mint, stats
from tests.local_stack.conftest import PARENT_DOMAIN, VIEWER_HOST
from tests.local_stack.test_browser_flow import _data_once_fetched, _is_chunk
from tests.local_stack.test_browser_legacy_cookies import legacy_cookies, open_link

pytestmark = [pytest.mark.browser, pytest.mark.slow]
NAMES = ("CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id")


@pytest.fixture(params=["lambda-edge", "cloudfront-function"])
def either_runtime_stack(request: pytest.FixtureRequest) -> dict[str, Any]:
    name = "parent_domain_stack"
    if request.param == "cloudfront-function":
        name = "parent_domain_function_stack"
    stack: dict[str, Any] = request.getfixturevalue(name)
    assert stack["edge_runtime"] == request.param
    return stack


def on_parent(values: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "value": value,
            "domain": "." + PARENT_DOMAIN,
            "path": "/",
            "secure": True,
            "httpOnly": True,
            "sameSite": "Lax",
        }
        for name, value in values.items()
    ]


def host_only(values: dict[str, str], info: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": k, "value": v, "url": info["viewer_url"]} for k, v in values.items()]


def test_stack_serves_the_viewer_on_a_host_with_a_parent_domain(
    parent_domain_stack: dict[str, Any],
) -> None:
    info = parent_domain_stack
    assert info["viewer_url"].startswith(f"https://{VIEWER_HOST}:")
    assert info["viewer_public_origin"] == info["viewer_url"].rstrip("/")
    assert info["archive_oauth"]["redirect_uri"] == info["viewer_public_origin"] + "/_auth/callback"


@pytest.mark.parametrize(
    ("trusted", "expired"),
    [(True, False), (False, False), (True, True)],
    ids=["valid-trusted", "valid-untrusted", "expired"],
)
def test_parent_domain_legacy_cookies_end_on_sign_in_then_data(
    parent_domain_stack: dict[str, Any], viewer_host_context: Any, trusted: bool, expired: bool
) -> None:
    info = parent_domain_stack
    legacy = legacy_cookies(info, trusted=trusted, expired=expired)
    check_round_trip(info, viewer_host_context, on_parent(legacy), legacy)


def test_parent_domain_legacy_beside_host_only_ours_end_on_sign_in_then_data(
    parent_domain_stack: dict[str, Any], viewer_host_context: Any
) -> None:
    """A mixed set: the old parent-domain set and a valid host-only set of ours, both sent."""
    info = parent_domain_stack
    legacy = legacy_cookies(info, trusted=False, expired=False)
    ours = mint(info, expires_in=3600)
    cookies = [*host_only(ours, info), *on_parent(legacy)]
    check_round_trip(info, viewer_host_context, cookies, legacy)


def test_parent_domain_legacy_cookies_with_either_edge_runtime(
    either_runtime_stack: dict[str, Any], viewer_host_context: Any
) -> None:
    """The case that gave a black viewer, on a parent domain, with both edge runtimes."""
    info = either_runtime_stack
    legacy = legacy_cookies(info, trusted=False, expired=False)
    check_round_trip(info, viewer_host_context, on_parent(legacy), legacy)


def check_round_trip(
    info: dict[str, Any], context: Any, cookies: list[dict[str, Any]], legacy: dict[str, str]
) -> None:
    page = open_link(info, context, cookies)
    page.wait_for_selector(LAYER_ITEM, timeout=30_000)
    data = _data_once_fetched(info)
    assert any(_is_chunk(info, e["path"]) and e["status"] == 200 for e in data), data
    log = [e["path"] for e in stats(info)["log"]]
    assert log.count("/_auth/login") == 1 and log.count("/_auth/callback") == 1
    held = context.cookies()
    parent = [c for c in held if c["domain"].lstrip(".") == PARENT_DOMAIN]
    assert not [c for c in parent if c["name"] in NAMES], parent  # expired by the callback
    ours = {c["name"]: c["value"] for c in held if c["domain"] == VIEWER_HOST}
    assert set(NAMES) <= set(ours), sorted(ours)
    assert ours["CloudFront-Policy"] != legacy["CloudFront-Policy"]
