"""Publish the viewer build (viewer/dist) to its bucket with the headers the round trip needs.

Contract: `publish(dist, bucket, s3, ...)` uploads every file of the build with its Content-Type
and a Cache-Control that keeps the login round trip working, content-hashed bundles first and
`index.html` last (a new page never references bundles that are not there yet), optionally
deletes objects the build no longer has (never the short-link states under `links/`), and
optionally invalidates `/` and `/index.html` on the distribution. `cache_control_for` /
`content_type_for` are the one definition of those headers; the local stack uploads its viewer
bucket with them too.

Why `index.html` is `no-store`: the edge function can only refresh cookies (and start the login
round trip) when the browser's navigation reaches CloudFront. A page the browser may reuse from
its own cache (S3 objects without Cache-Control get heuristic freshness) skips the edge function,
and the viewer then opens with expired cookies and silently blank tiles. `no-cache` is not enough:
Chromium restores a `no-cache` page from its back/forward cache, so Back after logout showed an
empty viewer without asking the edge; a `no-store` page is not kept there. The same holds for
the other unhashed files (`sw.js`, the viewer's service worker, must never be stale either).
Files under `assets/` carry a content hash in their names and never change, so they are cached
for a year.
"""

from __future__ import annotations

import mimetypes
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from edge_auth import short_links

HASHED_PREFIX: Final = "assets/"
SHORT_LINKS: Final = short_links.KEY_PREFIX  # states the issuer wrote: never the build's to prune
NAVIGATION_CACHE_CONTROL: Final = "no-store"
HASHED_CACHE_CONTROL: Final = "public, max-age=31536000, immutable"
_TYPES: Final = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".wasm": "application/wasm",
    ".css": "text/css",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".map": "application/json",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}


def content_type_for(key: str) -> str:
    suffix = Path(key).suffix.lower()
    if suffix in _TYPES:
        return _TYPES[suffix]
    guessed, _ = mimetypes.guess_type(key)
    return guessed or "application/octet-stream"


def cache_control_for(key: str) -> str:
    return HASHED_CACHE_CONTROL if key.startswith(HASHED_PREFIX) else NAVIGATION_CACHE_CONTROL


@dataclass(frozen=True)
class Upload:
    key: str
    path: Path
    content_type: str
    cache_control: str


def plan(dist: Path) -> list[Upload]:
    """Every file of the build, hashed bundles first and `index.html` last."""
    if not (dist / "index.html").is_file():
        raise FileNotFoundError(f"{dist}/index.html is missing: build the viewer first")
    uploads = [
        Upload(key, path, content_type_for(key), cache_control_for(key))
        for path in sorted(p for p in dist.rglob("*") if p.is_file())
        for key in [path.relative_to(dist).as_posix()]
    ]
    return sorted(
        uploads, key=lambda u: (u.key == "index.html", not u.key.startswith(HASHED_PREFIX), u.key)
    )


def publish(
    dist: Path,
    bucket: str,
    s3: Any,
    *,
    prune: bool = False,
    cloudfront: Any = None,
    distribution_id: str | None = None,
    progress: Callable[[str], None] = lambda line: None,
) -> list[Upload]:
    uploads = plan(dist)
    for n, upload in enumerate(uploads, 1):
        s3.put_object(
            Bucket=bucket,
            Key=upload.key,
            Body=upload.path.read_bytes(),
            ContentType=upload.content_type,
            CacheControl=upload.cache_control,
        )
        progress(f"[{n}/{len(uploads)}] {upload.key} ({upload.cache_control})")
    if prune:
        keep = {u.key for u in uploads}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            stale = [
                {"Key": o["Key"]}
                for o in page.get("Contents", [])
                if o["Key"] not in keep and not o["Key"].startswith(SHORT_LINKS)
            ]
            if stale:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": stale})
                progress(f"deleted {len(stale)} objects the build no longer has")
    if cloudfront is not None and distribution_id:
        import time

        cloudfront.create_invalidation(
            DistributionId=distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": 2, "Items": ["/", "/index.html"]},
                "CallerReference": f"linc-edge-auth-viewer-{time.time_ns()}",
            },
        )
        progress(f"invalidated / and /index.html on {distribution_id}")
    return uploads


def stderr_progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
