"""The viewer-request handler: sample events, navigation rules, cookie sets, the interstitial."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import time
from typing import Any

import pytest

from edge_auth import handler
from edge_auth.pages import content_security_policy, interstitial_script, style
from edge_auth.return_path import SESSION_STORAGE_KEY
from local_stack.cloudfront.edge_results import check_viewer_request_result
from tests.edge_auth.events import EVENTS, HOST, load_event, policy_cookie, with_cookie

EXPECTED = {
    k: v for k, v in json.loads((EVENTS / "expected.json").read_text()).items() if k[0] != "_"
}
FAR = 4102444800
SIG = "CloudFront-Signature=c2ln; CloudFront-Key-Pair-Id=K2JCJMDEHXQW5F"


def decision(result: dict[str, Any], request: dict[str, Any]) -> str:
    if "status" not in result:
        assert result == request, "pass-through must return the request unchanged"
        return "pass"
    if result["status"] == "200" and "/_auth/login?return=" in result["body"]:
        return "interstitial"
    return f"status {result['status']}"


def run(event: dict[str, Any], now: float | None = None) -> str:
    request = copy.deepcopy(event["Records"][0]["cf"]["request"])
    if now is None:
        result = handler.lambda_handler(event, None)
    else:
        result = handler.decide(event["Records"][0]["cf"]["request"], now)
    assert check_viewer_request_result(request, result) == []
    return decision(result, request)


def test_every_sample_event_has_an_expectation() -> None:
    names = {p.stem for p in EVENTS.glob("*.json")} - {"expected"}
    assert names == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_events(name: str) -> None:
    expected = EXPECTED[name]
    assert run(load_event(name), expected.get("now")) == expected["decision"]


def test_margin_boundary(nav_event: dict[str, Any]) -> None:
    event = with_cookie(nav_event, f"CloudFront-Policy={policy_cookie(FAR)}; {SIG}")
    margin = handler.REFRESH_MARGIN_SECONDS
    assert run(event, FAR - margin - 1) == "pass"
    assert run(event, FAR - margin) == "interstitial"


def test_cookies_split_over_several_headers(nav_event: dict[str, Any]) -> None:
    event = with_cookie(
        nav_event,
        f"a=1; CloudFront-Policy={policy_cookie(FAR)}",
        "CloudFront-Signature=c2ln",
        "CloudFront-Key-Pair-Id=K2JCJMDEHXQW5F; b=2",
    )
    assert run(event) == "pass"


@pytest.mark.parametrize(
    "cookie",
    [
        f"CloudFront-Policy={policy_cookie(FAR)}; CloudFront-Signature=c2ln",
        f"CloudFront-Policy={policy_cookie(FAR)}; CloudFront-Key-Pair-Id=K2JCJMDEHXQW5F",
        f"CloudFront-Policy={policy_cookie(FAR)}; CloudFront-Policy={policy_cookie(FAR)}; {SIG}",
        f"cloudfront-policy={policy_cookie(FAR)}; {SIG}",
        f"CloudFront-Policy={policy_cookie(FAR, 'https://other.example/*')}; {SIG}",
        f"CloudFront-Policy={policy_cookie(FAR, f'https://{HOST}/zarr/*')}; {SIG}",
        f"CloudFront-Policy=garbage!; {SIG}",
        f"CloudFront-Policy={policy_cookie(FAR)}; CloudFront-Signature=bad sig; "
        "CloudFront-Key-Pair-Id=K2",
        f"CloudFront-Policy={policy_cookie(FAR)}; CloudFront-Signature=c2ln; "
        "CloudFront-Key-Pair-Id=../etc",
        f"CloudFront-Policy={policy_cookie(FAR)}; {SIG}; CloudFront-Hash-Algorithm=MD5",
        f"CloudFront-Policy={policy_cookie(FAR, ip_address='198.51.100.1')}; {SIG}",
        f"CloudFront-Policy={policy_cookie(FAR, date_greater_than=FAR - 10)}; {SIG}",
        f"CloudFront-Expires=1700000000; {SIG}",
        SIG,
        "",
    ],
)
def test_incomplete_or_invalid_cookie_sets_get_the_interstitial(
    nav_event: dict[str, Any], cookie: str
) -> None:
    assert run(with_cookie(nav_event, cookie)) == "interstitial"


def test_duplicate_across_headers_is_invalid(nav_event: dict[str, Any]) -> None:
    value = f"CloudFront-Policy={policy_cookie(FAR)}; {SIG}"
    assert run(with_cookie(nav_event, value, "CloudFront-Signature=c2ln")) == "interstitial"


def test_ip_condition_matching_client_passes(nav_event: dict[str, Any]) -> None:
    event = with_cookie(
        nav_event, f"CloudFront-Policy={policy_cookie(FAR, ip_address='203.0.113.0/24')}; {SIG}"
    )
    assert run(event) == "pass"


def test_canned_expires_cookie_and_sha256(nav_event: dict[str, Any]) -> None:
    assert run(with_cookie(nav_event, f"CloudFront-Expires={FAR}; {SIG}")) == "pass"
    sha = f"CloudFront-Policy={policy_cookie(FAR)}; {SIG}; CloudFront-Hash-Algorithm=SHA256"
    assert run(with_cookie(nav_event, sha)) == "pass"


@pytest.mark.parametrize(
    ("headers", "method", "navigation"),
    [
        ({"sec-fetch-mode": "navigate"}, "GET", True),
        ({"sec-fetch-dest": "document"}, "GET", True),
        (
            {"sec-fetch-mode": "cors", "sec-fetch-dest": "empty", "accept": "text/html"},
            "GET",
            False,
        ),
        ({"sec-fetch-mode": "no-cors", "sec-fetch-dest": "image"}, "GET", False),
        ({"accept": "text/html,*/*;q=0.8"}, "GET", True),
        ({"accept": "TEXT/HTML"}, "HEAD", True),
        ({"accept": "text/html;q=0"}, "GET", False),
        ({"accept": "text/html"}, "POST", False),
        ({"accept": "*/*"}, "GET", False),
        ({}, "GET", False),
    ],
)
def test_navigation_detection(headers: dict[str, str], method: str, navigation: bool) -> None:
    cf = {k: [{"key": k.title(), "value": v}] for k, v in headers.items()}
    assert handler.is_navigation(method, cf) is navigation


def test_interstitial_page(nav_event: dict[str, Any]) -> None:
    event = copy.deepcopy(nav_event)
    event["Records"][0]["cf"]["request"]["uri"] = "/v/"
    event["Records"][0]["cf"]["request"]["querystring"] = 'x=<b>&y="1"'
    result = handler.lambda_handler(event, None)
    body = result["body"]
    assert len(body.encode()) < 4096
    headers = {k: v[0]["value"] for k, v in result["headers"].items()}
    assert headers["cache-control"] == "no-store"
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["content-security-policy"] == content_security_policy()
    # The return path is URL-encoded into the login link and HTML-escaped in the attribute.
    assert 'data-login="/_auth/login?return=%2Fv%2F%3Fx%3D%3Cb%3E%26y%3D%221%22"' in body
    assert "<b>" not in body
    assert "<noscript>" in body
    # The CSP hashes are the hashes of the script and style actually in the page, and only those.
    csp = headers["content-security-policy"]
    scripts = re.findall(r"<script>(.*?)</script>", body, re.DOTALL)
    assert scripts == [interstitial_script()]
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}';" in csp
    styles = re.findall(r"<style>(.*?)</style>", body, re.DOTALL)
    assert styles == [style()]
    digest = base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}';" in csp
    assert json.dumps(SESSION_STORAGE_KEY) in scripts[0]


def test_odd_return_paths_become_root(nav_event: dict[str, Any]) -> None:
    event = copy.deepcopy(nav_event)
    event["Records"][0]["cf"]["request"]["uri"] = "//evil.example/"
    result = handler.lambda_handler(event, None)
    assert 'data-login="/_auth/login?return=%2F"' in result["body"]


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"Records": []},
        {"Records": [{"cf": {}}]},
        {"Records": [{"cf": {"request": "x"}}]},
        {"Records": [{"cf": {"request": {"uri": "/", "method": "GET"}}}]},
        {"Records": [{"cf": {"request": {"uri": 3, "method": "GET", "headers": {}}}}]},
        None,
    ],
)
def test_malformed_events_get_400(event: Any) -> None:
    result = handler.lambda_handler(event, None)
    assert result["status"] == "400"
    assert check_viewer_request_result({}, result) == []


def test_bad_host_gets_400(nav_event: dict[str, Any]) -> None:
    event = copy.deepcopy(nav_event)
    event["Records"][0]["cf"]["request"]["headers"]["host"] = [{"key": "Host", "value": "a b"}]
    assert handler.lambda_handler(event, None)["status"] == "400"


def test_uses_real_clock() -> None:
    # A policy that expired a minute ago must not pass with the real clock.
    event = with_cookie(
        load_event("page-load-no-cookies"),
        f"CloudFront-Policy={policy_cookie(int(time.time()) - 60)}; {SIG}",
    )
    assert run(event) == "interstitial"
