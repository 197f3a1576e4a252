"""CloudFront's signed-cookie and signed-URL check for a behavior with a trusted key group.

Contract: `SignedCookieVerifier(public_key_pems)` holds the key group (ids derived with
`keys.key_pair_id_for`, as the emulator's stand-in for CloudFront's public key ids).
`verifier.check(cookie_header_values, url, now, client_ip)` returns `None` when CloudFront would
serve the request, or a `Denial(code, message)` for its 403 XML body:
- no `CloudFront-Key-Pair-Id` (or no CloudFront cookies at all): `MissingKey`,
  "Missing Key-Pair-Id query parameter or cookie value";
- a key pair id outside the key group: `AccessDenied`, "Unknown Key";
- anything else (ambiguous or malformed cookies, bad signature, expired, not yet valid, other
  resource, other IP): `AccessDenied`, "Access denied".
`verifier.check_signed_url(query, url, now, client_ip)` judges a request whose query carries a
signed-URL parameter (`is_signed_url(query)`: `Expires`, `Policy`, `Signature`, `Key-Pair-Id`) as
CloudFront does, on the URL alone, whatever cookies come with it: "If you use both signed URLs
and signed cookies to control access to the same files and a viewer uses a signed URL to request
a file, CloudFront determines whether to return the file to the viewer based only on the signed
URL" (CloudFront Developer Guide, "Use signed cookies"). The same answers as for cookies; the
policy's resource (and a canned policy's URL) is the request URL without the signed-URL
parameters; a signed-URL parameter given twice is refused.
Policies are decoded with `edge_auth.cookie_policy` (custom: `CloudFront-Policy`; canned:
`CloudFront-Expires`, whose policy is rebuilt with `build_canned_policy` for the request URL).
Signatures: RSA PKCS#1 v1.5 or ECDSA (DER), SHA-1 unless `CloudFront-Hash-Algorithm: SHA256`.
Base64 must be canonical (one encoding per byte string; an emulator choice, stricter than a
lenient decoder). Only the signature result is cached (per policy bytes, signature, key id,
algorithm); the time, resource and IP conditions are evaluated on every request.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from edge_auth.cookie_header import cloudfront_cookies
from edge_auth.cookie_policy import (
    COOKIE_EXPIRES,
    COOKIE_HASH_ALGORITHM,
    COOKIE_KEY_PAIR_ID,
    COOKIE_POLICY,
    COOKIE_SIGNATURE,
    HASH_SHA1,
    HASH_SHA256,
    Policy,
    PolicyError,
    build_canned_policy,
    cf_b64decode,
    parse_expires_cookie,
    parse_policy_json,
)
from local_stack.keys import key_pair_id_for

SIGNATURE_CACHE_SIZE: Final = 4096
ERROR_XML: Final = (
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
    "<Message>{message}</Message></Error>"
)


@dataclass(frozen=True, slots=True)
class Denial:
    code: str
    message: str

    def xml(self) -> bytes:
        return ERROR_XML.format(code=self.code, message=self.message).encode("utf-8")


MISSING_KEY: Final = Denial("MissingKey", "Missing Key-Pair-Id query parameter or cookie value")
UNKNOWN_KEY: Final = Denial("AccessDenied", "Unknown Key")
ACCESS_DENIED: Final = Denial("AccessDenied", "Access denied")

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey
#: The query parameters of a signed URL, and the cookie each stands for.
SIGNED_URL_PARAMETERS: Final = {
    "Expires": COOKIE_EXPIRES,
    "Policy": COOKIE_POLICY,
    "Signature": COOKIE_SIGNATURE,
    "Key-Pair-Id": COOKIE_KEY_PAIR_ID,
}
_HASH_ALGORITHM_PARAMETER: Final = "Hash-Algorithm"


def _query_pairs(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=True)


def is_signed_url(query: str) -> bool:
    """Whether CloudFront judges this request as a signed URL (any signed-URL parameter)."""
    return any(name in SIGNED_URL_PARAMETERS for name, _ in _query_pairs(query))


def _load_public_key(pem: str) -> PublicKey:
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise ValueError("CloudFront public keys are RSA or ECDSA P-256")
    return key


class SignedCookieVerifier:
    def __init__(self, public_key_pems: Iterable[str]) -> None:
        self.keys: dict[str, PublicKey] = {
            key_pair_id_for(pem): _load_public_key(pem) for pem in public_key_pems
        }
        self.signature_checks = 0
        # Bound per instance, so a new key group never sees another one's cached answers.
        self._verify = functools.lru_cache(maxsize=SIGNATURE_CACHE_SIZE)(self._verify_uncached)

    def _verify_uncached(
        self, policy: bytes, signature: bytes, key_pair_id: str, algorithm: str
    ) -> bool:
        self.signature_checks += 1
        key = self.keys[key_pair_id]
        digest = hashes.SHA256() if algorithm == HASH_SHA256 else hashes.SHA1()  # noqa: S303
        try:
            if isinstance(key, rsa.RSAPublicKey):
                key.verify(signature, policy, padding.PKCS1v15(), digest)
            else:
                key.verify(signature, policy, ec.ECDSA(digest))
        except (InvalidSignature, ValueError):
            return False
        return True

    def check(
        self, cookie_values: Iterable[str], url: str, now: float, client_ip: str | None
    ) -> Denial | None:
        cookies = cloudfront_cookies(cookie_values)
        if cookies is None:
            return ACCESS_DENIED  # a CloudFront cookie name twice: ambiguous, refused
        return self._check(cookies, url, now, client_ip)

    def check_signed_url(
        self, query: str, url: str, now: float, client_ip: str | None
    ) -> Denial | None:
        """`url` is scheme, host and path; the signed-URL parameters are taken out of `query`."""
        signed: dict[str, str] = {}
        rest: list[str] = []
        for part in query.split("&") if query else []:
            pairs = _query_pairs(part)
            name = pairs[0][0] if pairs else ""
            cookie = SIGNED_URL_PARAMETERS.get(name) or (
                COOKIE_HASH_ALGORITHM if name == _HASH_ALGORITHM_PARAMETER else None
            )
            if cookie is None:
                rest.append(part)
            elif cookie in signed:
                return ACCESS_DENIED  # a signed-URL parameter twice: ambiguous, refused
            else:
                signed[cookie] = pairs[0][1]
        resource = url + ("?" + "&".join(rest) if rest else "")
        return self._check(signed, resource, now, client_ip)

    def _check(
        self, cookies: Mapping[str, str], url: str, now: float, client_ip: str | None
    ) -> Denial | None:
        key_pair_id = cookies.get(COOKIE_KEY_PAIR_ID, "")
        if not key_pair_id:
            return MISSING_KEY
        if key_pair_id not in self.keys:
            return UNKNOWN_KEY
        algorithm = cookies.get(COOKIE_HASH_ALGORITHM, HASH_SHA1)
        if algorithm not in (HASH_SHA1, HASH_SHA256):
            return ACCESS_DENIED
        try:
            signature = cf_b64decode(cookies.get(COOKIE_SIGNATURE, ""))
            if COOKIE_POLICY in cookies:
                policy_bytes = cf_b64decode(cookies[COOKIE_POLICY])
                policy: Policy = parse_policy_json(policy_bytes.decode("utf-8"))
            elif COOKIE_EXPIRES in cookies:
                expires = parse_expires_cookie(cookies[COOKIE_EXPIRES])
                policy_bytes = build_canned_policy(url, expires).encode("utf-8")
                policy = Policy(resource=url, not_after=expires)
            else:
                return ACCESS_DENIED
        except (PolicyError, UnicodeDecodeError):
            return ACCESS_DENIED
        if not self._verify(policy_bytes, signature, key_pair_id, algorithm):
            return ACCESS_DENIED
        if not policy.allows(url, now, 0, client_ip):
            return ACCESS_DENIED
        return None
