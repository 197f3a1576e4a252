"""A small metadata fetcher for `viewer_state.build_state(fetch=...)`, over HTTP(S) with urllib.

Contract: `http_fetcher(cookie=..., on_refused=...)` returns `fetch(url) -> bytes | None`. 404
reads as "absent", and so does a 403 that S3 itself sent (`Server: AmazonS3`: behind CloudFront
with origin access control and without the list statement, S3's answer for a missing key). Any
other 403 is CloudFront refusing the request (no cookies, expired or foreign ones): also None, after
`on_refused(url)` is called, once per fetcher, so the caller can say why the link is not
centred. Other failures raise `UserError`. The optional `Cookie` header (the stored CloudFront
cookies) is sent as is and never printed. Bodies are capped: metadata is small.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable

from linc_edge_auth.errors import UserError

MAX_BYTES = 1 << 20
S3_SERVER = "AmazonS3"


def http_fetcher(
    cookie: str | None = None,
    timeout: float = 10.0,
    on_refused: Callable[[str], None] | None = None,
) -> Callable[[str], bytes | None]:
    refused: list[str] = []

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
            with exc:
                if exc.code == 403 and exc.headers.get("Server") != S3_SERVER:
                    if not refused and on_refused is not None:
                        on_refused(url)
                    refused.append(url)
                    return None
                if exc.code in (403, 404):
                    return None
            raise UserError(f"{url}: HTTP {exc.code} while reading metadata") from exc
        except (urllib.error.URLError, TimeoutError) as exc:
            raise UserError(f"{url}: unreachable ({getattr(exc, 'reason', exc)})") from exc
        if len(body) > MAX_BYTES:
            raise UserError(f"{url}: metadata larger than {MAX_BYTES} bytes")
        return body

    return fetch
