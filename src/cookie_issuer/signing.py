"""CloudFront policy signatures: RSA (>= 2048 bit) or ECDSA P-256 keys, SHA-1 or SHA-256.

Contract: `load_signing_key(pem)` parses an unencrypted PEM private key and refuses anything
CloudFront cannot verify (RSA under 2048 bits, curves other than P-256, other key types) with
`MisconfiguredError`. `sign_policy(key, policy, hash_algorithm)` returns raw signature bytes:
RSA PKCS#1 v1.5 (deterministic: byte-equal to botocore's CloudFrontSigner with the same key), or
ECDSA as a DER-encoded ASN.1 sequence, the encoding CloudFront expects (as AWS's own SDK signers
produce). `CachedSigner` re-parses the PEM only when Secrets Manager hands back a different
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
MIN_RSA_BITS: Final = 2048


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
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise MisconfiguredError(
                f"issuer misconfigured: the signing key is RSA-{key.key_size}; CloudFront "
                f"needs at least {MIN_RSA_BITS} bits",
                reason="signing_key_invalid",
            )
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise MisconfiguredError(
                f"issuer misconfigured: the signing key uses curve {key.curve.name}; CloudFront "
                "accepts ECDSA keys on P-256 (prime256v1) only",
                reason="signing_key_invalid",
            )
        return key
    raise MisconfiguredError(
        "issuer misconfigured: the signing key must be RSA or ECDSA P-256",
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
