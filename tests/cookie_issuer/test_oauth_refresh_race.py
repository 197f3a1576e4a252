"""Two renewals with one sealed session, against the real archive (django-oauth-toolkit rotates
refresh tokens with no grace period): the first wins, and the loser's 401 must not wipe the
winner's cookies whichever order the browser applies the two answers in (issues 10 + 11).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.cookie_issuer.oauth_support import (
    SESSION_COOKIE,
    Person,
    auth_event,
    cookie_pairs,
    json_body,
    refresh_event,
    sign_in,
)
from tests.cookie_issuer.support import live_cookie_values, set_cookies

pytestmark = pytest.mark.slow
CLOUDFRONT = ("CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id")


def _apply(jar: dict[str, str], result: dict[str, Any]) -> None:
    """Set-Cookie as a browser applies it: a value replaces, Max-Age=0 deletes."""
    for name, text in set_cookies(result).items():
        if "Max-Age=0" in text:
            jar.pop(name, None)
        else:
            jar[name] = text.split("=", 1)[1].split(";", 1)[0]


def _signed_in(invoke: Any, archive: Any) -> dict[str, str]:
    result = sign_in(invoke, Person(archive, "alice"))
    assert result["statusCode"] == 200, result["body"]
    return live_cookie_values(result)


def test_second_renewal_with_the_same_session_does_not_wipe_the_first(
    issuer_oauth_invoke: Any, issuer_oauth_archive: Any
) -> None:
    cookies = _signed_in(issuer_oauth_invoke, issuer_oauth_archive)
    first = issuer_oauth_invoke(refresh_event(cookies))
    second = issuer_oauth_invoke(refresh_event(cookies))  # the same sealed session, now rotated
    assert first["statusCode"] == 200, first["body"]
    assert second["statusCode"] == 401, second["body"]
    body = json_body(second)
    assert body["error"] == "signed_out" and body["reason"] == "refresh_rejected"
    assert body["action"] == "Sign in again."
    assert set_cookies(second) == {}, second.get("cookies")  # sets, and expires, nothing
    winner = live_cookie_values(first)
    assert set(winner) >= {*CLOUDFRONT, SESSION_COOKIE}
    for order in ((first, second), (second, first)):
        jar = dict(cookies)
        for result in order:
            _apply(jar, result)
        assert jar == winner, [r["statusCode"] for r in order]
        session = issuer_oauth_invoke(auth_event("/_auth/session", cookies=cookie_pairs(jar)))
        assert session["statusCode"] == 200 and json_body(session)["user"] == "alice"
        assert json_body(session)["expires"] == json_body(first)["expires"]
    # The winner's session still renews at the archive: nothing of it was lost.
    again = issuer_oauth_invoke(refresh_event(winner))
    assert again["statusCode"] == 200, again["body"]


def test_revoked_session_is_signed_out_and_mints_nothing(
    issuer_oauth_invoke: Any, issuer_oauth_archive: Any
) -> None:
    cookies = _signed_in(issuer_oauth_invoke, issuer_oauth_archive)
    logout = issuer_oauth_invoke(
        auth_event("/_auth/logout", cookies=cookie_pairs({SESSION_COOKIE: cookies[SESSION_COOKIE]}))
    )
    assert logout["statusCode"] in (302, 303), logout.get("body")
    # A copy of the session kept after logout (revoked at the archive): refused, nothing minted.
    for _ in range(2):
        result = issuer_oauth_invoke(refresh_event(cookies))
        assert result["statusCode"] == 401, result["body"]
        assert json_body(result)["reason"] == "refresh_rejected"
        assert live_cookie_values(result) == {}
