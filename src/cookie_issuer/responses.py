"""Response builders: JSON for API routes, HTML for `/_auth/*`, redirects, and CORS.

Contract: `error_response(error, html=...)` renders an `IssuerError` as JSON
`{"error": reason, "message": ..., "action": ...}` or as a human page, never with cookies;
`redirect(location)` is an uncacheable 302; `cors_headers(origin, allowed)` returns the headers
for an exact-match allowlisted origin with credentials (always `Vary: Origin`, never `*`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.shared.cookies import Cookie

from cookie_issuer.errors import IssuerError
from cookie_issuer.pages import ERROR_CSP, error_page, page_headers

JSON_TYPE: Final = "application/json"
_API_HEADERS: Final = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def json_response(
    status: int,
    body: Mapping[str, Any],
    headers: Mapping[str, str] | None = None,
    cookies: list[Cookie] | None = None,
) -> Response[str]:
    return Response(
        status_code=status,
        content_type=JSON_TYPE,
        body=json.dumps(body, separators=(",", ":")),
        headers={**_API_HEADERS, **(headers or {})},
        cookies=cookies,
    )


def html_response(
    status: int, body: str, csp: str, cookies: list[Cookie] | None = None
) -> Response[str]:
    return Response(status_code=status, body=body, headers=page_headers(csp), cookies=cookies)


def error_response(
    error: IssuerError,
    *,
    html: bool,
    headers: Mapping[str, str] | None = None,
    link: tuple[str, str] | None = None,
) -> Response[str]:
    if html:
        title = error.title
        if error.reason == "session_expired":
            title = "Session expired"
        elif error.reason in ("archive_unreachable", "jwks_unreachable"):
            title = "The LINC archive is unreachable"
        page = error_page(title, error.message, error.action, link)
        response = html_response(error.status, page, ERROR_CSP)
        response.headers.update(headers or {})
        return response
    body = {"error": error.reason, "message": error.message, "action": error.action}
    return json_response(error.status, body, headers)


def redirect(location: str, cookies: list[Cookie] | None = None) -> Response[str]:
    return Response(
        status_code=302,
        body="",
        headers={
            "Location": location,
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
        },
        cookies=cookies,
    )


def cors_headers(origin: str | None, allowed: frozenset[str]) -> dict[str, str]:
    headers = {"Vary": "Origin"}
    if origin is not None and origin in allowed:
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Allow-Credentials"] = "true"
    return headers
