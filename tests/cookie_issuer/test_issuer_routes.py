"""Routes end to end through lambda_handler with the events in events/issuer/."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from cookie_issuer.pages import CALLBACK_SCRIPT, CALLBACK_SCRIPT_SHA256
from tests.cookie_issuer.support import (
    VIEWER,
    assert_no_cookies_set,
    body_json,
    live_cookie_values,
    load_event,
    location_query,
)


def test_login_without_session_redirects_to_archive_with_next(issuer_invoke: Any) -> None:
    result = issuer_invoke(load_event("login"))
    assert result["statusCode"] == 302
    location = result["headers"]["Location"]
    assert location.startswith("https://archive.example.org/login/?")
    (next_url,) = location_query(result)["next"]
    assert next_url == f"{VIEWER}/_auth/callback?return=%2F%3Fstate%3D1&attempt=1"
    assert_no_cookies_set(result)


def test_login_next_param_name_is_configurable(
    issuer_invoke: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARCHIVE_LOGIN_NEXT_PARAM", "redirect_to")
    monkeypatch.setenv("ARCHIVE_LOGIN_URL", "https://archive.example.org/login?next=/old&x=1")
    query = location_query(issuer_invoke(load_event("login")))
    assert query["x"] == ["1"] and query["next"] == ["/old"]
    assert query["redirect_to"][0].startswith(f"{VIEWER}/_auth/callback?")


def test_login_with_valid_session_goes_straight_to_callback(
    issuer_invoke: Any, issuer_token: Any
) -> None:
    event = load_event("login")
    event["cookies"] = [f"linc_session={issuer_token()}"]
    result = issuer_invoke(event)
    assert result["statusCode"] == 302
    assert result["headers"]["Location"] == "/_auth/callback?return=%2F%3Fstate%3D1"
    assert_no_cookies_set(result)


def test_callback_sets_cookies_and_restores_fragment(issuer_invoke: Any, issuer_token: Any) -> None:
    result = issuer_invoke(load_event("callback", issuer_token()))
    assert result["statusCode"] == 200
    assert set(live_cookie_values(result)) == {
        "CloudFront-Policy",
        "CloudFront-Signature",
        "CloudFront-Key-Pair-Id",
    }
    body = result["body"]
    assert 'data-return="/?state=1"' in body
    script = re.search(r"<script>(.*?)</script>", body, re.S)
    assert script is not None and script.group(1) == CALLBACK_SCRIPT
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    assert f"sha256-{digest}" == CALLBACK_SCRIPT_SHA256
    csp = result["headers"]["Content-Security-Policy"]
    assert f"script-src '{CALLBACK_SCRIPT_SHA256}'" in csp and "default-src 'none'" in csp
    assert "linc-edge-auth:fragment" in CALLBACK_SCRIPT and "removeItem" in CALLBACK_SCRIPT
    assert result["headers"]["Cache-Control"] == "no-store"


def test_callback_escapes_the_return_path(issuer_invoke: Any, issuer_token: Any) -> None:
    event = load_event("callback", issuer_token())
    event["rawQueryString"] = "return=%2Fa%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E"
    body = issuer_invoke(event)["body"]
    assert "<script>alert" not in body and "&quot;&gt;&lt;script&gt;" in body


def test_callback_without_session_retries_twice_then_explains(issuer_invoke: Any) -> None:
    event = load_event("callback")
    event["cookies"] = ["theme=dark"]
    event["rawQueryString"] = "return=%2Fview&attempt=1"
    first = issuer_invoke(event)
    assert first["statusCode"] == 302
    (next_url,) = location_query(first)["next"]
    assert next_url.endswith("attempt=2")
    event["rawQueryString"] = urlsplit(next_url).query
    second = issuer_invoke(event)
    assert second["statusCode"] == 401
    assert second["headers"]["Content-Type"].startswith("text/html")
    assert (
        "No archive session" in second["body"] and "/_auth/login?return=%2Fview" in second["body"]
    )
    assert_no_cookies_set(second)


def test_callback_garbage_attempt_stops_the_loop(issuer_invoke: Any) -> None:
    event = load_event("callback")
    event["cookies"] = []
    event["rawQueryString"] = "return=%2F&attempt=zz"
    assert issuer_invoke(event)["statusCode"] == 401


def test_not_approved_gets_403_page_without_cookies(issuer_invoke: Any, issuer_token: Any) -> None:
    result = issuer_invoke(load_event("callback", issuer_token(status="PENDING")))
    assert result["statusCode"] == 403
    assert "not approved" in result["body"]
    assert_no_cookies_set(result)
    api = issuer_invoke(load_event("permissions", issuer_token(status="REJECTED")))
    assert api["statusCode"] == 403 and body_json(api)["error"] == "not_approved"
    assert_no_cookies_set(api)


def test_logout_expires_cookies_and_redirects(
    issuer_invoke: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = issuer_invoke(load_event("logout"))
    assert result["statusCode"] == 302
    assert result["headers"]["Location"] == "https://archive.example.org/logout/"
    assert len(result["cookies"]) == 5 and all("Max-Age=0" in c for c in result["cookies"])
    post = load_event("logout")
    post["requestContext"]["http"]["method"] = "POST"
    assert issuer_invoke(post)["statusCode"] == 302
    monkeypatch.delenv("ARCHIVE_LOGOUT_URL")
    from cookie_issuer.runtime import reset_runtime

    reset_runtime()
    assert issuer_invoke(load_event("logout"))["headers"]["Location"] == "/"


def test_permissions_needs_authorization(issuer_invoke: Any) -> None:
    event = load_event("permissions")
    del event["headers"]["authorization"]
    event["cookies"] = ["linc_session=whatever"]
    result = issuer_invoke(event)
    assert result["statusCode"] == 401
    assert body_json(result)["error"] == "credentials_missing"
    assert result["headers"]["Access-Control-Allow-Origin"] == "https://archive.example.org"
    assert_no_cookies_set(result)


def test_cors_exact_allowlist(issuer_invoke: Any, issuer_token: Any) -> None:
    event = load_event("permissions", issuer_token())
    event["headers"]["origin"] = "https://evil.example.com"
    result = issuer_invoke(event)
    assert result["statusCode"] == 200
    assert "Access-Control-Allow-Origin" not in result["headers"]
    assert result["headers"]["Vary"] == "Origin"
    preflight = issuer_invoke(load_event("options_preflight"))
    assert preflight["statusCode"] == 204
    headers = preflight["headers"]
    assert headers["Access-Control-Allow-Origin"] == "https://archive.example.org"
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert "Authorization" in headers["Access-Control-Allow-Headers"]
    bad = load_event("options_preflight")
    bad["headers"]["origin"] = "https://archive.example.org.evil.com"
    refused = issuer_invoke(bad)
    assert refused["statusCode"] == 403 and "Access-Control-Allow-Origin" not in refused["headers"]


def test_unknown_route_404_and_wrong_method_405(issuer_invoke: Any) -> None:
    event = load_event("logout")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/nope"
    result = issuer_invoke(event)
    assert result["statusCode"] == 404 and body_json(result)["error"] == "not_found"
    assert body_json(result)["action"] == (
        "Use /_auth/login, /_auth/callback, /_auth/logout, /api/permissions/s3/, /api/links/, "
        "/_auth/refresh or /_auth/session."
    )
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/_auth/{{action}}"
    page = issuer_invoke(event)
    assert page["statusCode"] == 404 and page["headers"]["Content-Type"].startswith("text/html")
    # Request data in a page is text, never another template blank.
    assert "There is nothing at /_auth/{{action}}." in page["body"]
    event = load_event("permissions")
    event["requestContext"]["http"]["method"] = "DELETE"
    result = issuer_invoke(event)
    assert result["statusCode"] == 405 and result["headers"]["Allow"] == "GET, OPTIONS"
    event = load_event("login")
    event["requestContext"]["http"]["method"] = "POST"
    result = issuer_invoke(event)
    assert result["statusCode"] == 405 and "text/html" in result["headers"]["Content-Type"]
    assert result["headers"]["Allow"] == "GET"
    event = load_event("logout")
    event["requestContext"]["http"]["method"] = "PUT"
    result = issuer_invoke(event)
    assert result["statusCode"] == 405 and result["headers"]["Allow"] == "GET, POST"


def test_viewer_origin_derived_from_forwarded_host(
    issuer_invoke: Any, issuer_token: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIEWER_ORIGIN", "")
    event = load_event("permissions", issuer_token())
    event["headers"]["x-forwarded-host"] = "neuroglancer.lincbrain.org"
    assert body_json(issuer_invoke(event))["resource"] == "https://neuroglancer.lincbrain.org/*"
    event["headers"]["x-forwarded-host"] = "evil.com/path?x"
    bad = issuer_invoke(event)
    assert bad["statusCode"] == 400 and body_json(bad)["error"] == "viewer_unknown"
    assert_no_cookies_set(bad)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HASH_ALGORITHM", "MD5"),
        ("KEY_PAIR_ID", ""),
        ("AUTH_RULE", ""),
        ("JWT_ALGORITHMS", "RS256,HS256"),
        ("CORS_ALLOWED_ORIGINS", "*"),
    ],
)
def test_misconfiguration_answers_503_naming_the_variable(
    issuer_invoke: Any,
    issuer_token: Any,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
) -> None:
    monkeypatch.setenv(variable, value)
    api = issuer_invoke(load_event("permissions", issuer_token()))
    assert api["statusCode"] == 503
    assert body_json(api)["message"].startswith(f"issuer misconfigured: {variable}")
    assert_no_cookies_set(api)
    page = issuer_invoke(load_event("callback", issuer_token()))
    assert page["statusCode"] == 503 and f"issuer misconfigured: {variable}" in page["body"]


def test_introspection_with_archive_api_key(issuer_invoke: Any, issuer_archive: Any) -> None:
    key = "a" * 40
    issuer_archive.users[key] = {
        "username": "bob",
        "name": "Bob",
        "admin": False,
        "status": "APPROVED",
    }
    event = load_event("permissions")
    event["headers"]["authorization"] = f"token {key}"
    assert issuer_invoke(event)["statusCode"] == 200
    assert issuer_invoke(event)["statusCode"] == 200
    assert len(issuer_archive.server.hits) == 1  # the second answer came from the cache
    from cookie_issuer.runtime import get_runtime

    introspector = get_runtime().introspector
    assert introspector is not None
    assert all(key not in digest for digest in introspector._cache)
    pending = "p" * 40
    issuer_archive.users[pending] = {"username": "carol", "admin": False, "status": "PENDING"}
    event["headers"]["authorization"] = f"token {pending}"
    result = issuer_invoke(event)
    assert result["statusCode"] == 403
    assert_no_cookies_set(result)
    event["headers"]["authorization"] = "token " + "z" * 40
    result = issuer_invoke(event)
    assert result["statusCode"] == 401 and body_json(result)["error"] == "api_key_rejected"


def test_malformed_events_get_400(issuer_invoke: Any) -> None:
    assert issuer_invoke({"hello": "world"})["statusCode"] == 400
