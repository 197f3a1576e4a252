"""The emulator's CloudFront signed-cookie check, against cookies built independently."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from edge_auth.cookie_policy import build_canned_policy, build_custom_policy, cf_b64encode
from local_stack.cloudfront.signed_cookies import (
    ACCESS_DENIED,
    MISSING_KEY,
    UNKNOWN_KEY,
    SignedCookieVerifier,
    is_signed_url,
)
from local_stack.keys import key_pair_id_for, public_pem

URL = "https://viewer.example.org/zarr/abc/0/0.0.0"
NOW = 1_800_000_000


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _header(cookies: dict[str, str]) -> list[str]:
    return ["; ".join(f"{k}={v}" for k, v in cookies.items())]


def _sign(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, data: bytes, sha256: bool) -> bytes:
    digest = hashes.SHA256() if sha256 else hashes.SHA1()
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), digest)
    return key.sign(data, ec.ECDSA(digest))


def _custom(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, sha256: bool, **policy: object
) -> dict[str, str]:
    text = build_custom_policy(
        str(policy.get("resource", "https://viewer.example.org/*")),
        int(policy.get("expires", NOW + 3600)),  # type: ignore[call-overload]
        policy.get("not_before"),  # type: ignore[arg-type]
        policy.get("ip"),  # type: ignore[arg-type]
    ).encode()
    cookies = {
        "CloudFront-Policy": cf_b64encode(text),
        "CloudFront-Signature": cf_b64encode(_sign(key, text, sha256)),
        "CloudFront-Key-Pair-Id": key_pair_id_for(public_pem(key)),
    }
    if sha256:
        cookies["CloudFront-Hash-Algorithm"] = "SHA256"
    return cookies


@pytest.mark.parametrize("kind", ["rsa", "ec"])
@pytest.mark.parametrize("sha256", [False, True])
def test_custom_policy_rsa_and_ecdsa_sha1_and_sha256(
    request: pytest.FixtureRequest, kind: str, sha256: bool
) -> None:
    key = request.getfixturevalue(f"{kind}_key")
    verifier = SignedCookieVerifier([public_pem(key)])
    cookies = _custom(key, sha256)
    assert verifier.check(_header(cookies), URL, NOW, "127.0.0.1") is None
    # The hash algorithm cookie is part of what is verified: drop it or add it and it fails.
    other = dict(cookies)
    if sha256:
        del other["CloudFront-Hash-Algorithm"]
    else:
        other["CloudFront-Hash-Algorithm"] = "SHA256"
    assert verifier.check(_header(other), URL, NOW, "127.0.0.1") == ACCESS_DENIED


def test_botocore_signed_policy_verifies(rsa_key: rsa.RSAPrivateKey) -> None:
    """An independent implementation (botocore's CloudFrontSigner, SHA-1) is accepted."""
    key_id = key_pair_id_for(public_pem(rsa_key))
    signer = CloudFrontSigner(key_id, lambda data: _sign(rsa_key, data, False))
    policy = signer.build_policy(
        "https://viewer.example.org/*", datetime.fromtimestamp(NOW + 60, tz=UTC)
    ).encode()
    cookies = {
        "CloudFront-Policy": cf_b64encode(policy),
        "CloudFront-Signature": cf_b64encode(_sign(rsa_key, policy, False)),
        "CloudFront-Key-Pair-Id": key_id,
    }
    verifier = SignedCookieVerifier([public_pem(rsa_key)])
    assert verifier.check(_header(cookies), URL, NOW, None) is None


def test_conditions_are_checked_every_request_even_with_cached_signature(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    verifier = SignedCookieVerifier([public_pem(rsa_key)])
    cookies = _header(
        _custom(rsa_key, True, expires=NOW + 10, not_before=NOW - 10, ip="10.0.0.0/8")
    )
    assert verifier.check(cookies, URL, NOW, "10.1.2.3") is None
    assert verifier.signature_checks == 1
    assert verifier.check(cookies, URL, NOW, "10.1.2.3") is None
    assert verifier.signature_checks == 1  # cached
    assert verifier.check(cookies, URL, NOW + 10, "10.1.2.3") == ACCESS_DENIED  # expired
    assert verifier.check(cookies, URL, NOW - 20, "10.1.2.3") == ACCESS_DENIED  # not yet
    assert verifier.check(cookies, URL, NOW, "192.168.0.1") == ACCESS_DENIED  # other IP
    assert verifier.check(cookies, URL, NOW, None) == ACCESS_DENIED
    other = "https://other.example.org/zarr/abc/0/0.0.0"
    assert verifier.check(cookies, other, NOW, "10.1.2.3") == ACCESS_DENIED


def test_canned_policy_is_rebuilt_for_the_request_url(rsa_key: rsa.RSAPrivateKey) -> None:
    verifier = SignedCookieVerifier([public_pem(rsa_key)])
    expires = NOW + 100
    signature = _sign(rsa_key, build_canned_policy(URL, expires).encode(), False)
    cookies = _header(
        {
            "CloudFront-Expires": str(expires),
            "CloudFront-Signature": cf_b64encode(signature),
            "CloudFront-Key-Pair-Id": key_pair_id_for(public_pem(rsa_key)),
        }
    )
    assert verifier.check(cookies, URL, NOW, None) is None
    assert verifier.check(cookies, URL + "1", NOW, None) == ACCESS_DENIED
    assert verifier.check(cookies, URL, expires, None) == ACCESS_DENIED


def test_missing_unknown_ambiguous(
    rsa_key: rsa.RSAPrivateKey, ec_key: ec.EllipticCurvePrivateKey
) -> None:
    verifier = SignedCookieVerifier([public_pem(rsa_key)])
    assert verifier.check([], URL, NOW, None) == MISSING_KEY
    cookies = _custom(rsa_key, True)
    assert (
        verifier.check(_header({**cookies, "CloudFront-Key-Pair-Id": ""}), URL, NOW, None)
        == MISSING_KEY
    )
    assert verifier.check(_header(_custom(ec_key, True)), URL, NOW, None) == UNKNOWN_KEY
    twice = [*_header(cookies), "CloudFront-Policy=" + cookies["CloudFront-Policy"]]
    assert verifier.check(twice, URL, NOW, None) == ACCESS_DENIED
    garbage = {**cookies, "CloudFront-Policy": "%%%"}
    assert verifier.check(_header(garbage), URL, NOW, None) == ACCESS_DENIED


def test_key_group_with_two_keys_accepts_both(
    rsa_key: rsa.RSAPrivateKey, ec_key: ec.EllipticCurvePrivateKey
) -> None:
    verifier = SignedCookieVerifier([public_pem(rsa_key), public_pem(ec_key)])
    now = time.time()
    url = "https://viewer.example.org/x"
    for key in (rsa_key, ec_key):
        assert verifier.check(_header(_custom(key, True, expires=now + 60)), url, now, None) is None


def _as_query(cookies: dict[str, str]) -> str:
    names = {
        "CloudFront-Policy": "Policy",
        "CloudFront-Signature": "Signature",
        "CloudFront-Key-Pair-Id": "Key-Pair-Id",
        "CloudFront-Hash-Algorithm": "Hash-Algorithm",
    }
    return "&".join(f"{names[k]}={v}" for k, v in cookies.items())


@pytest.mark.parametrize("sha256", [False, True])
def test_signed_url_with_custom_policy(rsa_key: rsa.RSAPrivateKey, sha256: bool) -> None:
    verifier = SignedCookieVerifier([public_pem(rsa_key)])
    query = _as_query(_custom(rsa_key, sha256, resource="https://viewer.example.org/zarr/*"))
    assert is_signed_url(query) and not is_signed_url("x=1&expires=2")
    assert verifier.check_signed_url(query, URL, NOW, None) is None
    # Other parameters stay part of the URL the policy must cover; order does not matter.
    assert verifier.check_signed_url("a=1&" + query + "&b=2", URL, NOW, None) is None
    assert verifier.check_signed_url(query, "https://viewer.example.org/other", NOW, None) == (
        ACCESS_DENIED
    )
    # A signed-URL parameter twice is ambiguous: refused.
    first = query.split("&")[0]
    assert verifier.check_signed_url(query + "&" + first, URL, NOW, None) == ACCESS_DENIED
    assert verifier.check_signed_url("Policy=e30_", URL, NOW, None) == MISSING_KEY


def test_signed_url_with_canned_policy_covers_the_url_without_its_parameters(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    verifier = SignedCookieVerifier([public_pem(rsa_key)])
    expires = NOW + 60
    covered = URL + "?v=2"
    signature = _sign(rsa_key, build_canned_policy(covered, expires).encode(), False)
    key_id = key_pair_id_for(public_pem(rsa_key))
    query = f"v=2&Expires={expires}&Signature={cf_b64encode(signature)}&Key-Pair-Id={key_id}"
    assert verifier.check_signed_url(query, URL, NOW, None) is None
    assert verifier.check_signed_url(query.replace("v=2", "v=3"), URL, NOW, None) == ACCESS_DENIED
    assert verifier.check_signed_url(query, URL, expires + 1, None) == ACCESS_DENIED
