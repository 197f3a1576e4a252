"""Hostile input: JWT attacks, malformed credentials, garbage cookies. Never 500, never cookies."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.cookie_issuer.support import (
    AUDIENCE,
    ISSUER,
    JWT_KID,
    assert_no_cookies_set,
    body_json,
    load_event,
)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _attacks(make: Any, archive_key: rsa.RSAPrivateKey) -> dict[str, str]:
    now = int(time.time())
    good = make()
    head, payload, _ = good.split(".")
    public_pem = archive_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = {
        "sub": "mallory",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 600,
        "status": "APPROVED",
    }
    # HS256 "signed" with the RSA public key (pyjwt refuses to do it, so sign by hand).
    import hashlib
    import hmac

    hs_head = _b64({"alg": "HS256", "typ": "JWT", "kid": JWT_KID})
    hs_body = _b64(claims)
    mac = hmac.new(public_pem, f"{hs_head}.{hs_body}".encode(), hashlib.sha256).digest()
    hs_token = f"{hs_head}.{hs_body}." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        "alg_none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "hs256_with_rsa_public_key": hs_token,
        "unknown_kid": make(headers={"kid": "someone-else"}, key=stranger),
        "kid_with_path": make(headers={"kid": "../../etc/passwd"}),
        "expired": make(iat=now - 7200, exp=now - 3600),
        "nbf_in_future": make(nbf=now + 3600),
        "wrong_aud": make(aud="another-app"),
        "wrong_iss": make(iss="https://evil.example.com"),
        "missing_exp": make(exp=None),
        "missing_sub": make(sub=None),
        "signature_stripped": f"{head}.{payload}.",
        "tampered_payload": f"{head}.{_b64(claims)}.{good.split('.')[2]}",
        "oversized": make(padding="x" * 6500),
        "jku_header": make(headers={"jku": "https://evil.example.com/jwks.json"}),
        "x5u_header": make(headers={"x5u": "https://evil.example.com/cert.pem"}),
        "signed_by_stranger_same_kid": make(key=stranger),
        "garbage": "not-a-jwt",
        # RFC 7519 NumericDate is a JSON number; pyjwt would int() these strings and accept them.
        "exp_as_string": make(exp=str(now + 600)),
        "iat_as_string": make(iat=str(now)),
        "nbf_as_string": make(nbf=str(now - 60)),
        "exp_as_bool": make(exp=True),
    }


ATTACK_NAMES = [
    "alg_none",
    "hs256_with_rsa_public_key",
    "unknown_kid",
    "kid_with_path",
    "expired",
    "nbf_in_future",
    "wrong_aud",
    "wrong_iss",
    "missing_exp",
    "missing_sub",
    "signature_stripped",
    "tampered_payload",
    "oversized",
    "jku_header",
    "x5u_header",
    "signed_by_stranger_same_kid",
    "garbage",
    "exp_as_string",
    "iat_as_string",
    "nbf_as_string",
    "exp_as_bool",
]


@pytest.mark.parametrize("attack", ATTACK_NAMES)
def test_jwt_attack_is_rejected_without_cookies(
    issuer_invoke: Any,
    issuer_token: Any,
    issuer_archive_key: rsa.RSAPrivateKey,
    issuer_jwks: Any,
    attack: str,
) -> None:
    token = _attacks(issuer_token, issuer_archive_key)[attack]
    api = issuer_invoke(load_event("permissions", token))
    assert api["statusCode"] == 401, (attack, api["body"])
    assert body_json(api)["message"]
    assert_no_cookies_set(api)
    page = load_event("callback", token)
    page["rawQueryString"] = "return=%2F&attempt=2"
    result = issuer_invoke(page)
    assert result["statusCode"] == 401
    assert_no_cookies_set(result)
    # Nothing the token named was ever fetched.
    assert all("evil" not in hit for hit in issuer_jwks.server.hits)


def test_unknown_kid_refetches_jwks_at_most_once_a_minute(
    issuer_invoke: Any, issuer_token: Any, issuer_jwks: Any
) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for i in range(10):
        token = issuer_token(headers={"kid": f"rotated-{i}"}, key=stranger)
        assert issuer_invoke(load_event("permissions", token))["statusCode"] == 401
    # One initial fetch plus one forced refetch for the first unknown kid, then none.
    assert len(issuer_jwks.server.hits) == 2


def test_key_rotation_new_kid_is_picked_up(
    issuer_invoke: Any, issuer_token: Any, issuer_jwks: Any
) -> None:
    assert issuer_invoke(load_event("permissions", issuer_token()))["statusCode"] == 200
    new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(new_key.public_key()))
    jwk.update({"kid": "archive-2026", "use": "sig", "alg": "RS256"})
    issuer_jwks.keys.append(jwk)
    token = issuer_token(headers={"kid": "archive-2026"}, key=new_key)
    assert issuer_invoke(load_event("permissions", token))["statusCode"] == 200


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer a b",
        "token",
        "token short",
        "Bearer " + "a" * 20000,
        "Negotiate xyz",
        "token !!!!!!!!!!!!",
    ],
)
def test_malformed_authorization_is_a_4xx(issuer_invoke: Any, authorization: str) -> None:
    event = load_event("permissions")
    event["headers"]["authorization"] = authorization
    result = issuer_invoke(event)
    assert result["statusCode"] in (400, 401), result
    assert body_json(result)["action"]
    assert_no_cookies_set(result)


@pytest.mark.parametrize(
    "cookies",
    [
        ["linc_session="],
        ["linc_session=%00%ff"],
        ["linc_session=" + "A" * 20000],
        ["linc_session=a.b.c"],
        ["=====", ";;;", "linc_session"],
        ["linc_session=\u00e9\u00e9.x.y"],
    ],
)
def test_garbage_session_cookies_never_500(issuer_invoke: Any, cookies: list[str]) -> None:
    event = load_event("callback")
    event["cookies"] = cookies
    event["rawQueryString"] = "return=%2F&attempt=2"
    result = issuer_invoke(event)
    assert result["statusCode"] == 401, result
    assert_no_cookies_set(result)


def test_hmac_configuration_refuses_asymmetric_tokens(
    issuer_invoke: Any, issuer_token: Any, issuer_aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    issuer_aws.create_secret(Name="linc/jwt-hmac", SecretString="s" * 48)
    monkeypatch.delenv("JWKS_URL")
    monkeypatch.setenv("JWT_KEY_SECRET_ID", "linc/jwt-hmac")
    monkeypatch.setenv("JWT_ALGORITHMS", "HS256")
    good = issuer_token(key="s" * 48, algorithm="HS256")
    assert issuer_invoke(load_event("permissions", good))["statusCode"] == 200
    rs = issuer_token()
    assert issuer_invoke(load_event("permissions", rs))["statusCode"] == 401
