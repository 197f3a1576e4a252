"""The session-continuity API the viewer's session module calls: `/_auth/refresh`, `/_auth/session`.

Contract (JSON only, `Cache-Control: no-store`, both auth modes):
- `POST /_auth/refresh`: same origin only: `Sec-Fetch-Site` must be `same-origin` when present,
  else `Origin` must equal the viewer origin; anything else is 403 `{"error":"cross_site"}` and
  touches nothing. OAuth2 mode: the sealed session's refresh token at `token/` (rotated), the
  user re-checked at `/users/me/` and AUTH_RULE, new CloudFront cookies and a new sealed session.
  JWT mode: the archive session JWT cookie re-verified. 200 `{"user", "expires"}` (epoch seconds
  of the new CloudFront cookies). 401 `{"error":"signed_out","reason",...}` when the session is
  over or revoked and 403 `{"error":"not_approved",...}` when the user is no longer approved,
  both with every cookie we set expired (a refused refresh token expires none: see below);
  503 `{"error":"archive_unavailable",...}` when the archive (or a secret) cannot be reached,
  cookies kept.
- `GET /_auth/session`: 200 `{"user", "expires"}` from the sealed session (OAuth2) or the
  session JWT (JWT mode) and the `CloudFront-Policy` cookie's DateLessThan (parsed with
  `edge_auth.cookie_policy`; 0 when there is no valid one: refresh now), or 401
  `{"error":"signed_out"}`. No archive request in OAuth2 mode.
Error bodies also carry `message` and `action` in the words of `errors.py`.

One exception to "every cookie expired": when the provider answers `invalid_grant` to the
session's refresh token (reason `refresh_rejected`), the 401 sets NO cookie. The issuer keeps no
state, so it cannot tell a revoked session from a stale copy of a live one: two tabs (or a tab
and the service worker) that renewed at once with the same sealed session, where the provider
(django-oauth-toolkit, rotation without a grace period) let the first win. Expiring cookies in
the loser's answer would wipe the winner's fresh CloudFront cookies and session whenever the
browser applies the answers in that order. Leaving them is safe: expiring a signed cookie in
one browser never revoked it (it is a bearer credential, valid until its DateLessThan), so the
access left is at most the CloudFront cookies' own short lifetime, exactly what any copy of them
has; the refused refresh token mints nothing, a revoked user is refused again at the next
renewal (and by `/users/me/` for one not approved any more), and logout still expires all.
"""

from __future__ import annotations

from typing import Final

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.shared.cookies import Cookie

from cookie_issuer import oauth_flow, request
from cookie_issuer.cookies import set_cookie_headers
from cookie_issuer.errors import (
    BadRequestError,
    IssuerError,
    NotApprovedError,
    UnauthenticatedError,
)
from cookie_issuer.minting import mint_for
from cookie_issuer.oauth_client import REFRESH_REJECTED
from cookie_issuer.observability import count_failure, logger
from cookie_issuer.responses import json_response
from cookie_issuer.routing import IssuerRouter
from cookie_issuer.runtime import Runtime, get_runtime
from cookie_issuer.session import Identity, authenticate, find_credentials
from cookie_issuer.session_cookies import expire_everything, values
from edge_auth.auth_routes import REFRESH_PATH, SESSION_PATH
from edge_auth.cookie_policy import COOKIE_POLICY, PolicyError, parse_policy_cookie

router = IssuerRouter()

SIGNED_OUT: Final = "signed_out"
NOT_APPROVED: Final = "not_approved"
ARCHIVE_UNAVAILABLE: Final = "archive_unavailable"
CROSS_SITE: Final = "cross_site"


def _refused(error: str, exc: IssuerError, cookies: list[Cookie] | None = None) -> Response[str]:
    count_failure(exc.reason)
    logger.info("session request refused", extra={"reason": exc.reason, "status": exc.status})
    body = {"error": error, "reason": exc.reason, "message": exc.message, "action": exc.action}
    status = {SIGNED_OUT: 401, NOT_APPROVED: 403, CROSS_SITE: 403}.get(error, 503)
    return json_response(status, body, cookies=cookies)


def _same_origin(event: request.Event, runtime: Runtime) -> bool:
    headers = request.headers(event)
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    origin = headers.get("origin")
    return origin is not None and origin == request.viewer_origin(event, runtime.settings)


def _jwt_identity(runtime: Runtime, event: request.Event) -> Identity:
    # The viewer's session module sends cookies only: an Authorization header is not read here.
    headers = request.headers(event)
    cookie_header = {"cookie": headers["cookie"]} if "cookie" in headers else {}
    credentials = find_credentials(
        cookie_header, request.cookies(event), runtime.settings.session_cookie_name
    )
    if credentials is None:
        raise UnauthenticatedError(
            "No archive session reached the viewer.",
            reason="session_missing",
            action="Sign in again.",
        )
    return authenticate(credentials, runtime)


@router.post(REFRESH_PATH)
def refresh() -> Response[str]:
    event = router.current_event
    runtime = get_runtime()
    settings = runtime.settings
    if not _same_origin(event, runtime):
        return _refused(
            CROSS_SITE,
            BadRequestError(
                "Only the viewer itself may renew its cookies.",
                reason="cross_site",
                action="Open the viewer and let it renew its own cookies.",
            ),
        )
    origin = request.viewer_origin(event, settings)
    try:
        if settings.oauth_enabled:
            signed_in = oauth_flow.refresh(runtime, event)
            identity = signed_in.identity
            minted = mint_for(runtime, identity, origin)
            extra = [oauth_flow.session_cookie_for(runtime, signed_in)]
        else:
            identity = _jwt_identity(runtime, event)
            minted = mint_for(runtime, identity, origin)
            extra = []
    except UnauthenticatedError as exc:
        if exc.reason == REFRESH_REJECTED:
            return _refused(SIGNED_OUT, exc)  # maybe a stale copy: expire nothing (docstring)
        return _refused(SIGNED_OUT, exc, expire_everything(settings))
    except NotApprovedError as exc:
        return _refused(NOT_APPROVED, exc, expire_everything(settings))
    except IssuerError as exc:
        if exc.status < 500:
            return _refused(SIGNED_OUT, exc, expire_everything(settings))
        return _refused(ARCHIVE_UNAVAILABLE, exc)
    cookies = [*set_cookie_headers(minted, settings), *extra]
    return json_response(
        200, {"user": identity.subject, "expires": minted.expires}, cookies=cookies
    )


def _policy_expiry(event: request.Event) -> int:
    for value in values(event, COOKIE_POLICY):
        try:
            return parse_policy_cookie(value).not_after
        except PolicyError:
            continue
    return 0


@router.get(SESSION_PATH)
def session() -> Response[str]:
    event = router.current_event
    runtime = get_runtime()
    try:
        if runtime.settings.oauth_enabled:
            user = oauth_flow.current_user(runtime, event)
        else:
            user = _jwt_identity(runtime, event).subject
    except UnauthenticatedError:
        user = None
    except NotApprovedError as exc:
        return _refused(NOT_APPROVED, exc)
    except IssuerError as exc:
        if exc.status < 500:
            user = None
        else:
            return _refused(ARCHIVE_UNAVAILABLE, exc)
    if user is None:
        return json_response(401, {"error": SIGNED_OUT})
    return json_response(200, {"user": user, "expires": _policy_expiry(event)})
