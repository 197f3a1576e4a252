"""Where short-link states live on the viewer origin, and how a short link is spelled.

Contract: states are S3 objects `links/<id>.json` in the viewer bucket, served at
`https://VIEWER/links/<id>.json` behind the trusted key group (template.yaml, `/links/*`).
`short_link(origin, link_id)` is `https://VIEWER/#!https://VIEWER/links/<id>.json`: Neuroglancer
2.41 (`src/ui/url_hash_binding.ts`) reads a fragment `#!<scheme>://...` as the URL of a remote
state, fetches it with the browser's same-origin credentials (the CloudFront cookies) and takes
the text as is, so the URL must need no percent-decoding: ids are lowercase hex. Stdlib only,
shared by the issuer (answers) and the CLI (never prunes `links/` from the viewer bucket).
"""

from __future__ import annotations

import re
from typing import Final

KEY_PREFIX: Final = "links/"
PATH_PATTERN: Final = "/links/*"
LINK_ID: Final = re.compile(r"[0-9a-f]{64}")


def state_key(link_id: str) -> str:
    if not LINK_ID.fullmatch(link_id):
        raise ValueError("a link id is 64 lowercase hex digits (a SHA-256)")
    return f"{KEY_PREFIX}{link_id}.json"


def state_url(origin: str, link_id: str) -> str:
    return f"{origin.rstrip('/')}/{state_key(link_id)}"


def short_link(origin: str, link_id: str) -> str:
    return f"{origin.rstrip('/')}/#!{state_url(origin, link_id)}"
