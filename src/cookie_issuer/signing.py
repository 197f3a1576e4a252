"""CloudFront policy signatures: RSA-2048 or ECDSA P-256 keys, SHA-1 or SHA-256.

Contract: `cloudfront_key_problem(key)` says why CloudFront would not take a key (public or
private), or None: CloudFront signed cookies take RSA-2048 and ECDSA P-256 ("CloudFront supports
signed URLs and signed cookies with RSA 2048 or ECDSA 256 key signatures", API reference,
PublicKey); it is the one rule, used here and by `linc-edge-auth keys`. `load_signing_key(pem)`
parses an unencrypted PEM private key and refuses, with `MisconfiguredError`, anything that rule
refuses (RSA-1024 or RSA-3072, curves other than P-256, Ed25519 and other key types).
`sign_policy(key, policy, hash_algorithm)` returns raw signature bytes: RSA PKCS#1 v1.5
(deterministic: byte-equal to botocore's CloudFrontSigner with the same key), or ECDSA as a
DER-encoded ASN.1 sequence, the encoding CloudFront expects (as AWS's own SDK signers produce).
`CachedSigner` re-parses the PEM only when Secrets Manager hands back a different
value, so a warm request costs one signature, not a key load.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Final

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from cookie_issuer.errors import MisconfiguredError
from edge_auth.cookie_policy import HASH_SHA256

SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
RSA_BITS: Final = 2048
CLOUDFRONT_KEY_TYPES: Final = "RSA-2048 or ECDSA P-256 (prime256v1)"


def cloudfront_key_problem(key: object) -> str | None:
    """Why CloudFront cannot verify signatures of `key` (public or private), or None."""
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        if key.key_size != RSA_BITS:
            return f"the key is RSA-{key.key_size}; CloudFront accepts {CLOUDFRONT_KEY_TYPES} only"
        return None
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, ec.SECP256R1):
            return (
                f"the key uses curve {key.curve.name}; CloudFront accepts "
                f"{CLOUDFRONT_KEY_TYPES} only"
            )
        return None
    kind = type(key).__name__.lstrip("_").removesuffix("PrivateKey").removesuffix("PublicKey")
    return f"the key is {kind or 'of another type'}; CloudFront accepts {CLOUDFRONT_KEY_TYPES} only"


def load_signing_key(pem: str | bytes) -> SigningKey:
    data = pem.encode("utf-8") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        # The parser's message may quote key bytes: never pass it on.
        raise MisconfiguredError(
            "issuer misconfigured: SIGNING_KEY_SECRET_ID does not hold an unencrypted PEM "
            "private key",
            reason="signing_key_invalid",
        ) from None
    problem = cloudfront_key_problem(key)
    if problem is None and isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        return key
    raise MisconfiguredError(
        f"issuer misconfigured: SIGNING_KEY_SECRET_ID holds a key CloudFront cannot use: "
        f"{problem}. Create one with `linc-edge-auth keys create`.",
        reason="signing_key_invalid",
    )


def _hash(hash_algorithm: str) -> hashes.HashAlgorithm:
    # SHA-1 is CloudFront's default and what it assumes without a Hash-Algorithm cookie.
    return hashes.SHA256() if hash_algorithm == HASH_SHA256 else hashes.SHA1()  # noqa: S303


def sign_policy(key: SigningKey, policy: bytes, hash_algorithm: str) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(policy, padding.PKCS1v15(), _hash(hash_algorithm))
    return key.sign(policy, ec.ECDSA(_hash(hash_algorithm)))


class CachedSigner:
    """Signs with the key `pem_source()` returns, parsing each distinct PEM once."""

    def __init__(self, pem_source: Callable[[], str], hash_algorithm: str) -> None:
        self._pem_source = pem_source
        self._hash_algorithm = hash_algorithm
        self._digest: bytes | None = None
        self._key: SigningKey | None = None
        self._pem: str | None = None

    def current_key(self) -> SigningKey:
        pem = self._pem_source()
        # Powertools hands back its cached str object while the cache is fresh: no need to hash.
        if pem is self._pem and self._key is not None:
            return self._key
        digest = hashlib.sha256(pem.encode("utf-8")).digest()
        if self._key is None or digest != self._digest:
            self._key = load_signing_key(pem)
            self._digest = digest
        self._pem = pem
        return self._key

    def sign(self, policy: bytes) -> bytes:
        return sign_policy(self.current_key(), policy, self._hash_algorithm)
