"""OAuth2 mode's login and callback against the real archive (Django + django-oauth-toolkit).

Each test signs in through the provider the local stack runs (a subprocess shared by the
session), with the issuer in process, its secrets in moto. Outages are real closed ports.
"""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from cookie_issuer import runtime as runtime_module
from tests.cookie_issuer.oauth_support import (
    SESSION_COOKIE,
    STATE_COOKIE,
    Person,
    auth_event,
    begin,
    callback,
    sign_in,
)
from tests.cookie_issuer.support import (
    VIEWER,
    assert_no_cookies_set,
    live_cookie_values,
    set_cookies,
)

pytestmark = pytest.mark.slow


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_login_redirects_to_authorize_with_pkce_and_a_sealed_state_cookie(
    issuer_oauth_invoke: Any, issuer_oauth_archive: Any
) -> None:
    location, state_cookie = begin(issuer_oauth_invoke, "/?x=1")
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}" == issuer_oauth_archive.origin
    assert parts.path == "/oauth/authorize/"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == issuer_oauth_archive.client.client_id
    assert query["redirect_uri"] == VIEWER + "/_auth/callback"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 43
    # The state and the verifier are sealed: neither is readable in the cookie.
    assert query["state"] not in state_cookie
    result = issuer_oauth_invoke(auth_event("/_auth/login", "return=/"))
    cookie = set_cookies(result)[STATE_COOKIE]
    for attribute in ("Path=/", "Secure", "HttpOnly", "SameSite=Lax", "Max-Age=600"):
        assert attribute in cookie
    assert "Domain" not in cookie
    # Two logins, two different states.
    again = parse_qs(urlsplit(begin(issuer_oauth_invoke)[0]).query)["state"][0]
    assert again != query["state"]


def test_sign_in_mints_cookies_keeps_a_sealed_session_and_clears_the_state(
    issuer_oauth_invoke: Any, issuer_oauth_archive: Any
) -> None:
    person = Person(issuer_oauth_archive, "alice")
    result = sign_in(issuer_oauth_invoke, person, "/?layer=1")
    assert result["statusCode"] == 200, result["body"]
    assert 'data-return="/?layer=1"' in result["body"]
    live = live_cookie_values(result)
    assert {"CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"} <= set(live)
    session = set_cookies(result)[SESSION_COOKIE]
    assert "Path=/_auth/" in session and "HttpOnly" in session and "Secure" in session
    assert "Max-Age=0" in set_cookies(result)[STATE_COOKIE]
    # Two archive requests per sign-in: token/ and /users/me/.
    runtime = runtime_module.get_runtime()
    assert runtime.oauth is not None and runtime.introspector is not None
    assert runtime.oauth.requests == 1 and runtime.introspector.requests == 1


def test_login_csrf_attackers_code_and_state_at_victims_callback_refused(
    issuer_oauth_invoke: Any, issuer_oauth_archive: Any
) -> None:
    attacker = Person(issuer_oauth_archive, "alice")
    location, _attacker_state_cookie = begin(issuer_oauth_invoke)
    answer = attacker.authorize(location)  # the attacker's own code and state
    # The victim started a login of their own (their own state cookie) ...
    _, victim_state_cookie = begin(issuer_oauth_invoke)
    result = callback(issuer_oauth_invoke, answer, victim_state_cookie)
    assert result["statusCode"] == 400 and "does not belong" in result["body"]
    assert_no_cookies_set(result)
    # ... or none at all.
    result = callback(issuer_oauth_invoke, answer, None)
    assert result["statusCode"] == 400 and "not started in this browser" in result["body"]
    assert_no_cookies_set(result)


def test_tampered_state_cookie_refused(issuer_oauth_invoke: Any, issuer_oauth_archive: Any) -> None:
    person = Person(issuer_oauth_archive, "alice")
    location, state_cookie = begin(issuer_oauth_invoke)
    answer = person.authorize(location)
    flipped = state_cookie[:20] + ("A" if state_cookie[20] != "A" else "B") + state_cookie[21:]
    result = callback(issuer_oauth_invoke, answer, flipped)
    assert result["statusCode"] == 400 and "invalid or has expired" in result["body"]
    assert_no_cookies_set(result)
    # A tampered state parameter with the right cookie: mismatch.
    result = callback(issuer_oauth_invoke, {**answer, "state": answer["state"] + "x"}, state_cookie)
    assert result["statusCode"] == 400
    assert_no_cookies_set(result)


def test_replayed_callback_and_reused_code_refused(
    issuer_oauth_invoke: Any, issuer_oauth_archive: Any
) -> None:
    person = Person(issuer_oauth_archive, "alice")
    location, state_cookie = begin(issuer_oauth_invoke)
    answer = person.authorize(location)
    assert callback(issuer_oauth_invoke, answer, state_cookie)["statusCode"] == 200
    replay = callback(issuer_oauth_invoke, answer, state_cookie)
    assert replay["statusCode"] == 401 and "already used" in replay["body"]
    assert_no_cookies_set(replay)


def test_provider_denial_is_a_page_without_cookies(issuer_oauth_invoke: Any) -> None:
    _, state_cookie = begin(issuer_oauth_invoke)
    result = callback(
        issuer_oauth_invoke, {"error": "access_denied", "state": "whatever"}, state_cookie
    )
    assert result["statusCode"] == 401
    assert "did not allow the LINC viewer" in result["body"]
    assert "Sign in again" in result["body"]
    assert_no_cookies_set(result)
    assert "Max-Age=0" in set_cookies(result)[STATE_COOKIE]


def test_not_approved_page_names_the_account_once(
    issuer_oauth_invoke: Any, issuer_oauth_archive: Any
) -> None:
    result = sign_in(issuer_oauth_invoke, Person(issuer_oauth_archive, "bob"))
    assert result["statusCode"] == 403
    assert result["body"].count("bob") == 1 and "not approved" in result["body"]
    assert_no_cookies_set(result)
    # The tokens obtained for bob were revoked at once: none stays valid at the archive.
    live = issuer_oauth_archive.shell(
        "from oauth2_provider.models import AccessToken, RefreshToken as R;"
        "print(AccessToken.objects.filter(user__username='bob').count(),"
        " R.objects.filter(user__username='bob', revoked__isnull=True).count())"
    )
    assert live.splitlines()[-1].split() == ["0", "0"]


def test_unknown_client_id_refused_by_provider_and_token_endpoint(
    issuer_oauth_invoke: Any, issuer_oauth_archive: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = Person(issuer_oauth_archive, "alice")
    location, state_cookie = begin(issuer_oauth_invoke)
    answer = person.authorize(location)
    monkeypatch.setenv("OAUTH_CLIENT_ID", "not-a-registered-client")
    runtime_module.reset_runtime()
    # The provider itself refuses to start a sign-in for an unknown client ...
    stranger, _ = begin(issuer_oauth_invoke)
    status, _, page = person.browser.get(stranger)
    assert status == 400 and b"invalid_client" in page.lower().replace(b" ", b"_")
    # ... and its token endpoint refuses the exchange: a 503 page naming the fix, no cookie.
    result = callback(issuer_oauth_invoke, answer, state_cookie)
    assert result["statusCode"] == 503 and "client id or secret" in result["body"]
    assert_no_cookies_set(result)


@pytest.mark.parametrize("variable", ["OAUTH_PROVIDER_URL", "ARCHIVE_API_URL"])
def test_token_endpoint_or_users_me_down_is_503_without_cookies(
    issuer_oauth_invoke: Any,
    issuer_oauth_archive: Any,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
) -> None:
    person = Person(issuer_oauth_archive, "alice")
    location, state_cookie = begin(issuer_oauth_invoke)
    answer = person.authorize(location)
    down = closed_port_url() + ("/oauth/" if variable == "OAUTH_PROVIDER_URL" else "/api")
    monkeypatch.setenv(variable, down)
    runtime_module.reset_runtime()
    result = callback(issuer_oauth_invoke, answer, state_cookie)
    assert result["statusCode"] == 503 and "unreachable" in result["body"]
    assert_no_cookies_set(result)


def test_open_redirect_corpus_has_no_escape_in_oauth_mode(
    issuer_oauth_invoke: Any, issuer_oauth_archive: Any
) -> None:
    """Every hostile `return` ends as `/` after the full round trip through the provider; the
    authorize URL and the redirect URI never carry it."""
    from tests.cookie_issuer.test_issuer_return_and_outages import PAYLOADS

    person = Person(issuer_oauth_archive, "alice")
    escapes = []
    for payload in PAYLOADS:
        login = auth_event("/_auth/login")
        login["rawQueryString"] = f"return={payload}"
        result = issuer_oauth_invoke(login)
        location = result["headers"]["Location"]
        query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        assert query["redirect_uri"] == VIEWER + "/_auth/callback"
        state = live_cookie_values(result)[STATE_COOKIE]
        page = callback(issuer_oauth_invoke, person.authorize(location), state)
        assert page["statusCode"] == 200, page["body"]
        if 'data-return="/"' not in page["body"]:
            escapes.append(payload)
    assert escapes == []
