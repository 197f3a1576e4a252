"""The JWT-mode interface of the local archive: session JWT, its JWKS, the `next` allowlist.

Not part of the real LINC archive (it has no JWT session cookie and follows only same-host
`next`): this is what an archive must add for the issuer's JWT mode, kept here so that mode stays
covered by the local stack and its tests while OAuth2 becomes the default. No Django in this
module: the archive's views use it, and so do harnesses that mint a session without a browser.

- `SessionJwt(private_key_pem, kid, issuer).mint(username, name, status)`: an RS256 JWT with
  `iss`, `aud` (AUDIENCE), `sub`, `name`, `status`, `approved`, `iat`, `exp` (SESSION_SECONDS),
  and `kid` in the header; `jwks()` is the public key as a JWK Set.
- `viewer_callback_target(candidate, public_origin, local_origin)`: the URL to follow for a
  `next` naming the viewer's `/_auth/callback` on its public (`https://`) or local origin, always
  on the local origin (the emulator has no TLS); None for anything else.
"""

from __future__ import annotations

import json
import time
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from edge_auth.auth_routes import CALLBACK_PATH

SESSION_COOKIE: Final = "linc_session"
AUDIENCE: Final = "linc-viewer"
SESSION_SECONDS: Final = 8 * 3600


class SessionJwt:
    def __init__(self, private_key_pem: str, kid: str, issuer: str) -> None:
        key = serialization.load_pem_private_key(private_key_pem.encode("ascii"), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the archive session key must be an RSA key (RS256)")
        self._key = key
        self.kid = kid
        self.issuer = issuer

    def mint(self, username: str, name: str, status: str, lifetime: int = SESSION_SECONDS) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": username,
            "name": name,
            "status": status,
            "approved": status == "APPROVED",
            "iat": now,
            "exp": now + lifetime,
        }
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}


def viewer_callback_target(
    candidate: str | None, public_origin: str, local_origin: str
) -> str | None:
    """The local URL to follow for `next`, only for the viewer's /_auth/callback."""
    if not candidate or not local_origin:
        return None
    for origin in (public_origin, local_origin):
        if not origin:
            continue
        prefix = origin + CALLBACK_PATH
        if candidate == prefix or candidate.startswith(prefix + "?"):
            return local_origin + candidate[len(origin) :]
    return None
