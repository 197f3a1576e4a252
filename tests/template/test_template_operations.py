"""Operations (issue 13, items 8 and 9): access logs, WAF on /_auth/*, alarms, reserved
concurrency, the KMS key-policy statement. Each is optional and off by default."""

from __future__ import annotations

import json
from typing import Any

import pytest

from template_model import TemplateError
from tests.template.support import PEM_A, deployed, translate

TOPIC = "arn:aws:sns:us-east-1:123456789012:linc-alarms"
KMS_KEY = "arn:aws:kms:us-east-2:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"


@pytest.fixture(scope="module")
def translated() -> dict[str, Any]:
    return translate()


def _deploy(translated: dict[str, Any], **overrides: Any) -> Any:
    return deployed(translated, {"Distribution": "E123EXAMPLE"}, PublicKeyA=PEM_A, **overrides)


def _config(t: Any) -> dict[str, Any]:
    config: dict[str, Any] = t.resources["Distribution"]["Properties"]["DistributionConfig"]
    return config


def test_defaults_add_no_web_acl_no_logs_no_reservation_no_kms(
    translated: dict[str, Any],
) -> None:
    t = _deploy(translated)
    assert "AuthRateLimitWebAcl" not in t.resources
    assert "WebACLId" not in _config(t) and "Logging" not in _config(t)
    assert "ReservedConcurrentExecutions" not in t.resources["IssuerFunction"]["Properties"]
    assert "AssetKmsKeyPolicyStatement" not in t.outputs
    for alarm in ("IssuerErrorsAlarm", "IssuerThrottlesAlarm"):
        assert "AlarmActions" not in t.resources[alarm]["Properties"]


def test_waf_rate_limits_the_sign_in_routes_only(translated: dict[str, Any]) -> None:
    t = _deploy(translated, WafAuthRateLimit="300")
    acl = t.resources["AuthRateLimitWebAcl"]["Properties"]
    assert acl["Scope"] == "CLOUDFRONT"
    assert acl["DefaultAction"] == {"Allow": {}}
    (rule,) = acl["Rules"]
    response = rule["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 429
    body = acl["CustomResponseBodies"][response["CustomResponseBodyKey"]]
    assert body["ContentType"] == "TEXT_PLAIN" and "Wait five minutes" in body["Content"]
    rate = rule["Statement"]["RateBasedStatement"]
    assert int(rate["Limit"]) == 300 and rate["AggregateKeyType"] == "IP"
    match = rate["ScopeDownStatement"]["ByteMatchStatement"]
    assert match["FieldToMatch"] == {"UriPath": {}}
    assert (match["PositionalConstraint"], match["SearchString"]) == ("STARTS_WITH", "/_auth/")
    assert _config(t)["WebACLId"] == {"Fn::GetAtt": ["AuthRateLimitWebAcl", "Arn"]}


@pytest.mark.parametrize("limit", ["1", "9"])
def test_waf_limit_below_the_aws_minimum_is_refused(translated: dict[str, Any], limit: str) -> None:
    with pytest.raises(TemplateError, match="at least 10"):
        _deploy(translated, WafAuthRateLimit=limit)


def test_access_logs_never_include_cookies(translated: dict[str, Any]) -> None:
    logging = _config(_deploy(translated, AccessLogBucket="linc-logs"))["Logging"]
    assert logging == {
        "Bucket": "linc-logs.s3.amazonaws.com",
        "IncludeCookies": False,
        "Prefix": "linc-edge-auth/",
    }


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_issuer_alarms_watch_the_issuer_function(translated: dict[str, Any], metric: str) -> None:
    t = _deploy(translated, AlarmTopicArn=TOPIC)
    alarm = t.resources[f"Issuer{metric}Alarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/Lambda", metric)
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "IssuerFunction"}}]
    assert alarm["Statistic"] == "Sum" and int(alarm["Threshold"]) == 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == [TOPIC]


def test_reserved_concurrency_is_a_parameter(translated: dict[str, Any]) -> None:
    t = _deploy(translated, IssuerReservedConcurrency="20")
    assert int(t.resources["IssuerFunction"]["Properties"]["ReservedConcurrentExecutions"]) == 20


def test_kms_key_policy_statement_lets_this_distribution_decrypt_only(
    translated: dict[str, Any],
) -> None:
    t = _deploy(translated, AssetBucketKmsKeyArn=KMS_KEY)
    statement = json.loads(t.outputs["AssetKmsKeyPolicyStatement"]["Value"])
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Action"] == "kms:Decrypt"
    assert statement["Condition"] == {
        "StringEquals": {
            "AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E123EXAMPLE"
        }
    }
