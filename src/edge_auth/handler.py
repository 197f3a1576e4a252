"""Lambda@Edge viewer-request handler for the Neuroglancer viewer's default behavior.

Contract (`lambda_handler(event, context)`), configuration-free and standard library only:
- a GET/HEAD of the archive's old viewer path (`legacy_paths.LEGACY_VIEWER_PATHS`) gets a 302 to
  `/`, before any cookie check (the browser keeps the fragment);
- requests under `/_auth/` and non-navigation requests (scripts, styles, wasm, fetches) pass
  through unchanged: the viewer's own files are public code, and data paths never reach this
  function (CloudFront's trusted key group guards them);
- a navigation (Sec-Fetch-Mode `navigate` or Sec-Fetch-Dest `document`; without Sec-Fetch headers,
  a GET/HEAD whose Accept names text/html) passes through when it carries a complete, unambiguous
  CloudFront cookie set whose policy parses, covers `https://<host><uri>`, stays valid for at
  least REFRESH_MARGIN_SECONDS and carries DateGreaterThan (every policy our issuer mints does;
  the archive's old cookies, same shape otherwise, do not, and may be signed by a key the key
  group no longer trusts: a black viewer); otherwise it gets the login interstitial, whose
  callback replaces them. A duplicate name (legacy parent-domain + ours) is ambiguous: same.
  Signatures are not checked here: CloudFront checks them on every data request;
- it never raises: a malformed event gets a 400 page.
"""

from __future__ import annotations

import time

from edge_auth.auth_routes import AUTH_PREFIX
from edge_auth.cookie_header import cloudfront_cookies
from edge_auth.cookie_policy import (
    COOKIE_EXPIRES,
    COOKIE_HASH_ALGORITHM,
    COOKIE_KEY_PAIR_ID,
    COOKIE_POLICY,
    COOKIE_SIGNATURE,
    HASH_ALGORITHMS,
    MAX_COOKIE_VALUE_BYTES,
    PolicyError,
    parse_expires_cookie,
    parse_policy_cookie,
)
from edge_auth.legacy_paths import legacy_redirect
from edge_auth.pages import bad_request_response, interstitial_response
from edge_auth.return_path import return_path_for

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

#: Cookies expiring within this many seconds are refreshed on the next page load, because
#: Neuroglancer shows expired data as silently blank tiles (a 403 reads as "not found").
REFRESH_MARGIN_SECONDS: Final = 600

# Character sets instead of regular expressions: compiling patterns at import is measurable in
# the edge function's cold start, and these checks are simple.
_ALNUM: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_SIGNATURE_CHARS: Final = _ALNUM | frozenset("~_-")
_HOST_CHARS: Final = _ALNUM | frozenset(".-")


def _valid_key_pair_id(value: str) -> bool:
    return 0 < len(value) <= 64 and _ALNUM.issuperset(value)


def _valid_signature(value: str) -> bool:
    return 0 < len(value) <= MAX_COOKIE_VALUE_BYTES and _SIGNATURE_CHARS.issuperset(value)


def _valid_host(value: str) -> bool:
    name, sep, port = value.partition(":")
    if not 0 < len(name) <= 253 or not _HOST_CHARS.issuperset(name):
        return False
    return not sep or (0 < len(port) <= 5 and port.isascii() and port.isdigit())


def _header(headers: dict[str, Any], name: str) -> str | None:
    entries = headers.get(name)
    if not entries:
        return None
    value = entries[0]["value"]
    if not isinstance(value, str):
        raise TypeError(f"header {name} value is not a string")
    return value


def _accepts_html(accept: str | None) -> bool:
    if not accept:
        return False
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if media.lower() in ("text/html", "application/xhtml+xml"):
            return not any(
                p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params
            )
    return False


def is_navigation(method: str, headers: dict[str, Any]) -> bool:
    mode = _header(headers, "sec-fetch-mode")
    dest = _header(headers, "sec-fetch-dest")
    if mode is not None or dest is not None:
        return mode == "navigate" or dest == "document"
    return method in ("GET", "HEAD") and _accepts_html(_header(headers, "accept"))


def has_valid_cookies(
    cookie_values: list[str], host: str, uri: str, now: float, client_ip: str | None = None
) -> bool:
    """True when the cookie set is complete, unambiguous and good for REFRESH_MARGIN_SECONDS."""
    cookies = cloudfront_cookies(cookie_values)
    if not cookies:
        return False
    signature = cookies.get(COOKIE_SIGNATURE, "")
    key_pair_id = cookies.get(COOKIE_KEY_PAIR_ID, "")
    if not _valid_signature(signature):
        return False
    if not _valid_key_pair_id(key_pair_id):
        return False
    algorithm = cookies.get(COOKIE_HASH_ALGORITHM)
    if algorithm is not None and algorithm not in HASH_ALGORITHMS:
        return False
    try:
        if COOKIE_POLICY in cookies:
            policy = parse_policy_cookie(cookies[COOKIE_POLICY])
            if policy.not_before is None:
                return False  # not minted by our issuer: the archive's old cookies
            return policy.allows(f"https://{host}{uri}", now, REFRESH_MARGIN_SECONDS, client_ip)
        if COOKIE_EXPIRES in cookies:
            expires = parse_expires_cookie(cookies[COOKIE_EXPIRES])
            return now + REFRESH_MARGIN_SECONDS < expires
    except PolicyError:
        return False
    return False


def decide(request: dict[str, Any], now: float) -> dict[str, Any]:
    """The request itself (pass through) or a generated response."""
    uri = request["uri"]
    method = request["method"]
    headers = request["headers"]
    if not isinstance(uri, str) or not uri.startswith("/") or not isinstance(headers, dict):
        return bad_request_response()
    if not isinstance(method, str):
        return bad_request_response()
    redirect = legacy_redirect(uri, method)
    if redirect is not None:
        return redirect
    if uri.startswith(AUTH_PREFIX) or not is_navigation(method, headers):
        return request
    host = _header(headers, "host") or ""
    if not _valid_host(host):
        return bad_request_response()
    cookie_values = [entry["value"] for entry in headers.get("cookie", [])]
    if not all(isinstance(value, str) for value in cookie_values):
        return bad_request_response()
    client_ip = request.get("clientIp")
    if not isinstance(client_ip, str):
        client_ip = None
    if has_valid_cookies(cookie_values, host, uri, now, client_ip):
        return request
    querystring = request.get("querystring") or ""
    if not isinstance(querystring, str):
        return bad_request_response()
    return interstitial_response(return_path_for(uri, querystring))


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        request = event["Records"][0]["cf"]["request"]
        if not isinstance(request, dict):
            return bad_request_response()
        return decide(request, time.time())
    except Exception:
        # Never raise at the edge: CloudFront would show its own 502 page instead of ours.
        return bad_request_response()
