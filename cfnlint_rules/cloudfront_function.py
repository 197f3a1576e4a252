"""cfn-lint rules for CloudFront Functions, which cfn-lint itself does not check.

Load as the Lambda@Edge rules are (`cfn-lint template.yaml --append-rules cfnlint_rules`).
Every AWS::CloudFront::Function resource and every FunctionAssociations item (DefaultCacheBehavior
or CacheBehaviors, in every Fn::If branch) is looked at:

    E9111  the inline FunctionCode is over the 10 KB function size quota
    E9112  FunctionConfig.Runtime is not cloudfront-js-2.0 (our code needs Buffer, 2.0 only)
    E9113  a CloudFront Function associated with an event type other than viewer-request
           (the edge check guards requests; CloudFront Functions run on viewer events only)

A FunctionCode given by an intrinsic function (Fn::Sub, Fn::Join) cannot be measured statically
and is not reported. Source: CloudFront Developer Guide, "Quotas on CloudFront Functions",
"JavaScript runtime 2.0 features", "Associate functions with distributions".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

try:
    from template_model.intrinsics import cache_behaviors, items
except ImportError as exc:  # cfn-lint from another venv cannot see our package
    raise ImportError(
        "cfnlint_rules need the linc-edge-auth package (template_model): run the cfn-lint of "
        "the project venv, .venv/bin/cfn-lint (`make venv` installs it)"
    ) from exc

MAX_CODE_BYTES = 10_240
RUNTIME = "cloudfront-js-2.0"
EVENT_TYPE = "viewer-request"
SOURCE = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html#limits-functions"


def _functions(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, res in (template.get("Resources") or {}).items():
        if isinstance(res, dict) and res.get("Type") == "AWS::CloudFront::Function":
            props = res.get("Properties")
            yield name, props if isinstance(props, dict) else {}


def _associations(template: dict[str, Any]) -> Iterator[tuple[list[str | int], Any]]:
    for behavior_path, behavior in cache_behaviors(template):
        key = "FunctionAssociations"
        for path, assoc in items(behavior.get(key), (*behavior_path, key)):
            if isinstance(assoc, dict):
                yield list(path), assoc


class _FunctionRule:
    """Shared metadata (not a rule itself: cfn-lint loads every CloudFormationLintRule subclass)."""

    source_url = SOURCE
    tags: ClassVar[list[str]] = ["cloudfront", "cloudfront-functions"]


class CloudFrontFunctionCodeSize(_FunctionRule, CloudFormationLintRule):  # type: ignore[misc]
    id = "E9111"
    shortdesc = "CloudFront Function code over 10 KB"
    description = "A CloudFront Function's code is at most 10 KB (function size quota)."

    def match(self, cfn: Any) -> list[RuleMatch]:
        matches = []
        for name, props in _functions(cfn.template):
            code = props.get("FunctionCode")
            if isinstance(code, str) and len(code.encode("utf-8")) > MAX_CODE_BYTES:
                size = len(code.encode("utf-8"))
                matches.append(
                    RuleMatch(
                        ["Resources", name, "Properties", "FunctionCode"],
                        f"{name} code is {size} bytes; CloudFront Functions allow {MAX_CODE_BYTES}",
                    )
                )
        return matches


class CloudFrontFunctionRuntime(_FunctionRule, CloudFormationLintRule):  # type: ignore[misc]
    id = "E9112"
    shortdesc = "CloudFront Function runtime is not cloudfront-js-2.0"
    description = "The edge check needs JavaScript runtime 2.0 (Buffer)."

    def match(self, cfn: Any) -> list[RuleMatch]:
        matches = []
        for name, props in _functions(cfn.template):
            config = props.get("FunctionConfig")
            runtime = config.get("Runtime") if isinstance(config, dict) else None
            if isinstance(runtime, str) and runtime != RUNTIME:
                matches.append(
                    RuleMatch(
                        ["Resources", name, "Properties", "FunctionConfig", "Runtime"],
                        f"{name} runs {runtime}; use {RUNTIME}",
                    )
                )
        return matches


class CloudFrontFunctionEventType(_FunctionRule, CloudFormationLintRule):  # type: ignore[misc]
    id = "E9113"
    shortdesc = "CloudFront Function association is not viewer-request"
    description = (
        "The edge check runs on viewer-request; CloudFront Functions run on viewer events."
    )

    def match(self, cfn: Any) -> list[RuleMatch]:
        matches = []
        for path, assoc in _associations(cfn.template):
            event = assoc.get("EventType")
            if isinstance(event, str) and event != EVENT_TYPE:
                matches.append(
                    RuleMatch(
                        [*path, "EventType"],
                        f"CloudFront Function associated with {event}; the edge check is "
                        f"{EVENT_TYPE}",
                    )
                )
        return matches
