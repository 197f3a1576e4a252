"""The issuer's browser routes under `/_auth/` (a Powertools Router; `app` includes it).

Contract, AUTH_MODE=oauth2 (the issuer is an OAuth2 client of the archive, `oauth_flow`):
- `GET /_auth/login?return=PATH`: 302 to the provider's `authorize/` (code + PKCE S256, random
  state) with the sealed state cookie.
- `GET /_auth/callback?code&state`: checks the state, exchanges the code, asks `/users/me/`,
  applies AUTH_RULE, sets the CloudFront cookies and the sealed session cookie and answers the
  page restoring the saved fragment. Any failure is a human page that sets no cookie; the state
  cookie is cleared whatever happens (single use). The callback never redirects by itself, so
  it cannot loop (the edge interstitial's bounded attempts stay in front of it).
- `GET|POST /_auth/logout`: revokes the session's tokens at `revoke_token/`, expires every
  cookie we set, 302 to ARCHIVE_LOGOUT_URL (or `/`).
Contract, AUTH_MODE=jwt (the archive's session JWT cookie):
- `GET /_auth/login?return=PATH`: 302 to ARCHIVE_LOGIN_URL with `next` = the absolute callback
  URL (`attempt=1`), or straight to the callback when a valid archive session is visible; a
  visible session of an account that is not approved gets the 403 page (not a sign-in form).
- `GET /_auth/callback?return=PATH[&attempt=N]`: verifies the session, sets the CloudFront
  cookies and answers the page restoring the saved fragment. Without a valid session it sends the
  browser back to the archive login at most MAX_LOGIN_ATTEMPTS times in a row, then raises the
  error (`error_handlers` renders it as a human page).
- `GET|POST /_auth/logout`: expires the cookies, 302 to ARCHIVE_LOGOUT_URL (or `/`).
Callback and logout also expire CloudFront cookies on LEGACY_COOKIE_DOMAINS (switch-over).
Paths and URLs come from `edge_auth.auth_routes`, the return path from `request.return_path`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aws_lambda_powertools.event_handler import Response

from cookie_issuer import oauth_flow, request
from cookie_issuer.cookies import (
    expire_cookie_headers,
    legacy_expiry_headers,
    set_cookie_headers,
)
from cookie_issuer.error_handlers import issuer_error_response
from cookie_issuer.errors import IssuerError, NotApprovedError, UnauthenticatedError
from cookie_issuer.minting import mint_for
from cookie_issuer.observability import count_failure, logger
from cookie_issuer.pages import CALLBACK_CSP, callback_page
from cookie_issuer.responses import html_response, redirect
from cookie_issuer.routing import IssuerRouter
from cookie_issuer.runtime import Runtime, get_runtime
from cookie_issuer.session import Credentials, authenticate, find_credentials
from cookie_issuer.session_cookies import expire_everything, expire_state
from cookie_issuer.settings import Settings
from edge_auth.auth_routes import (
    ATTEMPT_PARAM,
    CALLBACK_PATH,
    LOGIN_PATH,
    LOGOUT_PATH,
    callback_url,
)

MAX_LOGIN_ATTEMPTS: Final = 2

router = IssuerRouter()


def archive_login_url(settings: Settings, next_url: str) -> str:
    """ARCHIVE_LOGIN_URL with its `next` parameter (ARCHIVE_LOGIN_NEXT_PARAM) set to `next_url`."""
    parts = urlsplit(settings.archive_login_url)
    param = settings.archive_login_next_param
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != param]
    query.append((param, next_url))
    return urlunsplit(parts._replace(query=urlencode(query)))


@dataclass(frozen=True)
class _SignIn:
    """One step of the login round trip: where it returns to, for which viewer, with what."""

    event: request.Event
    runtime: Runtime
    return_path: str
    origin: str

    @classmethod
    def current(cls) -> _SignIn:
        event = router.current_event
        runtime = get_runtime()
        return_path = request.return_path(event)
        return cls(event, runtime, return_path, request.viewer_origin(event, runtime.settings))

    def credentials(self) -> Credentials | None:
        """The archive session the browser shows: an Authorization header or a session cookie."""
        return find_credentials(
            request.headers(self.event),
            request.cookies(self.event),
            self.runtime.settings.session_cookie_name,
        )

    def to_archive_login(self, attempt: int) -> Response[str]:
        next_url = self.origin + callback_url(self.return_path, attempt)
        return redirect(archive_login_url(self.runtime.settings, next_url))

    def attempt(self) -> int:
        value = request.query_value(self.event, ATTEMPT_PARAM)
        if value is None:
            return 0
        if not value.isascii() or not value.isdigit() or len(value) > 2:
            return MAX_LOGIN_ATTEMPTS  # garbage: stop rather than loop
        return int(value)


@router.get(LOGIN_PATH)
def login() -> Response[str]:
    sign_in = _SignIn.current()
    if sign_in.runtime.settings.oauth_enabled:
        authorize, state = oauth_flow.start(sign_in.runtime, sign_in.return_path)
        return redirect(authorize, cookies=[state])
    try:
        credentials = sign_in.credentials()
        if credentials is not None:
            authenticate(credentials, sign_in.runtime)
            return redirect(callback_url(sign_in.return_path))
    except NotApprovedError:
        # Signed in but not approved: another sign-in form would not help; say so (403 page).
        raise
    except IssuerError as exc:
        # Only a shortcut: any doubt about the visible session means a normal archive login.
        logger.info("login: visible session not usable", extra={"reason": exc.reason})
    return sign_in.to_archive_login(1)


def _oauth_callback(sign_in: _SignIn) -> Response[str]:
    runtime = sign_in.runtime
    try:
        signed_in = oauth_flow.finish(runtime, sign_in.event)
        minted = mint_for(runtime, signed_in.identity, sign_in.origin)
        session = oauth_flow.session_cookie_for(runtime, signed_in)
    except IssuerError as exc:
        response = issuer_error_response(exc, sign_in.event)
        response.cookies.append(expire_state())  # single use, also when it failed
        return response
    cookies = [
        *set_cookie_headers(minted, runtime.settings),
        session,
        expire_state(),
        *legacy_expiry_headers(runtime.settings),
    ]
    return html_response(200, callback_page(signed_in.return_path), CALLBACK_CSP, cookies=cookies)


@router.get(CALLBACK_PATH)
def callback() -> Response[str]:
    sign_in = _SignIn.current()
    if sign_in.runtime.settings.oauth_enabled:
        return _oauth_callback(sign_in)
    attempt = sign_in.attempt()
    runtime = sign_in.runtime
    try:
        credentials = sign_in.credentials()
        if credentials is None:
            raise UnauthenticatedError(
                "No archive session reached the viewer after signing in.",
                reason="session_missing",
                action="Allow cookies for the LINC archive and this viewer, sign in to the "
                "archive, then open the viewer link again.",
            )
        identity = authenticate(credentials, runtime)
    except UnauthenticatedError as exc:
        if attempt < MAX_LOGIN_ATTEMPTS:
            count_failure(exc.reason)
            return sign_in.to_archive_login(attempt + 1)
        raise
    minted = mint_for(runtime, identity, sign_in.origin)
    return html_response(
        200,
        callback_page(sign_in.return_path),
        CALLBACK_CSP,
        cookies=set_cookie_headers(minted, runtime.settings)
        + legacy_expiry_headers(runtime.settings),
    )


@router.route(LOGOUT_PATH, method=["GET", "POST"])
def logout() -> Response[str]:
    runtime = get_runtime()
    settings = runtime.settings
    logger.info("logout")
    legacy = legacy_expiry_headers(settings)
    if settings.oauth_enabled:
        oauth_flow.sign_out(runtime, router.current_event)
        return redirect(
            settings.archive_logout_url or "/", cookies=expire_everything(settings) + legacy
        )
    return redirect(
        settings.archive_logout_url or "/", cookies=expire_cookie_headers(settings) + legacy
    )
