"""`POST /_auth/refresh`, `GET /_auth/session` and logout, in both modes.

OAuth2 mode runs against the real archive (Django + django-oauth-toolkit); JWT mode against the
JWKS test server, as the other issuer tests.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from cookie_issuer import runtime as runtime_module
from tests.cookie_issuer.oauth_support import (
    SESSION_COOKIE,
    STATE_COOKIE,
    Person,
    auth_event,
    begin,
    callback,
    json_body,
    refresh_event,
    sign_in,
)
from tests.cookie_issuer.support import (
    SESSION_COOKIE as JWT_SESSION_COOKIE,
)
from tests.cookie_issuer.support import (
    VIEWER,
    assert_no_cookies_set,
    live_cookie_values,
    policy_bytes,
    set_cookies,
)

pytestmark = pytest.mark.slow
EVERY_COOKIE = {
    "CloudFront-Policy",
    "CloudFront-Signature",
    "CloudFront-Key-Pair-Id",
    SESSION_COOKIE,
    STATE_COOKIE,
}


def signed_in(invoke: Any, archive: Any, username: str = "alice") -> dict[str, str]:
    result = sign_in(invoke, Person(archive, username))
    assert result["statusCode"] == 200, result["body"]
    return live_cookie_values(result)


def assert_everything_expired(result: dict[str, Any]) -> None:
    expired = {name for name, text in set_cookies(result).items() if "Max-Age=0" in text}
    assert expired >= EVERY_COOKIE, result.get("cookies")
    assert_no_cookies_set(result)


def test_refresh_rotates_and_remints_with_two_archive_requests(
    issuer_oauth_invoke: Any, issuer_oauth_archive: Any
) -> None:
    cookies = signed_in(issuer_oauth_invoke, issuer_oauth_archive)
    runtime = runtime_module.get_runtime()
    assert runtime.oauth is not None and runtime.introspector is not None
    before = runtime.oauth.requests + runtime.introspector.requests
    result = issuer_oauth_invoke(refresh_event(cookies))
    assert result["statusCode"] == 200, result["body"]
    assert result["headers"]["Cache-Control"] == "no-store"
    assert runtime.oauth.requests + runtime.introspector.requests - before == 2
    body = json_body(result)
    assert body["user"] == "alice"
    fresh = live_cookie_values(result)
    assert f'"AWS:EpochTime":{body["expires"]}'.encode() in policy_bytes(fresh["CloudFront-Policy"])
    assert abs(body["expires"] - (time.time() + 43_200)) < 60
    assert fresh[SESSION_COOKIE] != cookies[SESSION_COOKIE]
    # The provider rotated the refresh token: the old session cookie is now signed out, and its
    # answer expires nothing (it may be a second tab's: test_oauth_refresh_race.py).
    stale = issuer_oauth_invoke(refresh_event(cookies))
    assert stale["statusCode"] == 401 and json_body(stale)["error"] == "signed_out"
    assert "cookies" not in stale or stale["cookies"] == []
    # The new one keeps working.
    assert issuer_oauth_invoke(refresh_event({**cookies, **fresh}))["statusCode"] == 200


def test_refresh_after_the_user_is_rejected_is_refused_with_cookies_expired(
    issuer_oauth_invoke: Any, issuer_oauth_archive: Any
) -> None:
    cookies = signed_in(issuer_oauth_invoke, issuer_oauth_archive, "carol")
    issuer_oauth_archive.set_status("carol", "REJECTED")
    try:
        result = issuer_oauth_invoke(refresh_event(cookies))
    finally:
        issuer_oauth_archive.set_status("carol", "APPROVED")
    assert result["statusCode"] == 403
    assert json_body(result)["error"] == "not_approved"
    assert_everything_expired(result)


@pytest.mark.parametrize(
    "headers",
    [
        {"sec-fetch-site": "cross-site", "origin": VIEWER},
        {"sec-fetch-site": "same-site"},
        {"sec-fetch-site": "none"},
        {"origin": "https://evil.example.org"},
        {"origin": "null"},
        {},
    ],
)
def test_cross_site_refresh_refused_and_touches_nothing(
    issuer_oauth_invoke: Any, issuer_oauth_archive: Any, headers: dict[str, str]
) -> None:
    cookies = signed_in(issuer_oauth_invoke, issuer_oauth_archive)
    result = issuer_oauth_invoke(refresh_event(cookies, headers))
    assert result["statusCode"] == 403 and json_body(result)["error"] == "cross_site"
    assert result.get("cookies", []) == []


def test_refresh_by_origin_when_no_fetch_metadata(
    issuer_oauth_invoke: Any, issuer_oauth_archive: Any
) -> None:
    cookies = signed_in(issuer_oauth_invoke, issuer_oauth_archive)
    result = issuer_oauth_invoke(refresh_event(cookies, {"origin": VIEWER}))
    assert result["statusCode"] == 200 and json_body(result)["user"] == "alice"


def test_refresh_without_a_session_is_signed_out(issuer_oauth_invoke: Any) -> None:
    result = issuer_oauth_invoke(refresh_event({}))
    assert result["statusCode"] == 401
    assert json_body(result) | {"message": "", "action": ""} == {
        "error": "signed_out",
        "reason": "session_missing",
        "message": "",
        "action": "",
    }
    assert_everything_expired(result)


def test_refresh_with_the_archive_down_is_503_and_keeps_cookies(
    issuer_oauth_invoke: Any, issuer_oauth_archive: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.cookie_issuer.test_oauth_signin import closed_port_url

    cookies = signed_in(issuer_oauth_invoke, issuer_oauth_archive)
    monkeypatch.setenv("OAUTH_PROVIDER_URL", closed_port_url() + "/oauth/")
    runtime_module.reset_runtime()
    result = issuer_oauth_invoke(refresh_event(cookies))
    assert result["statusCode"] == 503 and json_body(result)["error"] == "archive_unavailable"
    assert result.get("cookies", []) == []


def test_session_answers_user_and_policy_expiry(
    issuer_oauth_invoke: Any, issuer_oauth_archive: Any
) -> None:
    cookies = signed_in(issuer_oauth_invoke, issuer_oauth_archive)
    runtime = runtime_module.get_runtime()
    assert runtime.oauth is not None
    before = runtime.oauth.requests
    result = issuer_oauth_invoke(auth_event("/_auth/session", cookies=_pairs(cookies)))
    assert result["statusCode"] == 200 and result["headers"]["Cache-Control"] == "no-store"
    body = json_body(result)
    assert body["user"] == "alice"
    assert f'"AWS:EpochTime":{body["expires"]}'.encode() in policy_bytes(
        cookies["CloudFront-Policy"]
    )
    assert runtime.oauth.requests == before  # no archive request
    without_policy = {SESSION_COOKIE: cookies[SESSION_COOKIE]}
    body = json_body(
        issuer_oauth_invoke(auth_event("/_auth/session", cookies=_pairs(without_policy)))
    )
    assert body == {"user": "alice", "expires": 0}
    # A state cookie is not a session (purpose-bound sealing), nor is garbage.
    _, state = begin(issuer_oauth_invoke)
    for value in (state, "garbage", ""):
        result = issuer_oauth_invoke(
            auth_event("/_auth/session", cookies=[f"{SESSION_COOKIE}={value}"])
        )
        assert result["statusCode"] == 401 and json_body(result) == {"error": "signed_out"}


def _pairs(cookies: dict[str, str]) -> list[str]:
    return [f"{k}={v}" for k, v in cookies.items()]


def test_logout_revokes_and_expires_everything(
    issuer_oauth_invoke: Any, issuer_oauth_archive: Any
) -> None:
    cookies = signed_in(issuer_oauth_invoke, issuer_oauth_archive)
    result = issuer_oauth_invoke(auth_event("/_auth/logout", cookies=_pairs(cookies)))
    assert result["statusCode"] == 302
    assert result["headers"]["Location"] == issuer_oauth_archive.origin + "/accounts/logout/"
    assert_everything_expired(result)
    # The refresh token was revoked at the archive: the old session cannot renew.
    again = issuer_oauth_invoke(refresh_event(cookies))
    assert again["statusCode"] == 401 and json_body(again)["error"] == "signed_out"


def test_no_token_code_verifier_or_secret_in_any_log_line(
    issuer_oauth_invoke: Any,
    issuer_oauth_archive: Any,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cookie_issuer.sealed_cookie import Sealer, parse_keys

    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    caplog.set_level(logging.DEBUG)
    person = Person(issuer_oauth_archive, "alice")
    location, state_cookie = begin(issuer_oauth_invoke)
    answer = person.authorize(location)
    result = callback(issuer_oauth_invoke, answer, state_cookie)
    cookies = live_cookie_values(result)
    refreshed = live_cookie_values(issuer_oauth_invoke(refresh_event(cookies)))
    issuer_oauth_invoke(callback_event_replay := auth_event("/_auth/callback", "error=x"))
    assert callback_event_replay  # a provider error is logged by its code only
    issuer_oauth_invoke(auth_event("/_auth/logout", cookies=_pairs({**cookies, **refreshed})))
    runtime = runtime_module.get_runtime()
    assert runtime.settings.oauth is not None
    key_text = runtime.secrets.text(runtime.settings.oauth.sealing_key_secret_id)
    box = Sealer(parse_keys(key_text))
    state = box.open("oauth-state", state_cookie, time.time())
    secrets_seen = [
        answer["code"],
        answer["state"],
        state["v"],
        key_text,
        issuer_oauth_archive.client.client_secret,
        state_cookie,
    ]
    for jar in (cookies, refreshed):
        session = box.open("oauth-session", jar[SESSION_COOKIE], time.time())
        secrets_seen += [
            session["r"],
            session["a"],
            jar[SESSION_COOKIE],
            jar["CloudFront-Signature"],
        ]
    captured = capsys.readouterr()
    text = captured.out + captured.err + caplog.text
    assert "cookies minted" in text  # the logs were captured
    for value in secrets_seen:
        assert value not in text


# ---------------------------------------------------------------- JWT mode
def test_jwt_mode_refresh_and_session(issuer_invoke: Any, issuer_token: Any) -> None:
    jwt_cookie = {JWT_SESSION_COOKIE: issuer_token()}
    result = issuer_invoke(refresh_event(jwt_cookie))
    assert result["statusCode"] == 200, result["body"]
    body = json_body(result)
    assert body["user"] == "alice"
    policy = live_cookie_values(result)["CloudFront-Policy"]
    session = issuer_invoke(
        auth_event("/_auth/session", cookies=_pairs({**jwt_cookie, "CloudFront-Policy": policy}))
    )
    assert json_body(session) == {"user": "alice", "expires": body["expires"]}
    # Expired or not approved archive sessions.
    expired = {JWT_SESSION_COOKIE: issuer_token(exp=int(time.time()) - 600)}
    result = issuer_invoke(refresh_event(expired))
    assert result["statusCode"] == 401 and json_body(result)["error"] == "signed_out"
    assert_no_cookies_set(result)
    pending = {JWT_SESSION_COOKIE: issuer_token(status="PENDING")}
    result = issuer_invoke(refresh_event(pending))
    assert result["statusCode"] == 403 and json_body(result)["error"] == "not_approved"
    result = issuer_invoke(refresh_event(jwt_cookie, {"sec-fetch-site": "cross-site"}))
    assert result["statusCode"] == 403 and json_body(result)["error"] == "cross_site"
    assert issuer_invoke(auth_event("/_auth/session"))["statusCode"] == 401
