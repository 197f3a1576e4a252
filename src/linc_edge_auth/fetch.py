"""A small metadata fetcher for `viewer_state.build_state(fetch=...)`, over HTTP(S) with urllib.

Contract: `http_fetcher(cookie=...)` returns `fetch(url) -> bytes | None`. 404 and 403 read as
"absent" (CloudFront in front of a private bucket answers 403 for a missing key); other failures
raise `UserError`. The optional `Cookie` header (e.g. the CloudFront cookies, from
`LINC_COOKIE`) is sent as is and never printed. Bodies are capped: metadata is small.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable

from linc_edge_auth.errors import UserError

MAX_BYTES = 1 << 20


def http_fetcher(cookie: str | None = None, timeout: float = 10.0) -> Callable[[str], bytes | None]:
    def fetch(url: str) -> bytes | None:
        if not url.startswith(("https://", "http://")):
            raise UserError(f"{url}: metadata can only be fetched over http(s)")
        headers = {"Cookie": cookie} if cookie else {}
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - scheme checked
        try:
            # The scheme is checked above: http(s) only, never file: or custom schemes.
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                body: bytes = response.read(MAX_BYTES + 1)
        except urllib.error.HTTPError as exc:
            if exc.code in (403, 404):
                return None
            raise UserError(f"{url}: HTTP {exc.code} while reading metadata") from exc
        except (urllib.error.URLError, TimeoutError) as exc:
            raise UserError(f"{url}: unreachable ({getattr(exc, 'reason', exc)})") from exc
        if len(body) > MAX_BYTES:
            raise UserError(f"{url}: metadata larger than {MAX_BYTES} bytes")
        return body

    return fetch
