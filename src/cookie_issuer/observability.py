"""Powertools Logger, Metrics and Tracer shared by the issuer's modules.

Contract: one `logger` (JSON, correlation id = API Gateway request id, set by the handler),
`metrics` (namespace POWERTOOLS_METRICS_NAMESPACE, default "LincEdgeAuth"), `tracer`, and
`count_failure(reason)`, which emits a `Failures` metric with a `reason` dimension. Nothing here
logs request headers, cookies or bodies: callers log reasons and subjects only.
"""

from __future__ import annotations

import logging
import os

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "cookie-issuer")
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "LincEdgeAuth")

logger = Logger(service=SERVICE)

# botocore logs whole response bodies at DEBUG, GetSecretValue's (the private key) included. Keep
# the AWS SDK loggers at INFO whatever the function's log level is, so no debug setting can ever
# put the key in CloudWatch.
for _name in ("botocore", "boto3", "urllib3", "s3transfer"):
    logging.getLogger(_name).setLevel(logging.INFO)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
tracer = Tracer(service=SERVICE)


def count_failure(reason: str) -> None:
    with single_metric(
        name="Failures", unit=MetricUnit.Count, value=1, namespace=NAMESPACE
    ) as metric:
        metric.add_dimension(name="reason", value=reason)
