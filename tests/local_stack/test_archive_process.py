"""The archive process on its own (`LocalArchive`): consent when not skipped, start-up, stop.

Each test starts a real archive process (Django set-up and migrations included) on a free
loopback port, without the rest of the stack.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local_stack.archive.accounts import DemoUser, OAuthClient, demo_users
from local_stack.archive.process import ArchiveStartError, LocalArchive
from local_stack.keys import generate_dev_keys
from tests.local_stack.oauth_client import (
    Browser,
    archive_info,
    authorize_url,
    hidden_inputs,
    pkce_pair,
    redirect_query,
    sign_in,
    token,
)

pytestmark = pytest.mark.slow
VIEWER = "http://localhost:9"  # never contacted: only the redirect target's text matters


def _archive(tmp_path: Path, users: list[DemoUser]) -> LocalArchive:
    keys = generate_dev_keys(tmp_path / "keys")
    archive = LocalArchive(tmp_path, users, keys.archive_jwt)
    archive.bind(0)
    archive.spawn()
    return archive


def _info(archive: LocalArchive, client: OAuthClient) -> dict[str, Any]:
    return archive_info(archive.origin, client.client_id, client.redirect_uri)


@pytest.fixture
def consent_archive(tmp_path: Path) -> Iterator[tuple[LocalArchive, OAuthClient]]:
    archive = _archive(tmp_path, demo_users())
    client = OAuthClient.new(VIEWER + "/_auth/callback", skip_authorization=False)
    try:
        seconds = archive.configure("https://localhost:9", VIEWER, client)
        assert {"setup", "migrate", "seed", "total", "waited"} <= set(seconds)
        yield archive, client
    finally:
        archive.stop()


def _consent_form(browser: Browser, url: str) -> dict[str, str]:
    status, _, page = browser.get(url)
    assert status == 200, page
    assert b"Authorize" in page and b"LINC viewer" in page
    return hidden_inputs(page)


def test_consent_asked_once_and_denial_goes_back_as_access_denied(
    consent_archive: tuple[LocalArchive, OAuthClient],
) -> None:
    archive, client = consent_archive
    info = _info(archive, client)
    browser = Browser()
    sign_in(browser, info, "alice")
    verifier, challenge = pkce_pair()
    url = authorize_url(info, code_challenge=challenge, code_challenge_method="S256", state="d1")
    form = _consent_form(browser, url)
    # "Cancel" posts the form without `allow`: the client gets error=access_denied, no code.
    status, headers, _ = browser.post(url, form, headers={"Referer": url})
    assert status == 302
    denied = redirect_query(headers["Location"])
    assert denied["error"] == "access_denied" and denied["state"] == "d1"
    assert "code" not in denied

    form = _consent_form(browser, url)
    status, headers, _ = browser.post(url, {**form, "allow": "Authorize"}, headers={"Referer": url})
    assert status == 302
    code = redirect_query(headers["Location"])["code"]
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": client.redirect_uri,
        "code_verifier": verifier,
    }
    status, answer = token(info, exchange, client.client_id, client.client_secret)
    assert status == 200, answer
    # REQUEST_APPROVAL_PROMPT "auto": with a valid token for these scopes, no second prompt.
    status, headers, _ = browser.get(url)
    assert status == 302 and "code" in redirect_query(headers["Location"])


def test_stop_ends_the_process_and_removes_the_database(tmp_path: Path) -> None:
    archive = _archive(tmp_path, demo_users())
    client = OAuthClient.new(VIEWER + "/_auth/callback")
    archive.configure("https://localhost:9", VIEWER, client)
    database = archive.database
    assert database.is_file() and database.stat().st_mode & 0o077 == 0
    assert Browser().get(archive.origin + "/")[0] == 200
    archive.stop()
    assert not list(tmp_path.glob(database.name + "*"))
    with pytest.raises(OSError):
        Browser().get(archive.origin + "/")


def test_a_seed_that_fails_stops_the_start_with_a_clear_error(tmp_path: Path) -> None:
    bad = DemoUser("dave", "Dave", "Doe", "dave@example.org", "MAYBE", "0" * 40)
    archive = _archive(tmp_path, [bad])
    try:
        with pytest.raises(ArchiveStartError, match=re.escape("exited with status")):
            archive.configure(
                "https://localhost:9", VIEWER, OAuthClient.new(VIEWER + "/_auth/callback")
            )
    finally:
        archive.stop()


@pytest.mark.parametrize(
    "uri",
    [
        "http://viewer.example.org/_auth/callback",
        "ftp://localhost/_auth/callback",
        "/_auth/callback",
        "http://localhost:9/_auth/callback#x",
    ],
)
def test_client_redirect_uri_plain_http_only_on_loopback(uri: str) -> None:
    with pytest.raises(ValueError, match="redirect URI"):
        OAuthClient.new(uri)
    assert OAuthClient.new("https://viewer.example.org/_auth/callback").client_id
    assert OAuthClient.new("http://127.0.0.1:9/_auth/callback").client_id


def test_client_secret_is_not_in_its_repr() -> None:
    client = OAuthClient.new(VIEWER + "/_auth/callback")
    assert client.client_secret not in repr(client)
    assert len(client.client_secret) == 128 and len(client.client_id) == 40
