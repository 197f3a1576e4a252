"""Small assertions shared by the issuer tests."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from edge_auth.cookie_policy import cf_b64decode


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
