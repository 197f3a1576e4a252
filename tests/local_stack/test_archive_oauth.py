"""The local archive's OAuth2 provider, driven over HTTP as the issuer will drive it.

Against the running stack's archive (Django + django-oauth-toolkit + DRF): a real
authorization-code flow with PKCE S256 for the issuer's registered client, whose secret is read
from local Secrets Manager by the id in `stack.json`; the provider settings LINC runs (PKCE
required, exact redirect URI, 24 h access tokens, rotated refresh tokens, revocation); the
DANDI-shaped `/api/users/me/` for Bearer tokens and API keys; and no secret in the stack's log.
"""

from __future__ import annotations

import subprocess
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from tests.local_stack.oauth_client import (
    Browser,
    authorize_url,
    client_secret,
    pkce_pair,
    redirect_query,
    revoke,
    sign_in,
    token,
    users_me,
)

pytestmark = pytest.mark.slow
ME_KEYS = {"admin", "username", "email", "name", "status"}


@pytest.fixture(scope="module")
def client(local_stack: dict[str, Any]) -> tuple[str, str]:
    return local_stack["archive_oauth"]["client_id"], client_secret(local_stack)


def _signed_in(info: dict[str, Any], username: str) -> Browser:
    browser = Browser()
    status, headers, _ = sign_in(browser, info, username)
    assert status == 302 and headers["Location"] == "/"
    return browser


def _code(info: dict[str, Any], browser: Browser, challenge: str) -> str:
    url = authorize_url(info, code_challenge=challenge, code_challenge_method="S256", state="s1")
    status, headers, body = browser.get(url)
    assert status == 302, body
    location = headers["Location"]
    assert location.startswith(info["archive_oauth"]["redirect_uri"] + "?")
    query = redirect_query(location)
    assert query["state"] == "s1"
    return query["code"]


def _exchange(
    info: dict[str, Any],
    client: tuple[str, str | None],
    code: str,
    verifier: str,
    basic: bool = True,
) -> tuple[int, dict[str, Any]]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": info["archive_oauth"]["redirect_uri"],
        "code_verifier": verifier,
    }
    return token(info, form, *client, basic=basic)


def _tokens(info: dict[str, Any], client: tuple[str, str], username: str) -> dict[str, Any]:
    browser = _signed_in(info, username)
    verifier, challenge = pkce_pair()
    status, answer = _exchange(info, client, _code(info, browser, challenge), verifier)
    assert status == 200, answer
    return answer


def test_authorization_code_with_pkce_for_alice(
    local_stack: dict[str, Any], client: tuple[str, str]
) -> None:
    browser = Browser()
    verifier, challenge = pkce_pair()
    url = authorize_url(local_stack, code_challenge=challenge, code_challenge_method="S256")
    # Not signed in: the provider sends the browser to the archive's sign-in, then back.
    status, headers, _ = browser.get(url)
    assert status == 302
    login = urllib.parse.urlsplit(headers["Location"])
    assert login.path == "/accounts/login/"
    back = urllib.parse.parse_qs(login.query)["next"][0]
    assert back == url[len(local_stack["archive_url"]) - 1 :]
    status, headers, _ = sign_in(browser, local_stack, "alice", next_url=back)
    assert status == 302 and headers["Location"] == back
    code = _code(local_stack, browser, challenge)

    status, answer = _exchange(local_stack, client, code, verifier)
    assert status == 200, answer
    assert answer["token_type"] == "Bearer"
    assert answer["expires_in"] == 24 * 3600
    assert set(answer["scope"].split()) == {"read", "write"}
    assert answer["access_token"] and answer["refresh_token"]
    status, me = users_me(local_stack, "Bearer " + answer["access_token"])
    assert status == 200
    assert me == {
        "admin": False,
        "username": "alice",
        "email": "alice@example.org",
        "name": "Alice Approved",
        "status": "APPROVED",
    }
    # A code works once.
    status, again = _exchange(local_stack, client, code, verifier)
    assert status == 400 and again["error"] == "invalid_grant"


def test_a_browser_with_an_archive_session_gets_no_form(
    local_stack: dict[str, Any], client: tuple[str, str]
) -> None:
    browser = _signed_in(local_stack, "alice")
    _, challenge = pkce_pair()
    assert _code(local_stack, browser, challenge)  # straight back with a code
    # The JWT-mode entry point skips the form too.
    status, headers, _ = browser.get(local_stack["archive_login_url"])
    assert status == 302 and headers["Location"] == "/"


def test_wrong_verifier_and_missing_client_secret_are_refused(
    local_stack: dict[str, Any], client: tuple[str, str]
) -> None:
    browser = _signed_in(local_stack, "alice")
    verifier, challenge = pkce_pair()
    other_verifier, _ = pkce_pair()
    status, answer = _exchange(
        local_stack, client, _code(local_stack, browser, challenge), other_verifier
    )
    assert status == 400 and answer["error"] == "invalid_grant"
    code = _code(local_stack, browser, challenge)
    client_id, secret = client
    for wrong in (None, secret[:-1] + ("A" if secret[-1] != "A" else "B")):
        status, answer = _exchange(local_stack, (client_id, wrong), code, verifier, basic=False)
        assert status == 401 and answer["error"] == "invalid_client"
    # The same code with the secret in the form body (client_secret_post) still works.
    status, answer = _exchange(local_stack, client, code, verifier, basic=False)
    assert status == 200 and answer["access_token"]


def test_refresh_rotates_the_refresh_token(
    local_stack: dict[str, Any], client: tuple[str, str]
) -> None:
    first = _tokens(local_stack, client, "alice")
    status, second = token(
        local_stack,
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        *client,
    )
    assert status == 200, second
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["expires_in"] == 24 * 3600
    assert users_me(local_stack, "Bearer " + second["access_token"])[0] == 200
    # Rotation (ROTATE_REFRESH_TOKEN, no grace period): the old pair is dead.
    assert users_me(local_stack, "Bearer " + first["access_token"])[0] == 401
    status, answer = token(
        local_stack,
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        *client,
    )
    assert status == 400 and answer["error"] == "invalid_grant"


def test_revoked_tokens_stop_working(local_stack: dict[str, Any], client: tuple[str, str]) -> None:
    answer = _tokens(local_stack, client, "alice")
    assert users_me(local_stack, "Bearer " + answer["access_token"])[0] == 200
    status, _ = revoke(local_stack, answer["access_token"], "access_token", *client)
    assert status == 200
    assert users_me(local_stack, "Bearer " + answer["access_token"])[0] == 401
    status, _ = revoke(local_stack, answer["refresh_token"], "refresh_token", *client)
    assert status == 200
    form = {"grant_type": "refresh_token", "refresh_token": answer["refresh_token"]}
    status, refused = token(local_stack, form, *client)
    assert status == 400 and refused["error"] == "invalid_grant"


def test_authorization_without_pkce_is_refused(
    local_stack: dict[str, Any], client: tuple[str, str]
) -> None:
    browser = _signed_in(local_stack, "alice")
    status, headers, _ = browser.get(authorize_url(local_stack, state="s2"))
    assert status == 302
    # Client and redirect URI are valid, so the error goes back to the client, without a code.
    location = headers["Location"]
    assert location.startswith(local_stack["archive_oauth"]["redirect_uri"] + "?")
    query = redirect_query(location)
    assert query["error"] == "invalid_request" and query["state"] == "s2"
    assert "code" not in query


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"client_id": "no-such-client"}, b"Invalid client_id"),
        ({"redirect_uri": "http://localhost:1/_auth/callback"}, b"Mismatching redirect URI"),
        ({"redirect_uri": "https://evil.example.org/_auth/callback"}, b"Mismatching redirect URI"),
        ({"redirect_uri": "REGISTERED/../evil"}, b"Mismatching redirect URI"),
        ({"redirect_uri": "REGISTERED-https"}, b"Mismatching redirect URI"),
    ],
)
def test_unknown_client_or_other_redirect_uri_never_redirects(
    local_stack: dict[str, Any], change: dict[str, str], expected: bytes
) -> None:
    registered = local_stack["archive_oauth"]["redirect_uri"]
    if change.get("redirect_uri") == "REGISTERED/../evil":
        change = {"redirect_uri": registered + "/../evil"}
    elif change.get("redirect_uri") == "REGISTERED-https":
        change = {"redirect_uri": registered.replace("http://", "https://", 1)}
    browser = _signed_in(local_stack, "alice")
    _, challenge = pkce_pair()
    url = authorize_url(
        local_stack, code_challenge=challenge, code_challenge_method="S256", **change
    )
    status, headers, body = browser.get(url)
    # RFC 6749 4.1.2.1: an unknown client or redirect URI gets an error page, never a redirect.
    assert status == 400 and "Location" not in headers
    assert expected in body


def test_bob_is_pending_and_a_new_name_is_incomplete_until_set(
    local_stack: dict[str, Any], client: tuple[str, str]
) -> None:
    bob = _tokens(local_stack, client, "bob")
    status, me = users_me(local_stack, "Bearer " + bob["access_token"])
    assert status == 200 and me["username"] == "bob" and me["status"] == "PENDING"
    assert set(me) == ME_KEYS

    carol = _tokens(local_stack, client, "carol")
    bearer = "Bearer " + carol["access_token"]
    assert users_me(local_stack, bearer)[1]["status"] == "INCOMPLETE"
    result = subprocess.run(
        [*local_stack["archive_manage"], "set_status", "carol", "REJECTED"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # The same token now reads REJECTED: a client that re-checks sees it at once.
    assert users_me(local_stack, bearer)[1]["status"] == "REJECTED"


def test_api_keys_and_tokens_only_in_their_own_scheme(
    local_stack: dict[str, Any], client: tuple[str, str]
) -> None:
    alice, bob = local_stack["users"]
    status, me = users_me(local_stack, f"token {alice['api_token']}")
    assert status == 200 and me["username"] == "alice" and me["status"] == "APPROVED"
    status, me = users_me(local_stack, f"token {bob['api_token']}")
    assert status == 200 and me["status"] == "PENDING"
    access = _tokens(local_stack, client, "alice")["access_token"]
    for refused in (
        "token " + "0" * 40,
        f"Bearer {alice['api_token']}",
        f"token {access}",
        "Bearer not-a-token",
    ):
        assert users_me(local_stack, refused)[0] == 401, refused


def test_sign_in_refuses_bad_names_and_logout_ends_the_session(
    local_stack: dict[str, Any],
) -> None:
    for bad in ("bad name!", "x" * 65, "", "-dash"):
        status, _, body = sign_in(Browser(), local_stack, bad)
        assert status == 400 and b"Enter a user name" in body, bad
    browser = _signed_in(local_stack, "alice")
    assert browser.cookie("linc_session")
    status, _, body = browser.get(local_stack["archive_logout_url"])
    assert status == 200 and b"signed out" in body.lower()
    assert browser.cookie("linc_session") is None
    assert browser.cookie("archive_sessionid") is None
    _, challenge = pkce_pair()
    url = authorize_url(local_stack, code_challenge=challenge, code_challenge_method="S256")
    status, headers, _ = browser.get(url)
    assert status == 302 and headers["Location"].startswith("/accounts/login/?next=")


def test_no_secret_token_or_code_in_the_stack_log(
    local_stack: dict[str, Any], client: tuple[str, str]
) -> None:
    browser = _signed_in(local_stack, "alice")
    verifier, challenge = pkce_pair()
    code = _code(local_stack, browser, challenge)
    status, answer = _exchange(local_stack, client, code, verifier)
    assert status == 200
    log = Path(local_stack["_log"]).read_text(encoding="utf-8", errors="replace")
    assert "local stack is up" in log  # the control: this is the stack's log
    for value in (client[1], code, verifier, answer["access_token"], answer["refresh_token"]):
        assert value not in log
