"""The edge function's generated pages: the login interstitial and the bad-request page.

Contract: `interstitial_response(return_path)` and `bad_request_response()` return complete
CloudFront generated responses (string status, lowercase header keys of `[{key, value}]`, body well
under the 40 KB Lambda@Edge limit and under 4 KB for the interstitial). The interstitial's inline
script is constant: the per-request login URL travels in a `data-login` attribute, so the script's
CSP hash is computed once at import (`SCRIPT_SHA256`) and the CSP allows only that script and that
style. The script saves `location.hash` under `SESSION_STORAGE_KEY` (or clears a stale one), keeps
a short list of recent attempts under `ATTEMPTS_STORAGE_KEY`, and stops with a human message after
MAX_ATTEMPTS within ATTEMPT_WINDOW_MS instead of looping.
"""

from __future__ import annotations

import json

from edge_auth.return_path import (
    ATTEMPTS_STORAGE_KEY,
    LOGIN_PATH,
    RETURN_PARAM,
    SESSION_STORAGE_KEY,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final


MAX_ATTEMPTS: Final = 3
ATTEMPT_WINDOW_MS: Final = 120_000

_SCRIPT_TEMPLATE: Final = (
    "(function(){"
    "var K=__KEY__,A=__ATTEMPTS__,s=null,now=Date.now(),r=[];"
    "try{s=window.sessionStorage;r=JSON.parse(s.getItem(A)||'[]').filter("
    "function(t){return typeof t==='number'&&now-t<__WINDOW__;});}catch(e){r=[];}"
    "function save(){try{if(location.hash.length>1){s.setItem(K,location.hash);}"
    "else{s.removeItem(K);}}catch(e){}}"
    "document.getElementById('retry').addEventListener('click',"
    "function(){try{s.removeItem(A);}catch(e){}save();});"
    "if(r.length>=__MAX__){document.getElementById('go').hidden=true;"
    "document.getElementById('loop').hidden=false;return;}"
    "try{r.push(now);s.setItem(A,JSON.stringify(r));}catch(e){}"
    "save();location.replace(document.documentElement.getAttribute('data-login'));"
    "})();"
)
SCRIPT: Final = (
    _SCRIPT_TEMPLATE.replace("__KEY__", json.dumps(SESSION_STORAGE_KEY))
    .replace("__ATTEMPTS__", json.dumps(ATTEMPTS_STORAGE_KEY))
    .replace("__WINDOW__", str(ATTEMPT_WINDOW_MS))
    .replace("__MAX__", str(MAX_ATTEMPTS))
)

STYLE: Final = (
    "body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#111;color:#eee}"
    "main{max-width:36em;margin:15vh auto;padding:0 1em}a{color:#8cf}"
)


# CSP hashes of SCRIPT and STYLE, written out so the edge imports no hashlib (OpenSSL) at cold
# start; tests/edge_auth/test_handler.py recomputes both and fails when they drift.
SCRIPT_SHA256: Final = "sha256-hIZn5CFrXIaqqS5V6ct37lJpaqA7h8XHA0Dhg28lBfs="
STYLE_SHA256: Final = "sha256-CWd7ZiqYt/uXdFMaraNId8cX3mYd195Xstpf1nzNJRE="
CONTENT_SECURITY_POLICY: Final = (
    f"default-src 'none'; script-src '{SCRIPT_SHA256}'; style-src '{STYLE_SHA256}'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

_INTERSTITIAL: Final = (
    '<!doctype html><html lang="en" data-login="{login}"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width,initial-scale=1">'
    "<title>Signing in to the LINC viewer</title><style>" + STYLE + "</style></head><body><main>"
    '<p id="go">Signing you in through the LINC archive&hellip;</p>'
    '<noscript><p>JavaScript is off. <a href="{login}">Continue to sign in</a>; '
    "the viewer state in your link cannot be kept without JavaScript.</p></noscript>"
    '<div id="loop" hidden><p>Signing in did not complete after several tries: your browser '
    "may be refusing this site's cookies, or an old LINC cookie is in the way. Allow cookies "
    "for this site (or clear this site's cookies), then try again.</p>"
    '<p><a id="retry" href="{login}">Try again</a></p></div>'
    "</main><script>" + SCRIPT + "</script></body></html>"
)

_BAD_REQUEST: Final = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    "<title>Bad request</title><style>" + STYLE + "</style></head><body><main>"
    "<p>This request could not be understood. Open the viewer link again; if it keeps "
    "happening, send the link to the LINC team.</p></main></body></html>"
)


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


def _headers(csp: str) -> dict[str, list[dict[str, str]]]:
    return {name.lower(): [{"key": name, "value": value}] for name, value in page_header_pairs(csp)}


_PAGE_HEADERS: Final = _headers(CONTENT_SECURITY_POLICY)
_BAD_REQUEST_HEADERS: Final = _headers(
    f"default-src 'none'; style-src '{STYLE_SHA256}'; frame-ancestors 'none'"
)


def login_url(return_path: str) -> str:
    """The issuer's login URL for an already-sanitised return path."""
    from urllib.parse import quote  # see return_path.safe_return_path: kept off cold import

    return f"{LOGIN_PATH}?{RETURN_PARAM}={quote(return_path, safe='')}"


def interstitial_body(return_path: str) -> str:
    # quote(safe="") leaves only [A-Za-z0-9_.~-] of the path, so the URL needs no HTML escaping.
    return _INTERSTITIAL.replace("{login}", login_url(return_path))


def _copy_headers(headers: dict[str, list[dict[str, str]]]) -> dict[str, list[dict[str, str]]]:
    # Each response gets its own lists: CloudFront (and callers) may mutate what we return.
    return {name: [dict(item) for item in items] for name, items in headers.items()}


def interstitial_response(return_path: str) -> dict[str, Any]:
    return {
        "status": "200",
        "statusDescription": "OK",
        "headers": _copy_headers(_PAGE_HEADERS),
        "body": interstitial_body(return_path),
    }


def bad_request_response() -> dict[str, Any]:
    return {
        "status": "400",
        "statusDescription": "Bad Request",
        "headers": _copy_headers(_BAD_REQUEST_HEADERS),
        "body": _BAD_REQUEST,
    }
