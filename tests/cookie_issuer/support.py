"""Constants, event loading and assertions shared by the issuer tests (tests/cookie_issuer/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from edge_auth.cookie_policy import cf_b64decode

EVENTS = Path(__file__).resolve().parents[2] / "events" / "issuer"
SIGNING_SECRET_ID = "linc/cloudfront-signing-key"
KEY_PAIR_ID = "K2JCJMDEHXQW5F"
VIEWER = "https://viewer.example.org"
ISSUER = "https://archive.example.org"
AUDIENCE = "linc-viewer"
JWT_KID = "archive-2025"
SESSION_COOKIE = "linc_session"
ARCHIVE_ORIGIN = "https://archive.example.org"


def pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def load_event(name: str, token: str | None = None) -> dict[str, Any]:
    text = (EVENTS / f"{name}.json").read_text()
    if token is not None:
        text = text.replace("__SESSION_TOKEN__", token)
    event: dict[str, Any] = json.loads(text)
    return event


def set_cookies(result: dict[str, Any]) -> dict[str, str]:
    """name -> full Set-Cookie string of a v2 result."""
    return {c.split("=", 1)[0]: c for c in result.get("cookies", [])}


def live_cookie_values(result: dict[str, Any]) -> dict[str, str]:
    """Cookies the response sets to a value (expirations left out)."""
    values = {}
    for text in result.get("cookies", []):
        if "Max-Age=0" in text:
            continue
        name, _, rest = text.partition("=")
        values[name] = rest.split(";", 1)[0]
    return values


def assert_no_cookies_set(result: dict[str, Any]) -> None:
    assert live_cookie_values(result) == {}, result.get("cookies")


def body_json(result: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(result["body"])
    return body


def location_query(result: dict[str, Any]) -> dict[str, list[str]]:
    return parse_qs(urlsplit(result["headers"]["Location"]).query)


def policy_bytes(cookie_value: str) -> bytes:
    return cf_b64decode(cookie_value)
