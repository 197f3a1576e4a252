"""The issuer's HTTP API (API Gateway HTTP API, payload v2): `cookie_issuer.app.lambda_handler`.

Routes (Powertools APIGatewayHttpResolver):
- `GET /_auth/login?return=PATH`: 302 to ARCHIVE_LOGIN_URL with `next` = the absolute callback
  URL (`attempt=1`), or straight to the callback when a valid archive session is visible.
- `GET /_auth/callback?return=PATH[&attempt=N]`: verifies the session, sets the CloudFront
  cookies and answers the page restoring the saved fragment. Without a valid session it sends the
  browser back to the archive login at most MAX_LOGIN_ATTEMPTS times in a row, then a human page.
- `GET|POST /_auth/logout`: expires the cookies, 302 to ARCHIVE_LOGOUT_URL (or `/`).
- `GET /api/permissions/s3/`: `Authorization` header only; JSON cookie values plus Set-Cookie;
  CORS for the exact CORS_ALLOWED_ORIGINS with credentials; `OPTIONS` preflight answered.
Unknown path: 404, known path with another method: 405. Errors are JSON on API routes and human
pages on `/_auth/*`, never with cookies, never a stack trace. The viewer origin is VIEWER_ORIGIN,
or, when that is empty, `https://` + X-Forwarded-Host (else Host); docs/security-model.md says why
that is safe.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import parse_qs, parse_qsl, quote, urlencode, urlsplit, urlunsplit

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from cookie_issuer.cookies import MintedCookies, expire_cookie_headers, mint, set_cookie_headers
from cookie_issuer.errors import (
    BadRequestError,
    DependencyUnavailableError,
    IssuerError,
    NotApprovedError,
    UnauthenticatedError,
)
from cookie_issuer.observability import count_failure, logger, metrics, tracer
from cookie_issuer.pages import CALLBACK_CSP, callback_page
from cookie_issuer.responses import (
    cors_headers,
    error_response,
    html_response,
    json_response,
    redirect,
)
from cookie_issuer.runtime import Runtime, get_runtime
from cookie_issuer.session import AUTH_FORMS, Identity, authenticate, find_credentials
from cookie_issuer.settings import Settings
from edge_auth.return_path import (
    AUTH_PREFIX,
    CALLBACK_PATH,
    LOGIN_PATH,
    LOGOUT_PATH,
    RETURN_PARAM,
    safe_return_path,
)

API_PATH: Final = "/api/permissions/s3/"
ATTEMPT_PARAM: Final = "attempt"
MAX_LOGIN_ATTEMPTS: Final = 2
ROUTE_METHODS: Final = {
    LOGIN_PATH: ("GET",),
    CALLBACK_PATH: ("GET",),
    LOGOUT_PATH: ("GET", "POST"),
    API_PATH: ("GET", "OPTIONS"),
}
_HOST: Final = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})(?::[0-9]{1,5})?")

resolver = APIGatewayHttpResolver()


# -- request helpers -----------------------------------------------------------------------
def _headers() -> dict[str, str]:
    raw = resolver.current_event.get("headers") or {}
    return {str(k).lower(): str(v) for k, v in raw.items()}


def _cookies() -> list[str]:
    return [str(c) for c in resolver.current_event.get("cookies") or []]


def _query_value(name: str) -> str | None:
    values = parse_qs(resolver.current_event.get("rawQueryString") or "", keep_blank_values=True)
    found = values.get(name)
    # A repeated parameter is ambiguous: treat it as absent (the safe default).
    return found[0] if found and len(found) == 1 else None


def _return_path() -> str:
    return safe_return_path(_query_value(RETURN_PARAM))


def _attempt() -> int:
    value = _query_value(ATTEMPT_PARAM)
    if value is None:
        return 0
    if not value.isascii() or not value.isdigit() or len(value) > 2:
        return MAX_LOGIN_ATTEMPTS  # garbage: stop rather than loop
    return int(value)


def _viewer_origin(settings: Settings) -> str:
    if settings.viewer_origin:
        return settings.viewer_origin
    headers = _headers()
    host = headers.get("x-forwarded-host") or headers.get("host") or ""
    if not _HOST.fullmatch(host):
        raise BadRequestError(
            "The issuer cannot tell which viewer this request is for (no usable "
            "X-Forwarded-Host or Host header).",
            reason="viewer_unknown",
            action="Open the viewer through its public address, or set VIEWER_ORIGIN.",
        )
    return f"https://{host.lower()}"


def _callback_path(return_path: str, attempt: int | None) -> str:
    url = f"{CALLBACK_PATH}?{RETURN_PARAM}={quote(return_path, safe='')}"
    return url if attempt is None else f"{url}&{ATTEMPT_PARAM}={attempt}"


def _login_path(return_path: str) -> str:
    return f"{LOGIN_PATH}?{RETURN_PARAM}={quote(return_path, safe='')}"


def archive_login_url(settings: Settings, next_url: str) -> str:
    parts = urlsplit(settings.archive_login_url)
    param = settings.archive_login_next_param
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != param]
    query.append((param, next_url))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _mint_cookies(runtime: Runtime, identity: Identity, origin: str) -> MintedCookies:
    settings = runtime.settings
    minted = mint(
        viewer_origin=origin,
        now=time.time(),
        ttl_seconds=settings.cookie_ttl_seconds,
        key_pair_id=settings.key_pair_id,
        hash_algorithm=settings.hash_algorithm,
        sign=runtime.signer.sign,
    )
    metrics.add_metric(name="CookiesMinted", unit=MetricUnit.Count, value=1)
    logger.info(
        "cookies minted",
        extra={"subject": identity.subject, "source": identity.source, "expires": minted.expires},
    )
    return minted


# -- routes --------------------------------------------------------------------------------
@resolver.get(LOGIN_PATH)
def login() -> Response[str]:
    runtime = get_runtime()
    return_path = _return_path()
    origin = _viewer_origin(runtime.settings)
    try:
        credentials = find_credentials(_headers(), _cookies(), runtime.settings.session_cookie_name)
        if credentials is not None:
            authenticate(credentials, runtime)
            return redirect(_callback_path(return_path, None))
    except IssuerError as exc:
        # Only a shortcut: any doubt about the visible session means a normal archive login.
        logger.info("login: visible session not usable", extra={"reason": exc.reason})
    next_url = origin + _callback_path(return_path, 1)
    return redirect(archive_login_url(runtime.settings, next_url))


@resolver.get(CALLBACK_PATH)
def callback() -> Response[str]:
    runtime = get_runtime()
    return_path = _return_path()
    origin = _viewer_origin(runtime.settings)
    attempt = _attempt()
    try:
        credentials = find_credentials(_headers(), _cookies(), runtime.settings.session_cookie_name)
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
            next_url = origin + _callback_path(return_path, attempt + 1)
            return redirect(archive_login_url(runtime.settings, next_url))
        raise
    minted = _mint_cookies(runtime, identity, origin)
    return html_response(
        200,
        callback_page(return_path),
        CALLBACK_CSP,
        cookies=set_cookie_headers(minted, runtime.settings),
    )


@resolver.route(LOGOUT_PATH, method=["GET", "POST"])
def logout() -> Response[str]:
    settings = get_runtime().settings
    logger.info("logout")
    return redirect(settings.archive_logout_url or "/", cookies=expire_cookie_headers(settings))


@resolver.get(API_PATH)
def permissions() -> Response[str]:
    runtime = get_runtime()
    headers = _headers()
    cors = cors_headers(headers.get("origin"), runtime.settings.cors_allowed_origins)
    credentials = find_credentials(headers, [], None, allow_cookie=False)
    if credentials is None:
        raise UnauthenticatedError(
            "No Authorization header.",
            reason="credentials_missing",
            action=AUTH_FORMS,
        )
    identity = authenticate(credentials, runtime)
    minted = _mint_cookies(runtime, identity, _viewer_origin(runtime.settings))
    body = {
        "cookies": minted.values,
        "expires": minted.expires,
        "resource": minted.resource,
        "key_pair_id": minted.key_pair_id,
    }
    return json_response(200, body, cors, cookies=set_cookie_headers(minted, runtime.settings))


@resolver.route(API_PATH, method="OPTIONS")
def preflight() -> Response[str]:
    settings = get_runtime().settings
    origin = _headers().get("origin")
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


# -- errors --------------------------------------------------------------------------------
def _path() -> str:
    return str(resolver.current_event.get("rawPath") or "/")


def _error_link(error: IssuerError) -> tuple[str, str] | None:
    if isinstance(error, UnauthenticatedError | DependencyUnavailableError):
        return (_login_path(_return_path()), "Sign in again")
    if isinstance(error, NotApprovedError):
        return ("/_auth/logout", "Sign out")
    return None


def handle_issuer_error(error: IssuerError) -> Response[str]:
    path = _path()
    count_failure(error.reason)
    logger.info("request refused", extra={"reason": error.reason, "status": error.status})
    if path.startswith(AUTH_PREFIX):
        return error_response(error, html=True, link=_error_link(error))
    headers: dict[str, str] = {}
    if path == API_PATH:
        try:
            allowed = get_runtime().settings.cors_allowed_origins
        except IssuerError:
            allowed = frozenset()
        headers = cors_headers(_headers().get("origin"), allowed)
    return error_response(error, html=False, headers=headers)


@resolver.not_found
def handle_not_found(_: NotFoundError) -> Response[str]:
    path = _path()
    allowed = ROUTE_METHODS.get(path)
    if allowed is not None:
        error: IssuerError = BadRequestError(
            f"{path} does not answer this method.",
            reason="method_not_allowed",
            action=f"Use {' or '.join(allowed)}.",
        )
        error.status = 405
        response = error_response(error, html=path.startswith(AUTH_PREFIX))
        response.headers["Allow"] = ", ".join(allowed)
        return response
    error = BadRequestError(
        f"There is nothing at {path[:200]}.",
        reason="not_found",
        action="Use /_auth/login, /_auth/callback, /_auth/logout or /api/permissions/s3/.",
    )
    error.status = 404
    return error_response(error, html=path.startswith(AUTH_PREFIX))


def handle_unexpected(error: Exception) -> Response[str]:
    # Our bug or an unforeseen input: log the type only (messages may quote request data).
    logger.error("unexpected error", extra={"error_type": type(error).__name__})
    count_failure("internal_error")
    issue = DependencyUnavailableError(
        "The issuer hit an unexpected problem.",
        reason="internal_error",
        action="Try again in a minute; if it keeps happening, tell the LINC team.",
    )
    return error_response(issue, html=_path().startswith(AUTH_PREFIX))


# Registered by call, not decorator: Powertools' decorator is untyped for mypy --strict.
resolver.exception_handler(IssuerError)(handle_issuer_error)
resolver.exception_handler(Exception)(handle_unexpected)


# -- entry point ---------------------------------------------------------------------------
def _request_id(event: object) -> str | None:
    """API Gateway's request id, the log correlation id (Powertools' API_GATEWAY_HTTP path).

    Read directly rather than through `correlation_id_path`, which runs a JMESPath query on
    every invocation for the same two-key lookup.
    """
    if isinstance(event, dict):
        request_context = event.get("requestContext")
        if isinstance(request_context, dict):
            request_id = request_context.get("requestId")
            if isinstance(request_id, str):
                return request_id
    return None


@metrics.log_metrics
def _invoke(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    if not isinstance(event, dict) or not isinstance(event.get("requestContext"), dict):
        return {
            "statusCode": 400,
            "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
            "body": '{"error":"bad_request","message":"Not an API Gateway HTTP API event.",'
            '"action":"Invoke through the HTTP API (payload format 2.0)."}',
        }
    return resolver.resolve(event, context)


# With tracing off (outside Lambda, SAM local, POWERTOOLS_TRACE_DISABLED) the X-Ray SDK is
# disabled and capture_lambda_handler would only build a throw-away dummy subsegment per request.
_traced: Callable[[dict[str, Any], LambdaContext], dict[str, Any]] = (
    _invoke if tracer.disabled else tracer.capture_lambda_handler(capture_response=False)(_invoke)
)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.set_correlation_id(_request_id(event))
    return _traced(event, context)
