"""What the issuer reads from a request (API Gateway HTTP API payload v2, as Powertools holds it).

Contract: every helper takes the current event (`router.current_event`) and never raises on odd
input, except `viewer_origin`, which raises BadRequestError when no viewer can be named.
`headers` lowercases names; `cookie_values` gives each value of one cookie name however API
Gateway delivered the cookies; `query_value` treats a repeated parameter as absent (ambiguous, so
the safe default); `return_path` is the `return` parameter through `safe_return_path`, `/` when
missing or unsafe. The viewer origin is VIEWER_ORIGIN, or, when that is empty, `https://` +
X-Forwarded-Host (else Host) when it is a plain host name; docs/security-model.md says why
that is safe.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final
from urllib.parse import parse_qs

from cookie_issuer.errors import BadRequestError
from cookie_issuer.settings import Settings
from edge_auth.auth_routes import RETURN_PARAM
from edge_auth.return_path import safe_return_path

_HOST: Final = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})(?::[0-9]{1,5})?")

Event = Mapping[str, Any]


def path(event: Event) -> str:
    return str(event.get("rawPath") or "/")


def headers(event: Event) -> dict[str, str]:
    raw = event.get("headers") or {}
    return {str(k).lower(): str(v) for k, v in raw.items()}


def cookies(event: Event) -> list[str]:
    return [str(c) for c in event.get("cookies") or []]


def named_cookie_values(cookie_strings: Iterable[str], name: str) -> list[str]:
    """Each distinct non-empty value of cookie `name` in `cookie_strings` (name=value; pairs),
    surrounding quotes and spaces stripped, in order of appearance."""
    found: list[str] = []
    for text in cookie_strings:
        for pair in text.split(";"):
            key, sep, raw = pair.strip().partition("=")
            value = raw.strip().strip('"')
            if sep and key == name and value and value not in found:
                found.append(value)
    return found


def cookie_values(event: Event, name: str) -> list[str]:
    """`named_cookie_values` over the event's `cookies` and any `Cookie` header."""
    texts = cookies(event)
    header = headers(event).get("cookie")
    if header is not None:
        texts.append(header)
    return named_cookie_values(texts, name)


def query_value(event: Event, name: str) -> str | None:
    values = parse_qs(event.get("rawQueryString") or "", keep_blank_values=True)
    found = values.get(name)
    # A repeated parameter is ambiguous: treat it as absent (the safe default).
    return found[0] if found and len(found) == 1 else None


def return_path(event: Event) -> str:
    return safe_return_path(query_value(event, RETURN_PARAM))


def viewer_origin(event: Event, settings: Settings) -> str:
    if settings.viewer_origin:
        return settings.viewer_origin
    found = headers(event)
    host = found.get("x-forwarded-host") or found.get("host") or ""
    if not _HOST.fullmatch(host):
        raise BadRequestError(
            "The issuer cannot tell which viewer this request is for (no usable "
            "X-Forwarded-Host or Host header).",
            reason="viewer_unknown",
            action="Open the viewer through its public address, or set VIEWER_ORIGIN.",
        )
    return f"https://{host.lower()}"
