"""Faithful Lambda events and response translation for the CloudFront emulator.

Contract:
- `viewer_request_event(...)` builds a Lambda@Edge viewer-request event as CloudFront sends it
  (`Records[0].cf.config` + `request` with clientIp, headers as lowercase keys of
  `[{key, value}]` keeping every value of a repeated header, method, querystring without `?`,
  uri).
- `http_api_event(...)` builds an API Gateway HTTP API payload 2.0 event (version, routeKey from
  the API's routes or `$default`, rawPath, rawQueryString, cookies list, headers with lowercase
  names and repeated values joined by commas, queryStringParameters likewise, requestContext
  with http.method/path/protocol/sourceIp/userAgent, requestId, time, body, isBase64Encoded).
- `http_api_response(result)` turns a payload-2.0 Lambda answer into (status, [(name, value)],
  body bytes), emitting one Set-Cookie per `cookies` item, or raises `BadLambdaResponse`.
- `LambdaContext` is the small context object handlers (and Powertools) read.
"""

from __future__ import annotations

import base64
import importlib
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qsl


class BadLambdaResponse(ValueError):
    """The function's answer is not one API Gateway (or CloudFront) would accept."""


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int = 128
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = ""
    function_version: str = "1"

    def __post_init__(self) -> None:
        self.invoked_function_arn = (
            f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"
        )
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 5000


def viewer_request_event(
    *,
    distribution_domain: str,
    distribution_id: str,
    client_ip: str,
    method: str,
    uri: str,
    querystring: str,
    headers: Sequence[tuple[str, str]],
) -> dict[str, Any]:
    cf_headers: dict[str, list[dict[str, str]]] = {}
    for name, value in headers:
        cf_headers.setdefault(name.lower(), []).append({"key": name, "value": value})
    return {
        "Records": [
            {
                "cf": {
                    "config": {
                        "distributionDomainName": distribution_domain,
                        "distributionId": distribution_id,
                        "eventType": "viewer-request",
                        "requestId": base64.urlsafe_b64encode(uuid.uuid4().bytes).decode()[:56],
                    },
                    "request": {
                        "clientIp": client_ip,
                        "headers": cf_headers,
                        "method": method,
                        "querystring": querystring,
                        "uri": uri,
                    },
                }
            }
        ]
    }


def _route_key(method: str, path: str, routes: Sequence[str]) -> str:
    wanted = f"{method} {path}"
    return wanted if wanted in routes else "$default"


def http_api_event(
    *,
    api_domain: str,
    method: str,
    path: str,
    raw_query: str,
    headers: Sequence[tuple[str, str]],
    source_ip: str,
    body: bytes,
    routes: Sequence[str] = (),
) -> dict[str, Any]:
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        lower = name.lower()
        if lower == "cookie":
            # HTTP API moves cookies into `cookies` and drops the header.
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        joined[lower] = f"{joined[lower]},{value}" if lower in joined else value
    params: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        params[key] = f"{params[key]},{value}" if key in params else value
    now = time.time()
    route_key = _route_key(method, path, routes)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": joined,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": api_domain.split(".", 1)[0],
            "domainName": api_domain,
            "domainPrefix": api_domain.split(".", 1)[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": joined.get("user-agent", ""),
            },
            "requestId": base64.b32encode(uuid.uuid4().bytes).decode()[:16],
            "routeKey": route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if params:
        event["queryStringParameters"] = params
    if body:
        try:
            event["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


def http_api_response(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    if not isinstance(result, dict) or "statusCode" not in result:
        raise BadLambdaResponse("the issuer did not return a payload 2.0 response object")
    status = result["statusCode"]
    if not isinstance(status, int) or not 100 <= status <= 599:
        raise BadLambdaResponse(f"statusCode {status!r} is not an HTTP status")
    headers: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        headers.append((str(name), str(value)))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((str(name), str(v)) for v in values)
    for cookie in result.get("cookies") or []:
        headers.append(("Set-Cookie", str(cookie)))
    body = result.get("body") or ""
    if not isinstance(body, str):
        raise BadLambdaResponse("body must be a string")
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    return status, headers, data


class LocalFunction:
    """A Lambda handler imported by its `module.function` name, invoked like Lambda would.

    `serial=True` runs one event at a time (one warm container), which the issuer needs:
    Powertools' resolver keeps the current event on a module-level object.
    """

    _registry: ClassVar[dict[str, LocalFunction]] = {}
    _registry_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, dotted: str, serial: bool) -> None:
        module_name, _, function = dotted.rpartition(".")
        self.dotted = dotted
        self.name = module_name.split(".", 1)[0].replace("_", "-")
        self._handler = getattr(importlib.import_module(module_name), function)
        self._lock = threading.Lock() if serial else None
        self.invocations = 0

    @classmethod
    def get(cls, dotted: str, serial: bool = False) -> LocalFunction:
        """One instance per handler name, shared by every server of the stack."""
        with cls._registry_lock:
            if dotted not in cls._registry:
                cls._registry[dotted] = cls(dotted, serial)
            return cls._registry[dotted]

    def invoke(self, event: dict[str, Any]) -> Any:
        context = LambdaContext(self.name)
        if self._lock is None:
            self.invocations += 1
            return self._handler(event, context)
        with self._lock:
            self.invocations += 1
            return self._handler(event, context)
