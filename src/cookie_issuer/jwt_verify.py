"""Archive session JWT verification (pyjwt), keys from a JWKS URL or from Secrets Manager.

Contract: `JwtVerifier.verify(token)` returns the verified claims or raises
`UnauthenticatedError` (bad, expired, foreign or oversized token) or
`DependencyUnavailableError` (JWKS or Secrets Manager unreachable with nothing cached). It never
follows a URL named by the token: `jku`, `x5u`, `jwk` and `x5c` headers are refused outright, the
`alg` must be in the configured allowlist (never `none`), `kid` must be a plain identifier, and
`exp`, `iat`, `sub`, `iss`, `aud` are required and checked against configuration with at most
60 s leeway; `exp`, `iat` and `nbf` must be JSON numbers (RFC 7519 NumericDate), never numeric
strings, which pyjwt would otherwise convert. A JWKS URL that answers something other than a
JSON key set (an HTML error page, a cut-off body) is reported as the JWKS being unreachable.
JWKS keys are cached by `PyJWKClient`; an unknown `kid` forces at most one refetch per
KID_REFETCH_INTERVAL_SECONDS, so garbage tokens cannot hammer the archive's JWKS endpoint.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives import serialization

from cookie_issuer.errors import DependencyUnavailableError, UnauthenticatedError
from cookie_issuer.settings import MAX_JWT_LEEWAY_SECONDS, Settings

MAX_TOKEN_BYTES: Final = 8192
KID_REFETCH_INTERVAL_SECONDS: Final = 60.0
JWKS_TIMEOUT_SECONDS: Final = 3.0
JWKS_CACHE_SECONDS: Final = 300
REQUIRED_CLAIMS: Final = ("exp", "iat", "sub", "iss", "aud")
NUMERIC_DATE_CLAIMS: Final = ("exp", "iat", "nbf")
_FORBIDDEN_HEADERS: Final = frozenset({"jku", "x5u", "jwk", "x5c", "crit"})
_KID: Final = re.compile(r"[A-Za-z0-9_.=-]{1,128}")
_JWT_SHAPE: Final = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def _invalid(message: str, reason: str = "session_invalid") -> UnauthenticatedError:
    return UnauthenticatedError(message, reason=reason)


class JwtVerifier:
    def __init__(
        self,
        settings: Settings,
        secret_text: Callable[[str], str],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._secret_text = secret_text
        self._clock = clock
        self._algorithms = list(settings.jwt_algorithms)
        self._leeway = min(settings.jwt_leeway_seconds, MAX_JWT_LEEWAY_SECONDS)
        self._jwks: jwt.PyJWKClient | None = None
        if settings.jwks_url:
            self._jwks = jwt.PyJWKClient(
                settings.jwks_url,
                cache_keys=False,
                cache_jwk_set=True,
                lifespan=JWKS_CACHE_SECONDS,
                timeout=JWKS_TIMEOUT_SECONDS,
            )
        self._last_forced_refetch = -KID_REFETCH_INTERVAL_SECONDS
        self._lock = threading.Lock()
        self._secret_text_seen: str | None = None
        self._secret_key: Any = None

    # -- keys -----------------------------------------------------------------------------
    def _jwks_key(self, kid: str | None) -> Any:
        assert self._jwks is not None
        if kid is None:
            raise _invalid("The session token names no key (kid).")
        try:
            with self._lock:
                key = self._jwks.match_kid(self._jwks.get_signing_keys(), kid)
                now = self._clock()
                if key is None and now - self._last_forced_refetch >= KID_REFETCH_INTERVAL_SECONDS:
                    self._last_forced_refetch = now
                    key = self._jwks.match_kid(self._jwks.get_signing_keys(refresh=True), kid)
        except jwt.PyJWKClientConnectionError as exc:
            raise DependencyUnavailableError(
                "The archive's signing keys (JWKS) could not be fetched.",
                reason="jwks_unreachable",
            ) from exc
        except (ValueError, http.client.HTTPException, OSError) as exc:
            # pyjwt lets json.load's error (an HTML page, say) and a cut-off read through: the
            # endpoint answered, but not with keys, which for the user is the same outage.
            raise DependencyUnavailableError(
                "The archive's signing keys (JWKS) could not be fetched: the JWKS URL did not "
                "answer a JSON key set.",
                reason="jwks_unreachable",
            ) from exc
        except (jwt.PyJWKClientError, jwt.PyJWKSetError, jwt.PyJWKError) as exc:
            raise DependencyUnavailableError(
                "The archive's signing keys (JWKS) are not a usable key set.",
                reason="jwks_unreachable",
            ) from exc
        if key is None:
            raise _invalid("The session token was signed with a key the archive does not publish.")
        return key.key

    def _secret_key_for(self) -> Any:
        assert self._settings.jwt_key_secret_id is not None
        text = self._secret_text(self._settings.jwt_key_secret_id)
        if text is not self._secret_text_seen:
            if self._settings.jwt_uses_hmac:
                self._secret_key = text.encode("utf-8")
            else:
                try:
                    self._secret_key = serialization.load_pem_public_key(text.encode("utf-8"))
                except (ValueError, TypeError):
                    raise DependencyUnavailableError(
                        "issuer misconfigured: JWT_KEY_SECRET_ID does not hold a PEM public key",
                        reason="misconfigured",
                    ) from None
            # Powertools returns the cached object itself while the cache is fresh.
            self._secret_text_seen = text
        return self._secret_key

    # -- verification ---------------------------------------------------------------------
    def _checked_header(self, token: str) -> dict[str, Any]:
        if len(token) > MAX_TOKEN_BYTES:
            raise _invalid(
                f"The session token is larger than {MAX_TOKEN_BYTES} bytes.", "token_too_large"
            )
        if not token.isascii() or not _JWT_SHAPE.fullmatch(token):
            raise _invalid("The session token is not a JWT.", "token_malformed")
        # Only the header segment is decoded here (pyjwt's get_unverified_header decodes the
        # whole token); pyjwt decodes and checks everything again in verify().
        segment = token.split(".", 1)[0]
        try:
            header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
        except (ValueError, binascii.Error):
            raise _invalid("The session token is not a JWT.", "token_malformed") from None
        if not isinstance(header, dict):
            raise _invalid("The session token is not a JWT.", "token_malformed")
        forbidden = _FORBIDDEN_HEADERS.intersection(header)
        if forbidden:
            raise _invalid(
                f"The session token carries a {sorted(forbidden)[0]} header; keys come only "
                "from the issuer's configuration."
            )
        if header.get("alg") not in self._algorithms:
            raise _invalid("The session token uses an algorithm this issuer does not accept.")
        kid = header.get("kid")
        if kid is not None and (not isinstance(kid, str) or not _KID.fullmatch(kid)):
            raise _invalid("The session token's key id (kid) is malformed.")
        return header

    def verify(self, token: str) -> dict[str, Any]:
        header = self._checked_header(token)
        key = self._jwks_key(header.get("kid")) if self._jwks else self._secret_key_for()
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=self._algorithms,
                audience=self._settings.jwt_audience,
                issuer=self._settings.jwt_issuer,
                leeway=self._leeway,
                options={"require": list(REQUIRED_CLAIMS), "verify_signature": True},
            )
        except jwt.ExpiredSignatureError:
            raise _invalid("Your archive session has expired.", "session_expired") from None
        except jwt.ImmatureSignatureError:
            raise _invalid("The session token is not valid yet (nbf/iat in the future).") from None
        except jwt.InvalidAudienceError:
            raise _invalid("The session token was issued for another audience.") from None
        except jwt.InvalidIssuerError:
            raise _invalid("The session token was issued by someone else.") from None
        except jwt.MissingRequiredClaimError as exc:
            raise _invalid(f"The session token lacks the {exc.claim!r} claim.") from None
        except jwt.InvalidSignatureError:
            raise _invalid("The session token's signature does not verify.") from None
        except (jwt.PyJWTError, TypeError, ValueError):
            raise _invalid("The session token could not be verified.") from None
        for name in NUMERIC_DATE_CLAIMS:
            value = claims.get(name)
            if name in claims and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise _invalid(f"The session token's {name!r} claim is not a number.")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise _invalid("The session token's subject (sub) is not a string.")
        return claims
