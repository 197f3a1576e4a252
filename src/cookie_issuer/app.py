"""The issuer's Lambda entry point: `cookie_issuer.app.lambda_handler` (API Gateway HTTP API v2).

Contract: assembles the Powertools APIGatewayHttpResolver from the browser routes
(`browser_routes`: `/_auth/login`, `/_auth/callback`, `/_auth/logout`), the session API
(`session_routes`: `POST /_auth/refresh`, `GET /_auth/session`), the script API
(`api_routes`: `/api/permissions/s3/` and its preflight), the short-link API (`link_routes`:
`POST /api/links/`) and the one error mapping
(`error_handlers`: unknown path 404, known path with another method 405, JSON on API routes,
human pages on `/_auth/*`, never cookies, never a stack trace). Each invocation counts a
`Requests` metric, flushes metrics, logs with the Lambda context and API Gateway's request id
as correlation id, and is traced with X-Ray when tracing is enabled. An event that is not an
HTTP API event gets a JSON 400 without reaching the resolver.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from cookie_issuer import api_routes, browser_routes, error_handlers, link_routes, session_routes
from cookie_issuer.observability import logger, metrics, traced
from cookie_issuer.routing import allowed_methods

resolver = APIGatewayHttpResolver()
resolver.include_router(browser_routes.router)
resolver.include_router(api_routes.router)
resolver.include_router(link_routes.router)
resolver.include_router(session_routes.router)
error_handlers.register(
    resolver,
    allowed_methods(
        browser_routes.router, api_routes.router, link_routes.router, session_routes.router
    ),
)


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


# With tracing off (outside Lambda, SAM local, POWERTOOLS_TRACE_DISABLED) this is _invoke itself
# and the X-Ray SDK is never imported.
_traced: Callable[[dict[str, Any], LambdaContext], dict[str, Any]] = traced(_invoke)


# log_event pinned off: POWERTOOLS_LOGGER_LOG_EVENT=true would otherwise log whole events, tokens
# and cookies included.
@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.set_correlation_id(_request_id(event))
    return _traced(event, context)
