"""The issuer's HTML: the callback page that restores the Neuroglancer state, and error pages.

Contract: `callback_page(return_path)` returns a small page whose inline script is constant (so
its CSP hash, CALLBACK_SCRIPT_SHA256, is computed once): it reads the fragment the edge
interstitial saved under SESSION_STORAGE_KEY, removes it, and calls
`location.replace(return_path + fragment)`. The return path (already passed through
`safe_return_path`) travels HTML-escaped in a `data-return` attribute, never inside the script.
`error_page(title, message, action, link)` renders a human page in the edge interstitial's
style. Both come with headers that forbid caching, framing and any other script.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from typing import Final

from edge_auth.pages import STYLE, STYLE_SHA256, page_header_pairs
from edge_auth.return_path import SESSION_STORAGE_KEY

_CALLBACK_SCRIPT_TEMPLATE: Final = (
    "(function(){"
    "var K=__KEY__,h='';"
    "try{var s=window.sessionStorage;h=s.getItem(K)||'';s.removeItem(K);}catch(e){h='';}"
    "if(h.charAt(0)!=='#'){h='';}"
    "location.replace(document.documentElement.getAttribute('data-return')+h);"
    "})();"
)
CALLBACK_SCRIPT: Final = _CALLBACK_SCRIPT_TEMPLATE.replace(
    "__KEY__", json.dumps(SESSION_STORAGE_KEY)
)


def _csp_hash(source: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode()


CALLBACK_SCRIPT_SHA256: Final = _csp_hash(CALLBACK_SCRIPT)
CALLBACK_CSP: Final = (
    f"default-src 'none'; script-src '{CALLBACK_SCRIPT_SHA256}'; style-src '{STYLE_SHA256}'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
ERROR_CSP: Final = (
    f"default-src 'none'; style-src '{STYLE_SHA256}'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)

_CALLBACK: Final = (
    '<!doctype html><html lang="en" data-return="{ret}"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width,initial-scale=1">'
    "<title>Opening the LINC viewer</title><style>" + STYLE + "</style></head><body><main>"
    "<p>Signed in. Opening the viewer&hellip;</p>"
    '<noscript><p>JavaScript is off. <a href="{ret}">Continue to the viewer</a>; the viewer '
    "state saved before signing in cannot be restored without JavaScript.</p></noscript>"
    "</main><script>" + CALLBACK_SCRIPT + "</script></body></html>"
)

_ERROR: Final = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width,initial-scale=1">'
    "<title>{title}</title><style>" + STYLE + "</style></head><body><main>"
    "<h1>{title}</h1><p>{message}</p><p>{action}</p>{link}</main></body></html>"
)


def page_headers(csp: str) -> dict[str, str]:
    return dict(page_header_pairs(csp))


def callback_page(return_path: str) -> str:
    return _CALLBACK.replace("{ret}", html.escape(return_path, quote=True))


def error_page(title: str, message: str, action: str, link: tuple[str, str] | None = None) -> str:
    link_html = ""
    if link is not None:
        href, text = link
        link_html = f'<p><a href="{html.escape(href, quote=True)}">{html.escape(text)}</a></p>'
    return (
        _ERROR.replace("{title}", html.escape(title))
        .replace("{message}", html.escape(message))
        .replace("{action}", html.escape(action))
        .replace("{link}", link_html)
    )
