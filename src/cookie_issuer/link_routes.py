"""The issuer's short-link API: `POST /api/links/` (a Powertools Router).

Contract: the body is a Neuroglancer state (JSON object, at most 1 MiB); credentials come from
the `Authorization` header only (`token <API key>` or `Bearer <token>`, the same rule as
`/api/permissions/s3/`: an approved archive member), never from a cookie, so a page cannot make
a signed-in browser write links. The state is stored once under its SHA-256 in the viewer bucket
(`link_store`) and the answer is JSON `{id, state_url, url, created, bytes}`: 201 when this
request stored it, 200 when the same state was already there. `url` is the short link
(`edge_auth.short_links`). Without LINKS_BUCKET the route answers 404 "not enabled". Errors are
the issuer's JSON errors (400 not a state, 401/403 credentials, 413 too large, 503 storage).

Why the issuer writes, not the user: LINC members have an archive API key, rarely AWS
credentials for our bucket; the issuer already verifies that key with the archive and is the one
part of the stack that may write, with an IAM grant limited to creating `links/*` objects.
"""

from __future__ import annotations

import base64
import binascii
from typing import Final

from aws_lambda_powertools.event_handler import Response

from cookie_issuer import request
from cookie_issuer.errors import BadRequestError, PathNotFoundError, UnauthenticatedError
from cookie_issuer.link_store import LinkStore, canonical_state
from cookie_issuer.observability import logger
from cookie_issuer.responses import json_response
from cookie_issuer.routing import IssuerRouter
from cookie_issuer.runtime import get_runtime
from cookie_issuer.session import AUTH_FORMS, authenticate, find_credentials
from edge_auth.short_links import short_link, state_url

LINKS_PATH: Final = "/api/links/"

router = IssuerRouter()
_stores: dict[str, LinkStore] = {}  # one S3 client per container and bucket


def _body() -> bytes:
    event = router.current_event
    raw = event.get("body") or ""
    if not event.get("isBase64Encoded"):
        return str(raw).encode("utf-8")
    try:
        return base64.b64decode(str(raw), validate=True)
    except (binascii.Error, ValueError):
        raise BadRequestError(
            "The request body is not valid base64.", reason="body_unreadable"
        ) from None


def _store(bucket: str | None) -> LinkStore:
    if bucket is None:
        raise PathNotFoundError(
            "Short links are not enabled on this deployment.",
            reason="links_disabled",
            action="Share the long link (linc-edge-auth link without --short).",
        )
    store = _stores.get(bucket)
    if store is None:
        store = _stores[bucket] = LinkStore(bucket)
    return store


@router.post(LINKS_PATH)
def store_link() -> Response[str]:
    runtime = get_runtime()
    store = _store(runtime.settings.links_bucket)
    event = router.current_event
    credentials = find_credentials(request.headers(event), [], None, allow_cookie=False)
    if credentials is None:
        raise UnauthenticatedError(
            "No Authorization header.", reason="credentials_missing", action=AUTH_FORMS
        )
    identity = authenticate(credentials, runtime)
    data = canonical_state(_body())
    stored = store.put(data, identity.subject)
    origin = request.viewer_origin(event, runtime.settings)
    logger.info(
        "short link stored",
        extra={
            "subject": identity.subject,
            "link_id": stored.link_id,
            "new_link": stored.created,  # not "created": a LogRecord attribute
            "bytes": stored.size,
        },
    )
    body = {
        "id": stored.link_id,
        "state_url": state_url(origin, stored.link_id),
        "url": short_link(origin, stored.link_id),
        "created": stored.created,
        "bytes": stored.size,
    }
    return json_response(201 if stored.created else 200, body)
