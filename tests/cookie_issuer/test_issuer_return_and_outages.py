"""`return` is only ever a same-origin path; dependencies failing give 503 and then recover."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cookie_issuer.support import (
    SIGNING_SECRET_ID,
    VIEWER,
    assert_no_cookies_set,
    body_json,
    load_event,
    location_query,
    pem,
)

PAYLOADS = [
    line
    for line in (Path(__file__).resolve().parents[1] / "data" / "return_payloads.txt")
    .read_text()
    .splitlines()
    if line and not line.startswith("# ")
] + ["/" + "a" * 5000]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_return_becomes_root(issuer_invoke: Any, issuer_token: Any, payload: str) -> None:
    login = load_event("login")
    login["rawQueryString"] = f"return={payload}"
    (next_url,) = location_query(issuer_invoke(login))["next"]
    assert next_url == f"{VIEWER}/_auth/callback?return=%2F&attempt=1"
    callback = load_event("callback", issuer_token())
    callback["rawQueryString"] = f"return={payload}"
    result = issuer_invoke(callback)
    assert result["statusCode"] == 200
    assert 'data-return="/"' in result["body"]


def test_repeated_return_is_ambiguous_and_becomes_root(issuer_invoke: Any) -> None:
    login = load_event("login")
    login["rawQueryString"] = "return=%2Fok&return=%2F%2Fevil.example.com"
    (next_url,) = location_query(issuer_invoke(login))["next"]
    assert "return=%2F&" in next_url


def test_plain_paths_with_queries_survive(issuer_invoke: Any) -> None:
    login = load_event("login")
    login["rawQueryString"] = "return=%2Fviewer%2F%3Fa%3D1%26b%3D2"
    (next_url,) = location_query(issuer_invoke(login))["next"]
    assert next_url == f"{VIEWER}/_auth/callback?return=%2Fviewer%2F%3Fa%3D1%26b%3D2&attempt=1"


def test_secrets_manager_failure_then_recovery(
    issuer_invoke: Any, issuer_token: Any, issuer_aws: Any, issuer_signing_key: Any
) -> None:
    issuer_aws.delete_secret(SecretId=SIGNING_SECRET_ID, ForceDeleteWithoutRecovery=True)
    result = issuer_invoke(load_event("permissions", issuer_token()))
    assert result["statusCode"] == 503
    assert body_json(result)["error"] == "secrets_unavailable"
    assert_no_cookies_set(result)
    page = issuer_invoke(load_event("callback", issuer_token()))
    assert page["statusCode"] == 503 and "Secrets Manager" in page["body"]
    assert_no_cookies_set(page)
    issuer_aws.create_secret(Name=SIGNING_SECRET_ID, SecretString=pem(issuer_signing_key))
    assert issuer_invoke(load_event("permissions", issuer_token()))["statusCode"] == 200


def test_jwks_unreachable_with_nothing_cached_then_recovery(
    issuer_invoke: Any, issuer_token: Any, issuer_jwks: Any
) -> None:
    issuer_jwks.server.stop()
    result = issuer_invoke(load_event("permissions", issuer_token()))
    assert result["statusCode"] == 503 and body_json(result)["error"] == "jwks_unreachable"
    assert_no_cookies_set(result)
    page = load_event("callback", issuer_token())
    page_result = issuer_invoke(page)
    assert page_result["statusCode"] == 503 and "unreachable" in page_result["body"]
    issuer_jwks.server.start(port=issuer_jwks.server.port)
    assert issuer_invoke(load_event("permissions", issuer_token()))["statusCode"] == 200


def test_jwks_answering_html_is_unreachable_not_an_internal_error(
    issuer_invoke: Any, issuer_token: Any, issuer_jwks: Any
) -> None:
    issuer_jwks.html = "<!doctype html><title>Bad gateway</title><h1>502</h1>"
    result = issuer_invoke(load_event("permissions", issuer_token()))
    assert result["statusCode"] == 503, result["body"]
    assert body_json(result)["error"] == "jwks_unreachable"
    assert "JWKS" in body_json(result)["message"]
    assert_no_cookies_set(result)
    page_result = issuer_invoke(load_event("callback", issuer_token()))
    assert page_result["statusCode"] == 503 and "unreachable" in page_result["body"]
    assert_no_cookies_set(page_result)
    issuer_jwks.html = None
    assert issuer_invoke(load_event("permissions", issuer_token()))["statusCode"] == 200


def test_archive_unreachable_then_recovery(issuer_invoke: Any, issuer_archive: Any) -> None:
    key = "k" * 40
    issuer_archive.users[key] = {"username": "bob", "status": "APPROVED"}
    event = load_event("permissions")
    event["headers"]["authorization"] = f"token {key}"
    issuer_archive.server.stop()
    result = issuer_invoke(event)
    assert result["statusCode"] == 503 and body_json(result)["error"] == "archive_unreachable"
    assert_no_cookies_set(result)
    issuer_archive.server.start(port=issuer_archive.server.port)
    assert issuer_invoke(event)["statusCode"] == 200


def test_archive_timeout_is_503(issuer_invoke: Any, issuer_archive: Any) -> None:
    key = "t" * 40
    issuer_archive.users[key] = {"username": "bob", "status": "APPROVED"}
    issuer_archive.delay = 3.5  # beyond the 3 s introspection timeout
    event = load_event("permissions")
    event["headers"]["authorization"] = f"token {key}"
    result = issuer_invoke(event)
    assert result["statusCode"] == 503 and body_json(result)["error"] == "archive_unreachable"
    assert_no_cookies_set(result)
    issuer_archive.delay = 0
    assert issuer_invoke(event)["statusCode"] == 200
