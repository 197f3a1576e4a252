"""Who exists in the local archive at start: demo users and the issuer's client registration.

No Django here: the stack builds these, sends them to the archive process on its stdin (never
on the command line, in the environment or on disk), and describes them in `stack.json`
(without the client secret, which goes to local Secrets Manager).

- `demo_users()`: `alice` (APPROVED) and `bob` (PENDING), each with a fresh DRF API key
  (40 hex digits, as `rest_framework.authtoken` makes them).
- `OAuthClient.new(redirect_uri, skip_authorization)`: a confidential authorization-code client
  with a fresh client id and secret, what an archive admin registers for the issuer. Its
  redirect URI must be an absolute https URL, or plain http on a loopback host (the one place
  the local provider accepts http: the viewer's callback on the TLS-less emulator).
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from cookie_issuer.settings import is_loopback

STATUSES: Final = ("INCOMPLETE", "PENDING", "APPROVED", "REJECTED")
CLIENT_NAME: Final = "LINC viewer (linc-edge-auth, local stack)"


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    email: str
    status: str
    api_token: str = field(repr=False)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def approved(self) -> bool:
        return self.status == "APPROVED"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _api_key() -> str:
    return secrets.token_hex(20)


def demo_users() -> list[DemoUser]:
    """Fresh API keys each start (`stack.json` lists them for harnesses)."""
    return [
        DemoUser("alice", "Alice", "Approved", "alice@example.org", "APPROVED", _api_key()),
        DemoUser("bob", "Bob", "Pending", "bob@example.org", "PENDING", _api_key()),
    ]


@dataclass(frozen=True, slots=True)
class OAuthClient:
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    skip_authorization: bool = True
    name: str = CLIENT_NAME

    def __post_init__(self) -> None:
        parts = urlsplit(self.redirect_uri)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.fragment:
            raise ValueError(f"redirect URI {self.redirect_uri!r}: an absolute http(s) URL")
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            raise ValueError(f"redirect URI {self.redirect_uri!r}: plain http only on loopback")

    @classmethod
    def new(cls, redirect_uri: str, skip_authorization: bool = True) -> OAuthClient:
        # django-oauth-toolkit's generators make 40- and 128-character values; so do these.
        client_id, secret = secrets.token_hex(20), secrets.token_urlsafe(96)
        return cls(client_id, secret, redirect_uri, skip_authorization)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
