"""Every failure of a request, turned into its answer: the issuer's one error mapping.

Contract: `register(resolver, routes)` installs three Powertools exception handlers:
- `IssuerError` (raised by routes): counted (`count_failure`), logged with reason and status,
  answered as a human page with a next-step link on `/_auth/*`, as JSON elsewhere, with the CORS
  headers of an allowlisted origin on the API path;
- Powertools' NotFoundError (no route matched): MethodNotAllowedError (405, `Allow` header) for
  a path in `routes` (path -> methods, see `routing.allowed_methods`), PathNotFoundError (404)
  otherwise; neither is counted as a failure;
- any other exception: our bug or an unforeseen input, logged by type only (a message may quote
  request data), answered as a 503 `internal_error`, never a stack trace.
No error answer ever sets a cookie.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from cookie_issuer import request
from cookie_issuer.api_routes import API_PATH
from cookie_issuer.errors import (
    DependencyUnavailableError,
    IssuerError,
    MethodNotAllowedError,
    NotApprovedError,
    PathNotFoundError,
    UnauthenticatedError,
)
from cookie_issuer.observability import count_failure, logger
from cookie_issuer.responses import cors_headers, error_response
from cookie_issuer.runtime import get_runtime
from edge_auth.auth_routes import AUTH_PREFIX, LOGOUT_PATH, login_url


def _error_link(error: IssuerError, event: request.Event) -> tuple[str, str] | None:
    if isinstance(error, UnauthenticatedError | DependencyUnavailableError):
        return (login_url(request.return_path(event)), "Sign in again")
    if isinstance(error, NotApprovedError):
        return (LOGOUT_PATH, "Sign out")
    return None


def issuer_error_response(error: IssuerError, event: request.Event) -> Response[str]:
    path = request.path(event)
    count_failure(error.reason)
    logger.info("request refused", extra={"reason": error.reason, "status": error.status})
    if path.startswith(AUTH_PREFIX):
        return error_response(error, html=True, link=_error_link(error, event))
    headers: dict[str, str] = {}
    if path == API_PATH:
        try:
            allowed = get_runtime().settings.cors_allowed_origins
        except IssuerError:
            allowed = frozenset()
        headers = cors_headers(request.headers(event).get("origin"), allowed)
    return error_response(error, html=False, headers=headers)


def no_route_response(event: request.Event, routes: Mapping[str, tuple[str, ...]]) -> Response[str]:
    path = request.path(event)
    html = path.startswith(AUTH_PREFIX)
    allowed = routes.get(path)
    if allowed is not None:
        error = MethodNotAllowedError(f"{path} does not answer this method.", allowed=allowed)
        response = error_response(error, html=html)
        response.headers["Allow"] = ", ".join(error.allowed)
        return response
    *others, last = routes
    return error_response(
        PathNotFoundError(
            f"There is nothing at {path[:200]}.", action=f"Use {', '.join(others)} or {last}."
        ),
        html=html,
    )


def unexpected_error_response(error: Exception, event: request.Event) -> Response[str]:
    # Our bug or an unforeseen input: log the type only (messages may quote request data).
    logger.error("unexpected error", extra={"error_type": type(error).__name__})
    count_failure("internal_error")
    issue = DependencyUnavailableError(
        "The issuer hit an unexpected problem.",
        reason="internal_error",
        action="Try again in a minute; if it keeps happening, tell the LINC team.",
    )
    return error_response(issue, html=request.path(event).startswith(AUTH_PREFIX))


def register(resolver: APIGatewayHttpResolver, routes: Mapping[str, tuple[str, ...]]) -> None:
    def on_issuer_error(error: IssuerError) -> Response[str]:
        return issuer_error_response(error, resolver.current_event)

    def on_no_route(_: NotFoundError) -> Response[str]:
        return no_route_response(resolver.current_event, routes)

    def on_unexpected(error: Exception) -> Response[str]:
        return unexpected_error_response(error, resolver.current_event)

    # Registered by call, not decorator: Powertools' decorator is untyped for mypy --strict.
    resolver.exception_handler(IssuerError)(on_issuer_error)
    resolver.not_found(on_no_route)
    resolver.exception_handler(Exception)(on_unexpected)
