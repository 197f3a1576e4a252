"""Sealed cookie values: AES-256-GCM, bound to a purpose and an expiry.

Contract: `Sealer(keys)` takes one or more 32-byte keys (the first seals, every one opens: key
rotation). `sealer.seal(purpose, data, ttl_seconds, now)` returns a cookie-safe string (base64url
of nonce + ciphertext) of the JSON `{"p": purpose, "x": expiry, "d": data}`; the purpose is also
the AEAD's associated data, so a value sealed for one purpose never opens as another (a refresh
cookie cannot be replayed as a state cookie). `sealer.open(purpose, value, now)` returns `data`,
or raises `SealError` for anything else: wrong purpose, expired, tampered, foreign key, garbage.
`parse_keys(text)` reads the Secrets Manager value: base64 keys separated by commas, newest
first; `new_key_text()` makes one. Keys and sealed contents never reach a message or a log.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Sequence
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES: Final = 32
NONCE_BYTES: Final = 12
#: Browsers keep 4096 bytes per cookie (name included); refuse to open anything larger.
MAX_SEALED_CHARS: Final = 4000
PURPOSE_STATE: Final = "oauth-state"
PURPOSE_SESSION: Final = "oauth-session"


class SealError(ValueError):
    """A sealed value did not open; the message says which check failed, never the contents."""


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parse_keys(text: str) -> tuple[bytes, ...]:
    keys = []
    for item in text.split(","):
        item = item.strip()
        try:
            key = base64.b64decode(item.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            raise SealError("sealing key is not base64") from None
        if len(key) != KEY_BYTES:
            raise SealError(f"sealing key must be {KEY_BYTES} bytes")
        keys.append(key)
    return tuple(keys)


def new_key_text() -> str:
    """A fresh key in the Secrets Manager format (standard base64 of 32 random bytes)."""
    return base64.b64encode(AESGCM.generate_key(bit_length=KEY_BYTES * 8)).decode("ascii")


class Sealer:
    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise SealError("no sealing key")
        self._aeads = [AESGCM(key) for key in keys]

    def seal(self, purpose: str, data: Any, ttl_seconds: int, now: float) -> str:
        payload = json.dumps(
            {"p": purpose, "x": int(now) + ttl_seconds, "d": data}, separators=(",", ":")
        ).encode("utf-8")
        nonce = os.urandom(NONCE_BYTES)
        sealed = nonce + self._aeads[0].encrypt(nonce, payload, purpose.encode("ascii"))
        return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")

    def open(self, purpose: str, value: str, now: float) -> Any:
        if not value or len(value) > MAX_SEALED_CHARS:
            raise SealError("sealed value empty or too large")
        try:
            raw = _b64decode(value)
        except (binascii.Error, ValueError):
            raise SealError("sealed value is not base64url") from None
        if len(raw) <= NONCE_BYTES + 16:
            raise SealError("sealed value too short")
        nonce, ciphertext = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
        for aead in self._aeads:
            try:
                payload = aead.decrypt(nonce, ciphertext, purpose.encode("ascii"))
                break
            except InvalidTag:
                continue
        else:
            raise SealError("sealed value does not open (tampered, foreign key or purpose)")
        try:
            content = json.loads(payload)
        except ValueError:
            raise SealError("sealed value is not JSON") from None
        if not isinstance(content, dict) or content.get("p") != purpose:
            raise SealError("sealed value has another purpose")
        expiry = content.get("x")
        if not isinstance(expiry, int) or expiry <= now:
            raise SealError("sealed value expired")
        return content.get("d")
