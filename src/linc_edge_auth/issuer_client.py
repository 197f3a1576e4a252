"""Ask the issuer for CloudFront cookies with an archive API key (`GET /api/permissions/s3/`).

Contract: `store_state(issuer_url, api_key, state)` posts a viewer state to `/api/links/` and
returns the `ShortLink` the issuer answers (same error rules as below).
`request_cookies(issuer_url, api_key)` sends `Authorization: token KEY` to
`{issuer_url}/api/permissions/s3/` (a URL already ending in that path is taken as is) and returns
`SignedCookies`, or raises `UserError` with one line: the issuer's own reason and action for a
refusal (401 bad key, 403 not approved), the address for an unreachable issuer or a timeout,
and "not an issuer" for an answer without the documented JSON (`cookies`, `expires`,
`resource` = `https://VIEWER/*`). The key and the cookie values are never part of a message.
`issuer_url_from(value, source)` checks a URL given by flag or environment variable, naming it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Final

from edge_auth.short_links import LINK_ID
from linc_edge_auth.cookie_store import SignedCookies, origin_of
from linc_edge_auth.errors import UserError

API_PATH: Final = "/api/permissions/s3/"
LINKS_PATH: Final = "/api/links/"
REQUIRED: Final = ("CloudFront-Signature", "CloudFront-Key-Pair-Id")
MAX_BYTES: Final = 64 * 1024
TIMEOUT_SECONDS: Final = 10.0


def issuer_url_from(value: str, source: str) -> str:
    """`https://ISSUER[/...]` without the API path; `source` names the flag or variable."""
    text = value.strip().rstrip("/")
    if text.endswith(API_PATH.rstrip("/")):
        text = text[: -len(API_PATH.rstrip("/"))]
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query:
        raise UserError(f"{source} {value!r}: expected the issuer's URL, https://HOST[/PATH]")
    if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        raise UserError(f"{source} {value!r}: the API key only travels over https")
    return text


def _reason(body: bytes) -> str:
    """The issuer's `message` + `action` (its documented error body), or nothing."""
    try:
        data = json.loads(body[:MAX_BYTES])
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    parts = [str(data[k]).strip() for k in ("message", "action") if isinstance(data.get(k), str)]
    return (": " + " ".join(parts)) if parts else ""


@dataclass(frozen=True)
class ApiKey:
    """An archive API key and where it came from (errors name the source, never the value)."""

    value: str = field(repr=False)
    source: str = "the API key"


def _call(
    issuer_url: str, path: str, api_key: ApiKey | str, *, data: bytes | None, timeout: float
) -> bytes:
    """One authenticated request to the issuer: the answer's body, or a one-line UserError."""
    key = api_key if isinstance(api_key, ApiKey) else ApiKey(api_key)
    headers = {"Authorization": f"token {key.value}", "Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked by issuer_url_from
        issuer_url.rstrip("/") + path, data=data, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body: bytes = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        with exc:
            detail = _reason(exc.read(MAX_BYTES))
        if exc.code == 401:
            raise UserError(f"the issuer at {issuer_url} refused {key.source}{detail}") from None
        if exc.code == 403:
            raise UserError(f"the issuer at {issuer_url} refused this account{detail}") from None
        raise UserError(f"the issuer at {issuer_url} answered HTTP {exc.code}{detail}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise UserError(f"the issuer at {issuer_url} is unreachable ({reason})") from None
    return body


def request_cookies(
    issuer_url: str, api_key: ApiKey | str, *, timeout: float = TIMEOUT_SECONDS
) -> SignedCookies:
    body = _call(issuer_url, API_PATH, api_key, data=None, timeout=timeout)
    return _parse(body, issuer_url)


@dataclass(frozen=True)
class ShortLink:
    link_id: str
    url: str  # https://VIEWER/#!https://VIEWER/links/<id>.json
    state_url: str
    created: bool  # False: the same state was stored before


def store_state(
    issuer_url: str, api_key: ApiKey | str, state: bytes, *, timeout: float = TIMEOUT_SECONDS
) -> ShortLink:
    """`POST /api/links/` with the state JSON; the issuer answers where it stored it."""
    body = _call(issuer_url, LINKS_PATH, api_key, data=state, timeout=timeout)
    try:
        data: Any = json.loads(body[:MAX_BYTES])
        link = ShortLink(
            str(data["id"]), str(data["url"]), str(data["state_url"]), bool(data["created"])
        )
    except (ValueError, KeyError, TypeError):
        raise UserError(
            f"{issuer_url} did not answer like a linc-edge-auth issuer (expected the JSON of "
            f"POST {LINKS_PATH}); check --issuer-url / LINC_ISSUER_URL"
        ) from None
    if not link.url.endswith("#!" + link.state_url) or not LINK_ID.fullmatch(link.link_id):
        raise UserError(f"{issuer_url} answered a short link in an unknown form")
    return link


def _parse(body: bytes, issuer_url: str) -> SignedCookies:
    wrong = UserError(
        f"{issuer_url} did not answer like a linc-edge-auth issuer (expected the JSON of "
        f"GET {API_PATH}); check --issuer-url / LINC_ISSUER_URL"
    )
    try:
        data: Any = json.loads(body[:MAX_BYTES])
        cookies = data["cookies"]
        expires = int(data["expires"])
        resource = str(data["resource"])
    except (ValueError, KeyError, TypeError):
        raise wrong from None
    if (
        not isinstance(cookies, dict)
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in cookies.items())
        or not all(name in cookies for name in REQUIRED)
        or not resource.endswith("/*")
    ):
        raise wrong
    return SignedCookies(
        viewer_origin=origin_of(resource[:-2]),
        issuer_url=issuer_url,
        cookies=dict(cookies),
        expires=expires,
    )
