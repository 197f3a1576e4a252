"""No secret ever reaches the logs; settings validation names the variable and refuses mixes."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest

from cookie_issuer.auth_rule import RuleSyntaxError, parse_rule
from cookie_issuer.settings import SettingsError, load_settings
from tests.cookie_issuer.support import body_json, live_cookie_values, load_event, pem


def test_round_trip_logs_contain_no_secrets(
    issuer_invoke: Any,
    issuer_token: Any,
    issuer_archive: Any,
    issuer_signing_key: Any,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    token = issuer_token()
    api_key = "S3cretApiKey" + "9" * 28
    issuer_archive.users[api_key] = {"username": "bob", "status": "APPROVED"}
    secrets: list[str] = [token, api_key]
    issuer_invoke(load_event("login"))
    login = load_event("login")
    login["cookies"] = [f"linc_session={token}"]
    issuer_invoke(login)
    for result in (
        issuer_invoke(load_event("callback", token)),
        issuer_invoke(load_event("permissions", token)),
    ):
        secrets += list(live_cookie_values(result).values())
    event = load_event("permissions")
    event["headers"]["authorization"] = f"token {api_key}"
    secrets += list(body_json(issuer_invoke(event))["cookies"].values())
    bad = load_event("permissions", token[:-4] + "AAAA")
    issuer_invoke(bad)
    issuer_invoke(load_event("logout"))
    captured = capsys.readouterr()
    text = captured.out + captured.err + caplog.text
    assert "cookies minted" in text  # the logs did capture the round trip
    key_pem = pem(issuer_signing_key)
    key_body = "".join(key_pem.splitlines()[1:-1])
    for secret in [*secrets, token[:-4] + "AAAA", key_body[:64], key_body[-64:]]:
        if secret in ("K2JCJMDEHXQW5F", "SHA256"):
            continue  # the key pair id is public configuration, not a secret
        assert secret not in text
    # Signatures are long enough that even a fragment would be a leak.
    for secret in secrets:
        if len(secret) > 40:
            assert secret[10:40] not in text


BASE = {
    "KEY_PAIR_ID": "K2JCJMDEHXQW5F",
    "SIGNING_KEY_SECRET_ID": "key",
    "ARCHIVE_LOGIN_URL": "https://archive.example.org/login/",
    "JWKS_URL": "https://archive.example.org/.well-known/jwks.json",
    "JWT_ISSUER": "https://archive.example.org",
    "JWT_AUDIENCE": "linc-viewer",
    "AUTH_RULE": "status=APPROVED",
}


def test_defaults() -> None:
    settings = load_settings(BASE)
    assert settings.hash_algorithm == "SHA1" and settings.cookie_ttl_seconds == 43_200
    assert settings.cookie_secure and not settings.cookie_persistent
    assert settings.jwt_algorithms == ("RS256", "ES256")
    assert settings.archive_login_next_param == "next" and settings.secrets_cache_seconds == 300
    assert settings.cookie_domain is None and settings.viewer_origin is None


@pytest.mark.parametrize(
    ("changes", "variable"),
    [
        ({"KEY_PAIR_ID": "K2/../x"}, "KEY_PAIR_ID"),
        ({"SIGNING_KEY_SECRET_ID": ""}, "SIGNING_KEY_SECRET_ID"),
        ({"HASH_ALGORITHM": "SHA512"}, "HASH_ALGORITHM"),
        ({"COOKIE_TTL_SECONDS": "12h"}, "COOKIE_TTL_SECONDS"),
        ({"COOKIE_TTL_SECONDS": "99999999"}, "COOKIE_TTL_SECONDS"),
        ({"COOKIE_PERSISTENT": "maybe"}, "COOKIE_PERSISTENT"),
        ({"COOKIE_SECURE": "nope"}, "COOKIE_SECURE"),
        ({"COOKIE_DOMAIN": "evil.com/x"}, "COOKIE_DOMAIN"),
        ({"ARCHIVE_LOGIN_URL": "http://archive.example.org/login"}, "ARCHIVE_LOGIN_URL"),
        ({"ARCHIVE_LOGIN_URL": ""}, "ARCHIVE_LOGIN_URL"),
        ({"VIEWER_ORIGIN": "https://viewer.example.org/path"}, "VIEWER_ORIGIN"),
        ({"JWT_ALGORITHMS": "RS256,HS256"}, "JWT_ALGORITHMS"),
        ({"JWT_ALGORITHMS": "none"}, "JWT_ALGORITHMS"),
        ({"JWT_ALGORITHMS": "HS256"}, "JWT_ALGORITHMS"),  # HS256 with a public JWKS URL
        ({"JWT_KEY_SECRET_ID": "jwt"}, "JWKS_URL"),  # both key sources
        ({"JWT_AUDIENCE": ""}, "JWT_AUDIENCE"),
        ({"JWT_ISSUER": ""}, "JWT_ISSUER"),
        ({"AUTH_RULE": ""}, "AUTH_RULE"),
        ({"AUTH_RULE": "status = APPROVED"}, "AUTH_RULE"),
        ({"CORS_ALLOWED_ORIGINS": "https://a.org,*"}, "CORS_ALLOWED_ORIGINS"),
        ({"CORS_ALLOWED_ORIGINS": "https://a.org/app"}, "CORS_ALLOWED_ORIGINS"),
        ({"SECRETS_CACHE_SECONDS": "0"}, "SECRETS_CACHE_SECONDS"),
        ({"JWT_LEEWAY_SECONDS": "120"}, "JWT_LEEWAY_SECONDS"),
        ({"ARCHIVE_LOGIN_NEXT_PARAM": "next&x=1"}, "ARCHIVE_LOGIN_NEXT_PARAM"),
        ({"JWKS_URL": ""}, "ARCHIVE_API_URL"),  # no verification mode at all
    ],
)
def test_invalid_values_name_their_variable(changes: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({**BASE, **changes})
    assert info.value.variable == variable
    assert str(info.value).startswith(f"issuer misconfigured: {variable}")


def test_hmac_with_secret_and_introspection_only_are_valid() -> None:
    hmac = load_settings(
        {**BASE, "JWKS_URL": "", "JWT_KEY_SECRET_ID": "jwt", "JWT_ALGORITHMS": "HS256"}
    )
    assert hmac.jwt_uses_hmac
    only_api = load_settings(
        {**BASE, "JWKS_URL": "", "ARCHIVE_API_URL": "https://api.lincbrain.org/api/"}
    )
    assert only_api.archive_api_url == "https://api.lincbrain.org/api"
    assert not only_api.jwt_enabled
    local = load_settings({**BASE, "VIEWER_ORIGIN": "http://127.0.0.1:8080", "COOKIE_SECURE": "0"})
    assert local.viewer_origin == "http://127.0.0.1:8080" and not local.cookie_secure


def test_auth_rule_semantics() -> None:
    assert parse_rule("any").allows({})
    approved = parse_rule("status=APPROVED")
    assert approved.allows({"status": "APPROVED"})
    assert not approved.allows({"status": "approved"}) and not approved.allows({})
    boolean = parse_rule("approved=true")
    assert boolean.allows({"approved": True})
    assert not boolean.allows({"approved": "true"}) and not boolean.allows({"approved": 1})
    groups = parse_rule("groups~linc,admins")
    assert groups.allows({"groups": ["x", "admins"]}) and groups.allows({"groups": "linc"})
    assert not groups.allows({"groups": ["lincx"]}) and not groups.allows({"groups": {"linc": 1}})
    both = parse_rule("status=APPROVED & admin=false")
    assert both.allows({"status": "APPROVED", "admin": False})
    assert not both.allows({"status": "APPROVED", "admin": True})
    assert str(both) == "status=APPROVED & admin=false"


@pytest.mark.parametrize(
    "rule",
    [
        "",
        "ANY",
        "status",
        "status=",
        "=x",
        "status==x",
        "a=b&c=d",
        "a=b &  c=d",
        "a~",
        "a~x,,y",
        "a=b c",
        "a b=c",
        "any & a=b",
        "a=<script>",
        "a=" + "x" * 200,
    ],
)
def test_auth_rule_is_parsed_strictly(rule: str) -> None:
    with pytest.raises(RuleSyntaxError):
        parse_rule(rule)


def test_log_lines_carry_the_api_gateway_request_id(issuer_invoke: Any, issuer_token: Any) -> None:
    from cookie_issuer.observability import logger

    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    for request_id in ("req-one", "req-two"):
        stream = io.StringIO()
        previous = handler.setStream(stream)
        try:
            event = load_event("permissions", issuer_token())
            event["requestContext"]["requestId"] = request_id
            assert issuer_invoke(event)["statusCode"] == 200
        finally:
            handler.setStream(previous)
        lines = [json.loads(line) for line in stream.getvalue().splitlines() if line]
        minted = [line for line in lines if line.get("message") == "cookies minted"]
        assert [line["correlation_id"] for line in minted] == [request_id]


_LOG_EVENT_PROBE = """
import json, sys
sys.path[:0] = ["src", "."]
from tests.cookie_issuer.conftest import FakeContext
from tests.cookie_issuer.support import load_event
from cookie_issuer.app import lambda_handler
token = sys.argv[1]
event = load_event("permissions", token)
event["cookies"] = ["linc_session=" + token]
result = lambda_handler(event, FakeContext())
print("STATUS", result["statusCode"])
"""


def test_event_is_never_logged_even_with_powertools_log_event_on(tmp_path: Any) -> None:
    """`POWERTOOLS_LOGGER_LOG_EVENT=true` must not make the handler log events (tokens in them).

    Powertools reads the variable when the handler is decorated, so the issuer is imported in a
    fresh interpreter with the variable set; the configuration is incomplete on purpose (no
    KEY_PAIR_ID), so the request ends at a 503 without any network.
    """
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    token = "eyJhbGciOiJSUzI1NiJ9." + "TOKENBODY" * 8 + ".c2lnbmF0dXJlLXNlY3JldC12YWx1ZQ"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("POWERTOOLS_", "AWS_")) and k not in BASE
    }
    env.update(
        POWERTOOLS_LOGGER_LOG_EVENT="true",
        POWERTOOLS_LOG_LEVEL="DEBUG",
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_METRICS_NAMESPACE="Test",
        AWS_DEFAULT_REGION="us-east-1",
    )
    probe = subprocess.run(
        [sys.executable, "-c", _LOG_EVENT_PROBE, token],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = probe.stdout + probe.stderr
    assert "STATUS 503" in probe.stdout, output[-2000:]
    assert '"Failures"' in output  # stdout was captured: the 503's Failures metric is there
    assert "TOKENBODY" not in output
    assert "signature-secret" not in output and "c2lnbmF0dXJlLXNlY3JldC12YWx1ZQ" not in output
