"""The issuer's script API: `GET /api/permissions/s3/` and its CORS preflight (a Powertools Router).

Contract:
- `GET /api/permissions/s3/`: credentials from the `Authorization` header only, never from a
  cookie; answers JSON
  `{message, cookies, expires, resource, key_pair_id}` plus the same cookies as Set-Cookie, with
  CORS headers for an exact CORS_ALLOWED_ORIGINS match with credentials. `message` is the old
  archive endpoint's text, for scripts that check it. Also served on the viewer domain
  (CloudFront `/api/permissions/*`), so its host-only cookies reach the data paths.
- `OPTIONS /api/permissions/s3/`: 204 with the allowed methods and headers for an allowlisted
  origin, 403 JSON `origin_not_allowed` otherwise.
Errors raised here become JSON with the same CORS headers (`error_handlers`).
"""

from __future__ import annotations

from typing import Final

from aws_lambda_powertools.event_handler import Response

from cookie_issuer import request
from cookie_issuer.cookies import set_cookie_headers
from cookie_issuer.errors import UnauthenticatedError
from cookie_issuer.minting import mint_for
from cookie_issuer.responses import cors_headers, json_response
from cookie_issuer.routing import IssuerRouter
from cookie_issuer.runtime import get_runtime
from cookie_issuer.session import AUTH_FORMS, authenticate, find_credentials

API_PATH: Final = "/api/permissions/s3/"
#: The archive's old `/api/permissions/s3/` answered `{"message": ...}` with exactly this text.
LEGACY_MESSAGE: Final = "Cookies successfully generated"

router = IssuerRouter()


@router.get(API_PATH)
def permissions() -> Response[str]:
    event = router.current_event
    runtime = get_runtime()
    headers = request.headers(event)
    cors = cors_headers(headers.get("origin"), runtime.settings.cors_allowed_origins)
    credentials = find_credentials(headers, [], None, allow_cookie=False)
    if credentials is None:
        raise UnauthenticatedError(
            "No Authorization header.",
            reason="credentials_missing",
            action=AUTH_FORMS,
        )
    identity = authenticate(credentials, runtime)
    minted = mint_for(runtime, identity, request.viewer_origin(event, runtime.settings))
    body = {
        # What the archive's old endpoint answered: scripts in the field may check it.
        "message": LEGACY_MESSAGE,
        "cookies": minted.values,
        "expires": minted.expires,
        "resource": minted.resource,
        "key_pair_id": minted.key_pair_id,
    }
    return json_response(200, body, cors, cookies=set_cookie_headers(minted, runtime.settings))


@router.route(API_PATH, method="OPTIONS")
def preflight() -> Response[str]:
    settings = get_runtime().settings
    origin = request.headers(router.current_event).get("origin")
    cors = cors_headers(origin, settings.cors_allowed_origins)
    if "Access-Control-Allow-Origin" not in cors:
        return json_response(
            403,
            {
                "error": "origin_not_allowed",
                "message": "This origin may not call the cookie API from a browser.",
                "action": "Ask the LINC team to add it to CORS_ALLOWED_ORIGINS.",
            },
            cors,
        )
    cors.update(
        {
            "Access-Control-Allow-Methods": "GET, OPTIONS",
            "Access-Control-Allow-Headers": "Authorization",
            "Access-Control-Max-Age": "600",
        }
    )
    return Response(status_code=204, body="", headers=cors)
