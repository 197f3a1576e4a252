"""Switch-over: LEGACY_COOKIE_DOMAINS (validated) and the expiring headers callback and logout send.

The archive's old endpoint set CloudFront cookies on the parent domain (`.lincbrain.org`); beside
ours they make an ambiguous set that the edge sends round the login. The callback and the logout
therefore expire every CloudFront cookie name on each configured legacy domain, with Path=/ as
the archive set them, and never touch our own live cookies.
"""

from __future__ import annotations

from typing import Any

import pytest

from cookie_issuer.cookies import ALL_COOKIE_NAMES
from cookie_issuer.settings import SettingsError, load_settings
from tests.cookie_issuer.support import live_cookie_values, load_event

BASE = {
    "KEY_PAIR_ID": "K2JCJMDEHXQW5F",
    "SIGNING_KEY_SECRET_ID": "key",
    "ARCHIVE_LOGIN_URL": "https://archive.example.org/login/",
    "ARCHIVE_API_URL": "https://api.example.org",
    "VIEWER_ORIGIN": "https://viewer.example.org",
    "AUTH_RULE": "status=APPROVED",
}


def test_legacy_domains_are_parsed() -> None:
    assert load_settings(BASE).legacy_cookie_domains == ()
    settings = load_settings({**BASE, "LEGACY_COOKIE_DOMAINS": " .Example.org, example.org ,"})
    assert settings.legacy_cookie_domains == ("example.org",)
    # The host itself as Domain attribute: a domain cookie, distinct from our host-only ones.
    local = {**BASE, "VIEWER_ORIGIN": "http://localhost:8741", "COOKIE_SECURE": "0"}
    assert load_settings({**local, "LEGACY_COOKIE_DOMAINS": "localhost"}).legacy_cookie_domains == (
        "localhost",
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("lincbrain.org", "not a parent domain of viewer.example.org"),
        ("org", "not a domain like"),
        ("exa mple.org", "not a domain like"),
        ("other.example.org", "not a parent domain"),
    ],
)
def test_bad_legacy_domains_name_the_variable(value: str, reason: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({**BASE, "LEGACY_COOKIE_DOMAINS": value})
    assert "LEGACY_COOKIE_DOMAINS" in str(info.value) and reason in str(info.value)


def test_legacy_domain_may_not_be_our_cookie_domain() -> None:
    with pytest.raises(SettingsError, match="COOKIE_DOMAIN"):
        load_settings(
            {**BASE, "COOKIE_DOMAIN": "example.org", "LEGACY_COOKIE_DOMAINS": "example.org"}
        )


def _expired_on(result: dict[str, Any], domain: str) -> set[str]:
    names = set()
    for text in result.get("cookies", []):
        attributes = [a.strip() for a in text.split(";")]
        if (
            f"Domain={domain}" in attributes
            and "Max-Age=0" in attributes
            and "Path=/" in attributes
        ):
            names.add(text.split("=", 1)[0])
    return names


def test_callback_and_logout_expire_legacy_domain_cookies(
    issuer_invoke: Any, issuer_token: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEGACY_COOKIE_DOMAINS", "example.org")
    callback = issuer_invoke(load_event("callback", issuer_token()))
    assert callback["statusCode"] == 200
    assert _expired_on(callback, "example.org") == set(ALL_COOKIE_NAMES)
    # Ours stay live and host-only: the expiry targets the parent domain only.
    live = live_cookie_values(callback)
    assert {"CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"} <= set(live)
    for text in callback["cookies"]:
        if "Max-Age=0" not in text:
            assert "Domain=" not in text
    logout = issuer_invoke(load_event("logout"))
    assert _expired_on(logout, "example.org") == set(ALL_COOKIE_NAMES)
    assert live_cookie_values(logout) == {}


def test_without_legacy_domains_nothing_extra_is_sent(
    issuer_invoke: Any, issuer_token: Any
) -> None:
    callback = issuer_invoke(load_event("callback", issuer_token()))
    assert not any("Domain=" in text for text in callback["cookies"])


def test_oauth2_callback_and_logout_expire_legacy_domain_cookies(
    issuer_oauth_invoke: Any, issuer_oauth_archive: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.cookie_issuer.oauth_support import Person, sign_in

    monkeypatch.setenv("LEGACY_COOKIE_DOMAINS", "example.org")
    result = sign_in(issuer_oauth_invoke, Person(issuer_oauth_archive, "alice"), "/")
    assert result["statusCode"] == 200, result["body"]
    assert _expired_on(result, "example.org") == set(ALL_COOKIE_NAMES)
    assert {"CloudFront-Policy", "CloudFront-Signature"} <= set(live_cookie_values(result))
    logout = issuer_oauth_invoke(load_event("logout"))
    assert _expired_on(logout, "example.org") == set(ALL_COOKIE_NAMES)
