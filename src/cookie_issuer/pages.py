"""The issuer's HTML: the callback page that restores the Neuroglancer state, and error pages.

Contract: `callback_page(return_path)` returns a small page whose inline script is constant (so
its CSP hash, CALLBACK_SCRIPT_SHA256, is computed once, from the shipped bytes): it reads the
fragment the edge interstitial saved under SESSION_STORAGE_KEY, removes it, and calls
`location.replace(return_path + fragment)`. The return path (already passed through
`safe_return_path`) travels HTML-escaped in a `data-return` attribute, never inside the script.
`error_page(title, message, action, link)` renders a human page in the edge interstitial's
style. Both come with headers that forbid caching, framing and any other script. The pages are
readable files in `cookie_issuer/templates/` (`callback.html`, `callback.js`, `error.html`);
the style is the edge's `templates/page.css`.
"""

from __future__ import annotations

import html
import json
from typing import Final

from edge_auth.page_templates import csp_hash, fill, read_template, templates_dir
from edge_auth.pages import page_header_pairs, style, style_sha256
from edge_auth.return_path import SESSION_STORAGE_KEY

_TEMPLATES: Final = templates_dir(__file__)

CALLBACK_SCRIPT: Final = fill(
    read_template(_TEMPLATES, "callback.js"),
    session_storage_key=json.dumps(SESSION_STORAGE_KEY),
)
CALLBACK_SCRIPT_SHA256: Final = csp_hash(CALLBACK_SCRIPT)
CALLBACK_CSP: Final = (
    f"default-src 'none'; script-src '{CALLBACK_SCRIPT_SHA256}'; style-src '{style_sha256()}'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
ERROR_CSP: Final = (
    f"default-src 'none'; style-src '{style_sha256()}'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)

_CALLBACK: Final = read_template(_TEMPLATES, "callback.html")
_ERROR: Final = read_template(_TEMPLATES, "error.html")


def page_headers(csp: str) -> dict[str, str]:
    return dict(page_header_pairs(csp))


def callback_page(return_path: str) -> str:
    return fill(
        _CALLBACK,
        style=style(),
        script=CALLBACK_SCRIPT,
        return_path=html.escape(return_path, quote=True),
    )


def error_page(title: str, message: str, action: str, link: tuple[str, str] | None = None) -> str:
    link_html = ""
    if link is not None:
        href, text = link
        link_html = f'<p><a href="{html.escape(href, quote=True)}">{html.escape(text)}</a></p>'
    return fill(
        _ERROR,
        style=style(),
        title=html.escape(title),
        message=html.escape(message),
        action=html.escape(action),
        link=link_html,
    )
