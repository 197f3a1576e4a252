"""OAuth2 mode's settings validation and the sealed cookie format (no network)."""

from __future__ import annotations

import base64
import time

import pytest

from cookie_issuer.sealed_cookie import (
    PURPOSE_SESSION,
    PURPOSE_STATE,
    Sealer,
    SealError,
    new_key_text,
    parse_keys,
)
from cookie_issuer.settings import SettingsError, load_settings

OAUTH = {
    "KEY_PAIR_ID": "K2JCJMDEHXQW5F",
    "SIGNING_KEY_SECRET_ID": "key",
    "AUTH_RULE": "status=APPROVED",
    "AUTH_MODE": "oauth2",
    "VIEWER_ORIGIN": "https://neuroglancer.lincbrain.org",
    "ARCHIVE_API_URL": "https://api.lincbrain.org/api",
    "OAUTH_PROVIDER_URL": "https://api.lincbrain.org/oauth",
    "OAUTH_CLIENT_ID": "a" * 40,
    "OAUTH_CLIENT_SECRET_ID": "linc/oauth-client-secret",
    "SEALING_KEY_SECRET_ID": "linc/sealing-key",
}


def test_oauth_settings_and_their_defaults() -> None:
    settings = load_settings(OAUTH)
    oauth = settings.oauth
    assert settings.auth_mode == "oauth2" and oauth is not None
    assert oauth.authorize_url == "https://api.lincbrain.org/oauth/authorize/"
    assert oauth.token_url == "https://api.lincbrain.org/oauth/token/"
    assert oauth.revoke_url == "https://api.lincbrain.org/oauth/revoke_token/"
    assert oauth.redirect_uri == "https://neuroglancer.lincbrain.org/_auth/callback"
    assert settings.archive_login_url == ""  # not needed in OAuth2 mode
    local = load_settings({**OAUTH, "OAUTH_REDIRECT_URI": "http://localhost:8741/_auth/callback"})
    assert local.oauth is not None
    assert local.oauth.redirect_uri == "http://localhost:8741/_auth/callback"
    # Unset means JWT mode, the issuer's behaviour before OAuth2.
    jwt = {k: v for k, v in OAUTH.items() if k != "AUTH_MODE"}
    with pytest.raises(SettingsError) as info:
        load_settings(jwt)
    assert info.value.variable == "ARCHIVE_LOGIN_URL"


@pytest.mark.parametrize(
    ("changes", "variable"),
    [
        ({"AUTH_MODE": "saml"}, "AUTH_MODE"),
        ({"OAUTH_PROVIDER_URL": ""}, "OAUTH_PROVIDER_URL"),
        ({"OAUTH_PROVIDER_URL": "http://api.lincbrain.org/oauth/"}, "OAUTH_PROVIDER_URL"),
        ({"OAUTH_PROVIDER_URL": "https://api.lincbrain.org/oauth/?x=1"}, "OAUTH_PROVIDER_URL"),
        ({"OAUTH_CLIENT_ID": ""}, "OAUTH_CLIENT_ID"),
        ({"OAUTH_CLIENT_ID": "has space"}, "OAUTH_CLIENT_ID"),
        ({"OAUTH_CLIENT_SECRET_ID": ""}, "OAUTH_CLIENT_SECRET_ID"),
        ({"SEALING_KEY_SECRET_ID": ""}, "SEALING_KEY_SECRET_ID"),
        ({"ARCHIVE_API_URL": ""}, "ARCHIVE_API_URL"),
        # The production https check stays: plain http only on loopback hosts.
        ({"OAUTH_REDIRECT_URI": "http://viewer.example.org/_auth/callback"}, "OAUTH_REDIRECT_URI"),
        ({"OAUTH_REDIRECT_URI": "https://viewer.example.org/elsewhere"}, "OAUTH_REDIRECT_URI"),
        ({"VIEWER_ORIGIN": ""}, "OAUTH_REDIRECT_URI"),
        ({"COOKIE_SECURE": "false"}, "COOKIE_SECURE"),
    ],
)
def test_invalid_oauth_values_name_their_variable(changes: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({**OAUTH, **changes})
    assert info.value.variable == variable
    assert str(info.value).startswith(f"issuer misconfigured: {variable}")


def test_sealed_values_are_bound_to_purpose_expiry_and_key() -> None:
    now = time.time()
    key = parse_keys(new_key_text())
    box = Sealer(key)
    sealed = box.seal(PURPOSE_STATE, {"s": "abc"}, 600, now)
    assert box.open(PURPOSE_STATE, sealed, now) == {"s": "abc"}
    assert "abc" not in sealed and "oauth-state" not in sealed
    with pytest.raises(SealError):
        box.open(PURPOSE_SESSION, sealed, now)  # a state cookie is never a session
    with pytest.raises(SealError):
        box.open(PURPOSE_STATE, sealed, now + 601)  # expired
    with pytest.raises(SealError):
        Sealer(parse_keys(new_key_text())).open(PURPOSE_STATE, sealed, now)  # foreign key
    raw = bytearray(base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4)))
    for index in (0, 12, len(raw) - 1):  # nonce, ciphertext, tag
        tampered = bytearray(raw)
        tampered[index] ^= 1
        text = base64.urlsafe_b64encode(bytes(tampered)).rstrip(b"=").decode()
        with pytest.raises(SealError):
            box.open(PURPOSE_STATE, text, now)
    for garbage in ("", "!!!", "AAAA", "A" * 5000):
        with pytest.raises(SealError):
            box.open(PURPOSE_STATE, garbage, now)
    # Two seals of one value differ (fresh nonce).
    assert box.seal(PURPOSE_STATE, {"s": "abc"}, 600, now) != sealed


def test_key_rotation_new_key_seals_old_key_still_opens() -> None:
    now = time.time()
    old, new = new_key_text(), new_key_text()
    sealed_by_old = Sealer(parse_keys(old)).seal(PURPOSE_SESSION, "x", 60, now)
    rotated = Sealer(parse_keys(f"{new},{old}"))
    assert rotated.open(PURPOSE_SESSION, sealed_by_old, now) == "x"
    sealed_by_new = rotated.seal(PURPOSE_SESSION, "y", 60, now)
    assert Sealer(parse_keys(new)).open(PURPOSE_SESSION, sealed_by_new, now) == "y"


@pytest.mark.parametrize("text", ["", "not base64!", base64.b64encode(b"short").decode()])
def test_bad_sealing_keys_refused(text: str) -> None:
    with pytest.raises(SealError):
        parse_keys(text)
