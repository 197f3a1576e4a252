"""Minted cookies: policy from the shared codec, signatures that verify, botocore byte-equality."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from cookie_issuer.cookies import NOT_BEFORE_SKEW_SECONDS
from cookie_issuer.errors import MisconfiguredError
from cookie_issuer.signing import cloudfront_key_problem, load_signing_key
from edge_auth.cookie_policy import build_custom_policy, cf_b64decode, parse_policy_cookie
from tests.cookie_issuer.support import (
    KEY_PAIR_ID,
    SIGNING_SECRET_ID,
    VIEWER,
    body_json,
    live_cookie_values,
    load_event,
    pem,
    policy_bytes,
    set_cookies,
)


def test_rsa_sha1_cookies_verify_and_equal_botocore(
    issuer_invoke: Any, issuer_token: Any, issuer_signing_key: rsa.RSAPrivateKey
) -> None:
    before = int(time.time())
    result = issuer_invoke(load_event("permissions", issuer_token()))
    assert result["statusCode"] == 200
    body = body_json(result)
    cookies = body["cookies"]
    assert set(cookies) == {"CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"}
    assert cookies["CloudFront-Key-Pair-Id"] == KEY_PAIR_ID == body["key_pair_id"]
    assert body["resource"] == f"{VIEWER}/*"
    assert before + 43_200 <= body["expires"] <= int(time.time()) + 43_200
    policy = parse_policy_cookie(cookies["CloudFront-Policy"])
    assert policy.resource == f"{VIEWER}/*" and policy.not_after == body["expires"]
    # DateGreaterThan: issue time minus the clock skew allowance (the edge's mark of ours).
    issued = body["expires"] - 43_200
    assert policy.not_before == issued - NOT_BEFORE_SKEW_SECONDS
    raw_policy = policy_bytes(cookies["CloudFront-Policy"])
    signature = cf_b64decode(cookies["CloudFront-Signature"])
    issuer_signing_key.public_key().verify(signature, raw_policy, padding.PKCS1v15(), hashes.SHA1())

    # botocore's independent implementation: same policy bytes, same signature bytes.
    def rsa_signer(message: bytes) -> bytes:
        return issuer_signing_key.sign(message, padding.PKCS1v15(), hashes.SHA1())

    signer = CloudFrontSigner(KEY_PAIR_ID, rsa_signer)
    from datetime import UTC, datetime

    expiry = datetime.fromtimestamp(body["expires"], tz=UTC)
    not_before = datetime.fromtimestamp(policy.not_before, tz=UTC)
    boto_policy = signer.build_policy(f"{VIEWER}/*", expiry, date_greater_than=not_before)
    assert boto_policy.encode() == raw_policy
    url = signer.generate_presigned_url(f"{VIEWER}/zarr/x/.zattrs", policy=boto_policy)
    boto_signature = parse_qs(urlsplit(url).query)["Signature"][0]
    assert boto_signature == cookies["CloudFront-Signature"]
    # The Set-Cookie headers carry the same values with the documented attributes.
    assert live_cookie_values(result) == cookies
    for text in set_cookies(result).values():
        assert "Path=/" in text and "Secure" in text and "HttpOnly" in text
        assert "SameSite=Lax" in text and "Domain=" not in text
    assert "Max-Age=0" in set_cookies(result)["CloudFront-Hash-Algorithm"]


def test_sha256_adds_hash_algorithm_cookie(
    issuer_invoke: Any,
    issuer_token: Any,
    issuer_signing_key: rsa.RSAPrivateKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HASH_ALGORITHM", "SHA256")
    cookies = body_json(issuer_invoke(load_event("permissions", issuer_token())))["cookies"]
    assert cookies["CloudFront-Hash-Algorithm"] == "SHA256"
    issuer_signing_key.public_key().verify(
        cf_b64decode(cookies["CloudFront-Signature"]),
        cf_b64decode(cookies["CloudFront-Policy"]),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    with pytest.raises(Exception):  # noqa: B017 - a SHA-1 check must fail on a SHA-256 signature
        issuer_signing_key.public_key().verify(
            cf_b64decode(cookies["CloudFront-Signature"]),
            cf_b64decode(cookies["CloudFront-Policy"]),
            padding.PKCS1v15(),
            hashes.SHA1(),
        )


@pytest.mark.parametrize("hash_name", ["SHA1", "SHA256"])
def test_ecdsa_p256_signature_is_der_and_verifies(
    issuer_invoke: Any,
    issuer_token: Any,
    issuer_aws: Any,
    issuer_ec_signing_key: ec.EllipticCurvePrivateKey,
    monkeypatch: pytest.MonkeyPatch,
    hash_name: str,
) -> None:
    monkeypatch.setenv("HASH_ALGORITHM", hash_name)
    issuer_aws.put_secret_value(SecretId=SIGNING_SECRET_ID, SecretString=pem(issuer_ec_signing_key))
    cookies = body_json(issuer_invoke(load_event("permissions", issuer_token())))["cookies"]
    signature = cf_b64decode(cookies["CloudFront-Signature"])
    assert signature[0] == 0x30  # DER SEQUENCE, not raw r||s
    decode_dss_signature(signature)
    algorithm = hashes.SHA256() if hash_name == "SHA256" else hashes.SHA1()
    issuer_ec_signing_key.public_key().verify(
        signature, cf_b64decode(cookies["CloudFront-Policy"]), ec.ECDSA(algorithm)
    )


def test_policy_bytes_come_from_the_shared_codec(issuer_invoke: Any, issuer_token: Any) -> None:
    body = body_json(issuer_invoke(load_event("permissions", issuer_token())))
    not_before = body["expires"] - 43_200 - NOT_BEFORE_SKEW_SECONDS
    expected = build_custom_policy(f"{VIEWER}/*", body["expires"], not_before)
    assert policy_bytes(body["cookies"]["CloudFront-Policy"]).decode() == expected
    assert json.loads(expected)["Statement"][0]["Resource"] == f"{VIEWER}/*"


def test_weak_or_foreign_keys_are_refused() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(MisconfiguredError, match="RSA-1024; CloudFront accepts RSA-2048 or"):
        load_signing_key(pem(small))
    with pytest.raises(MisconfiguredError, match=r"curve secp384r1; .*ECDSA P-256"):
        load_signing_key(pem(ec.generate_private_key(ec.SECP384R1())))
    with pytest.raises(Exception, match="PEM"):
        # A real key's PEM envelope around garbage, built at test time (no PEM text in the repo).
        lines = pem(small).splitlines()
        load_signing_key("\n".join([lines[0], "not a key", lines[-1]]) + "\n")


def test_keys_cloudfront_cannot_verify_are_refused_though_stronger() -> None:
    """CloudFront takes RSA-2048 and ECDSA P-256 only: a stronger key is no better, it is unusable
    (every cookie it signs would be refused at the edge)."""
    rsa3072 = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    with pytest.raises(MisconfiguredError, match="RSA-3072; CloudFront accepts RSA-2048") as err:
        load_signing_key(pem(rsa3072))
    assert err.value.reason == "signing_key_invalid"
    assert "keys create" in err.value.message
    with pytest.raises(MisconfiguredError, match="Ed25519; CloudFront accepts RSA-2048"):
        load_signing_key(pem(ed25519.Ed25519PrivateKey.generate()))  # type: ignore[arg-type]
    for good in (
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        ec.generate_private_key(ec.SECP256R1()),
    ):
        assert cloudfront_key_problem(load_signing_key(pem(good)).public_key()) is None


def test_cookie_attributes_follow_settings(
    issuer_invoke: Any, issuer_token: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COOKIE_DOMAIN", ".example.org")
    monkeypatch.setenv("COOKIE_PERSISTENT", "true")
    monkeypatch.setenv("COOKIE_SECURE", "false")
    monkeypatch.setenv("COOKIE_TTL_SECONDS", "3600")
    result = issuer_invoke(load_event("permissions", issuer_token()))
    policy = set_cookies(result)["CloudFront-Policy"]
    assert "Domain=example.org" in policy and "Max-Age=3600" in policy
    assert "Secure" not in policy and "HttpOnly" in policy
    logout = issuer_invoke(load_event("logout"))
    for text in set_cookies(logout).values():
        assert "Domain=example.org" in text and "Path=/" in text and "Max-Age=0" in text


def test_secrets_manager_is_called_once_for_many_mints(
    issuer_invoke: Any, issuer_token: Any
) -> None:
    from cookie_issuer.runtime import get_runtime

    token = issuer_token()
    for _ in range(25):
        assert issuer_invoke(load_event("permissions", token))["statusCode"] == 200
    assert get_runtime().secrets.api_calls == 1
