"""OAuth2 sign-in in real Chromium through the real Django provider (the local stack default),
and the JWT mode's round trip on a second stack (`--auth-mode jwt`)."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest

from tests.local_stack.browser_support import LAYER_ITEM, sign_in, track_navigations, wait_rendered
from tests.local_stack.client import image_state, link, reset_stats, stats

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _requests(page: Any) -> list[str]:
    """Every URL the page asks for, redirect hops included (navigations see only the last)."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def _restored_fragment(navigations: list[str], viewer: str) -> str:
    callback = max(i for i, u in enumerate(navigations) if "/_auth/callback" in u)
    url = next(u for u in navigations[callback + 1 :] if u.startswith(viewer + "#"))
    return urllib.parse.urlsplit(url).fragment


def _big_link(info: dict[str, Any]) -> str:
    state = image_state(info, annotations=480)
    assert len(json.dumps(state, separators=(",", ":"))) >= 64 * 1024
    return link(info, state)


def _fetch(page: Any, path: str, method: str) -> dict[str, Any]:
    answer: dict[str, Any] = page.evaluate(
        """async ([path, method]) => {
            const r = await fetch(path, {method});
            return {status: r.status, body: await r.json(), cache: r.headers.get('cache-control')};
        }""",
        [path, method],
    )
    return answer


def test_64_kb_link_through_the_oauth_provider_is_byte_identical_and_renders(
    local_stack: dict[str, Any], browser_context: Any
) -> None:
    assert local_stack["auth_mode"] == "oauth2"
    url = _big_link(local_stack)
    page = browser_context.new_page()
    navigations = track_navigations(page)
    requests = _requests(page)
    page.goto(url)
    page.wait_for_url(local_stack["archive_login_url"] + "**", timeout=20_000)
    sign_in(page, "alice")
    assert wait_rendered(page) >= 8, "the image layer did not render (blank panel)"
    assert _restored_fragment(navigations, local_stack["viewer_url"]) == (
        urllib.parse.urlsplit(url).fragment
    )
    # The provider's authorize endpoint was on the way; the state cookie is gone, the session
    # cookie is scoped to /_auth/.
    assert any(u.startswith(local_stack["archive_url"] + "oauth/authorize/") for u in requests)
    cookies = {c["name"]: c for c in browser_context.cookies()}
    assert "__Host-linc-oauth-state" not in cookies
    assert cookies["__Secure-linc-session"]["path"] == "/_auth/"
    assert cookies["__Secure-linc-session"]["httpOnly"]
    # The session API in the browser: same-origin fetches from the viewer page.
    session = _fetch(page, "/_auth/session", "GET")
    assert session["status"] == 200 and session["body"]["user"] == "alice"
    assert session["cache"] == "no-store"
    renewed = _fetch(page, "/_auth/refresh", "POST")
    assert renewed["status"] == 200 and renewed["body"]["user"] == "alice"
    assert renewed["body"]["expires"] >= session["body"]["expires"]


def test_browser_with_an_archive_session_sees_no_form(
    local_stack: dict[str, Any], browser_context: Any
) -> None:
    page = browser_context.new_page()
    page.goto(local_stack["archive_login_url"])
    sign_in(page, "alice")
    page.wait_for_load_state()
    reset_stats(local_stack)
    requests = _requests(page)
    url = link(local_stack, image_state(local_stack))
    page.goto(url)
    page.wait_for_selector(LAYER_ITEM, timeout=30_000)
    assert not any("/accounts/login/" in u for u in requests), requests
    assert any(u.startswith(local_stack["archive_url"] + "oauth/authorize/") for u in requests)
    paths = [e["path"] for e in stats(local_stack)["log"]]
    assert "/_auth/login" in paths and "/_auth/callback" in paths


def test_denied_consent_is_a_clear_page_without_cookies(
    local_stack_consent: dict[str, Any], browser_context: Any
) -> None:
    info = local_stack_consent
    assert info["archive_oauth"]["skip_authorization"] is False
    page = browser_context.new_page()
    page.goto(link(info, image_state(info)))
    page.wait_for_url(info["archive_login_url"] + "**", timeout=20_000)
    sign_in(page, "alice")
    page.wait_for_selector("input[type=submit][value=Cancel], button:has-text('Cancel')")
    page.click("input[type=submit][value=Cancel], button:has-text('Cancel')")
    page.wait_for_url("**/_auth/callback**", timeout=20_000)
    text = page.content()
    assert "did not allow the LINC viewer" in text and "Sign in again" in text
    names = {c["name"] for c in browser_context.cookies()}
    assert not any(n.startswith("CloudFront-") for n in names)
    assert "__Secure-linc-session" not in names and "__Host-linc-oauth-state" not in names
    callback = [e for e in stats(info)["log"] if e["path"] == "/_auth/callback"]
    assert callback[-1]["status"] == 401


def test_jwt_mode_round_trip_still_works(
    local_stack_jwt: dict[str, Any], browser_context: Any
) -> None:
    info = local_stack_jwt
    assert info["auth_mode"] == "jwt"
    url = _big_link(info)
    page = browser_context.new_page()
    navigations = track_navigations(page)
    requests = _requests(page)
    page.goto(url)
    page.wait_for_url(info["archive_login_url"] + "**", timeout=20_000)
    sign_in(page, "alice")
    assert wait_rendered(page) >= 8, "the image layer did not render (blank panel)"
    assert not any("/oauth/" in u for u in requests)
    assert (
        _restored_fragment(navigations, info["viewer_url"]) == urllib.parse.urlsplit(url).fragment
    )
    renewed = _fetch(page, "/_auth/refresh", "POST")
    assert renewed["status"] == 200 and renewed["body"]["user"] == "alice"
