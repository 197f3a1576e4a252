"""Powertools Logger, Metrics and Tracer shared by the issuer's modules.

Contract: one `logger` (JSON, correlation id = API Gateway request id, set by the handler),
`metrics` (namespace POWERTOOLS_METRICS_NAMESPACE, default "LincEdgeAuth"),
`traced(handler)`, and `count_failure(reason)`, which emits a `Failures` metric with a `reason`
dimension. Nothing here logs request headers, cookies or bodies: callers log reasons and subjects
only.

`traced(handler)` returns the handler wrapped in an X-Ray capture when tracing is on (in Lambda,
unless POWERTOOLS_TRACE_DISABLED, as Powertools decides), else the handler itself, and then
never imports the X-Ray SDK: constructing a Powertools Tracer imports it even when tracing is
off. With tracing on, only botocore and http.client are patched (`TRACED_MODULES`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.tracing.tracer import Tracer

Handler = TypeVar("Handler", bound=Callable[..., Any])
TRACED_MODULES = ("botocore", "httplib")

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "cookie-issuer")
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "LincEdgeAuth")

logger = Logger(service=SERVICE)

# botocore logs whole response bodies at DEBUG, GetSecretValue's (the private key) included. Keep
# the AWS SDK loggers at INFO whatever the function's log level is, so no debug setting can ever
# put the key in CloudWatch.
for _name in ("botocore", "boto3", "urllib3", "s3transfer"):
    logging.getLogger(_name).setLevel(logging.INFO)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


def tracing_enabled() -> bool:
    """Powertools' own rule (the tracer module loads the X-Ray SDK lazily; this does not)."""
    return not Tracer._is_tracer_disabled()


def traced(handler: Handler) -> Handler:
    if not tracing_enabled():
        return handler
    # Only what the issuer calls: the AWS SDK (Secrets Manager, S3) and http.client (JWKS, archive
    # API, through urllib). Patching everything X-Ray knows also imports sqlite3 and more.
    tracer = Tracer(service=SERVICE, patch_modules=TRACED_MODULES)
    wrapped: Handler = tracer.capture_lambda_handler(capture_response=False)(handler)
    return wrapped


def count_failure(reason: str) -> None:
    with single_metric(
        name="Failures", unit=MetricUnit.Count, value=1, namespace=NAMESPACE
    ) as metric:
        metric.add_dimension(name="reason", value=reason)
