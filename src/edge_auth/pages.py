"""The edge function's generated pages: the login interstitial and the bad-request page.

Contract: `interstitial_response(return_path)` and `bad_request_response()` return complete
CloudFront generated responses (string status, lowercase header keys of `[{key, value}]`). The
interstitial page is under INTERSTITIAL_MAX_BYTES (4 KB) for a short return path, and every
response, even with the longest return path `safe_return_path` accepts, stays under
GENERATED_RESPONSE_MAX_BYTES (CloudFront's 40 KB limit for a Lambda@Edge generated response,
headers included); tests/edge_auth/test_page_sizes.py checks both.

The pages are readable files in `edge_auth/templates/` (`interstitial.html`, `interstitial.js`,
`bad_request.html`, and `page.css`, the style the issuer's pages share). The interstitial's
script is constant: the per-request login URL travels in a `data-login` attribute, so the CSP
allows only that script and that style, by hashes computed from the shipped bytes. The script
saves `location.hash` under SESSION_STORAGE_KEY (or clears a stale one), keeps a short list of
recent attempts under ATTEMPTS_STORAGE_KEY, and stops with a human message after MAX_ATTEMPTS
within ATTEMPT_WINDOW_MS instead of looping.

Files are read, filled and hashed on the first generated response of a container, then cached:
the pass-through path (valid cookies) never pays for file reads or hashlib (benchmarks/edge_bench
measures that first response). `interstitial_template()` is the whole page with LOGIN_SLOT as
the only blank, one string to embed in (or check against) a JavaScript copy of the edge check.
"""

from __future__ import annotations

import json
from functools import cache

from edge_auth.auth_routes import login_url
from edge_auth.page_templates import csp_hash, fill, read_template, templates_dir
from edge_auth.return_path import ATTEMPTS_STORAGE_KEY, SESSION_STORAGE_KEY

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

MAX_ATTEMPTS: Final = 3
ATTEMPT_WINDOW_MS: Final = 120_000
INTERSTITIAL_MAX_BYTES: Final = 4096
GENERATED_RESPONSE_MAX_BYTES: Final = 40_960
#: The interstitial's only per-request blank: the login URL (three times in the page).
LOGIN_SLOT: Final = "{{login}}"

_TEMPLATES: Final = templates_dir(__file__)


def page_header_pairs(csp: str) -> tuple[tuple[str, str], ...]:
    """Headers of every page of ours, the edge's and the issuer's: uncacheable, unframeable."""
    return (
        ("Content-Type", "text/html; charset=utf-8"),
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Content-Security-Policy", csp),
        ("X-Frame-Options", "DENY"),
    )


@cache
def style() -> str:
    """The inline style of every page of ours (`templates/page.css`)."""
    return read_template(_TEMPLATES, "page.css")


@cache
def style_sha256() -> str:
    return csp_hash(style())


@cache
def interstitial_script() -> str:
    """The interstitial's inline script, constants filled in, exactly as it is served."""
    return fill(
        read_template(_TEMPLATES, "interstitial.js"),
        session_storage_key=json.dumps(SESSION_STORAGE_KEY),
        attempts_storage_key=json.dumps(ATTEMPTS_STORAGE_KEY),
        attempt_window_ms=str(ATTEMPT_WINDOW_MS),
        max_attempts=str(MAX_ATTEMPTS),
    )


@cache
def content_security_policy() -> str:
    """The interstitial's CSP: only its own script and style, by hash."""
    return (
        f"default-src 'none'; script-src '{csp_hash(interstitial_script())}'; "
        f"style-src '{style_sha256()}'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )


@cache
def interstitial_template() -> str:
    """The interstitial page with LOGIN_SLOT where the per-request login URL goes."""
    return fill(
        read_template(_TEMPLATES, "interstitial.html"),
        style=style(),
        script=interstitial_script(),
        login=LOGIN_SLOT,
    )


def _headers(csp: str) -> dict[str, list[dict[str, str]]]:
    return {name.lower(): [{"key": name, "value": value}] for name, value in page_header_pairs(csp)}


@cache
def _interstitial_headers() -> dict[str, list[dict[str, str]]]:
    return _headers(content_security_policy())


@cache
def _bad_request_page() -> tuple[str, dict[str, list[dict[str, str]]]]:
    body = fill(read_template(_TEMPLATES, "bad_request.html"), style=style())
    headers = _headers(f"default-src 'none'; style-src '{style_sha256()}'; frame-ancestors 'none'")
    return body, headers


def interstitial_body(return_path: str) -> str:
    # quote(safe="") leaves only [A-Za-z0-9_.~-] of the path, so the URL needs no HTML escaping;
    # one plain replace of the only blank, so nothing in the URL is ever read as a placeholder.
    return interstitial_template().replace(LOGIN_SLOT, login_url(return_path))


def _copy_headers(headers: dict[str, list[dict[str, str]]]) -> dict[str, list[dict[str, str]]]:
    # Each response gets its own lists: CloudFront (and callers) may mutate what we return.
    return {name: [dict(item) for item in items] for name, items in headers.items()}


def interstitial_response(return_path: str) -> dict[str, Any]:
    return {
        "status": "200",
        "statusDescription": "OK",
        "headers": _copy_headers(_interstitial_headers()),
        "body": interstitial_body(return_path),
    }


def bad_request_response() -> dict[str, Any]:
    body, headers = _bad_request_page()
    return {
        "status": "400",
        "statusDescription": "Bad Request",
        "headers": _copy_headers(headers),
        "body": body,
    }
