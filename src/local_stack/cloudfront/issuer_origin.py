"""The issuer origin as CloudFront reaches it: an HTTP API (payload 2.0) in front of the Lambda.

Contract: `call_issuer(handler, routes, method=..., path=..., query=..., headers=..., body=...,
client_ip=...)` forwards the viewer's request the way the `/_auth/*` behavior's origin request
policy does (Managed-AllViewerExceptHostHeader: every viewer header but Host, plus CloudFront's
own X-Forwarded-* and Via), invokes the issuer handler in process (one call at a time, as one
warm Lambda instance) and returns `(status, headers, body)`; a response API Gateway would refuse
raises `BadLambdaResponse`, which the emulator answers 502 as CloudFront does.
"""

from __future__ import annotations

from typing import Any, Final

from local_stack.lambda_events import LocalFunction, http_api_event, http_api_response

ISSUER_API_DOMAIN: Final = "localapi.execute-api.us-east-1.amazonaws.com"


def call_issuer(
    handler: str,
    routes: Any,
    *,
    method: str,
    path: str,
    query: str,
    headers: list[tuple[str, str]],
    body: bytes,
    client_ip: str,
) -> tuple[int, list[tuple[str, str]], bytes]:
    host = next((v for n, v in headers if n.lower() == "host"), "")
    forwarded = [(n, v) for n, v in headers if n.lower() != "host"]
    forwarded += [
        ("Host", ISSUER_API_DOMAIN),
        ("X-Forwarded-For", client_ip),
        ("X-Forwarded-Host", host),
        ("X-Forwarded-Proto", "https"),
        ("Via", "1.1 local.cloudfront.net (CloudFront)"),
    ]
    event = http_api_event(
        api_domain=ISSUER_API_DOMAIN,
        method=method,
        path=path,
        raw_query=query,
        headers=forwarded,
        source_ip=client_ip,
        body=body,
        routes=routes,
    )
    result = LocalFunction.get(handler, serial=True).invoke(event)
    return http_api_response(result)
