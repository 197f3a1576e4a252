"""The SAM transform, offline: what `sam deploy` hands CloudFormation, without an AWS call.

Contract: `sam_transform(template)` runs aws-sam-translator (a dev dependency) on a copy of a
template as `load_template` returns it, as `sam build` / `sam deploy` would: each
`AWS::Serverless::Function`'s CodeUri becomes an S3 URI (the packaged artifact) and managed
policy ARNs come from a fixed table instead of IAM. It returns plain CloudFormation
(AWS::Lambda::Function, AWS::Lambda::Version, roles...), which `ResolvedTemplate` resolves like
any template. The template itself is not changed.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from typing import Any, Final

ARTIFACT_URI: Final = "s3://linc-edge-auth-artifacts/code.zip"
MANAGED_POLICIES: Final[Mapping[str, str]] = {
    "AWSLambdaBasicExecutionRole": (
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    ),
    "AWSXrayWriteOnlyAccess": "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
    "AWSXRayDaemonWriteAccess": "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess",
}


class _ManagedPolicies:
    """aws-sam-translator's policy loader interface, answered from MANAGED_POLICIES."""

    def load(self) -> dict[str, str]:
        return dict(MANAGED_POLICIES)


def sam_transform(template: Mapping[str, Any]) -> dict[str, Any]:
    """The template after the SAM transform (see the module contract)."""
    # The translator builds boto3 partition lookups at import; it only needs a region name.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from samtranslator.translator.transform import transform

    document = copy.deepcopy(dict(template))
    for resource in document["Resources"].values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = ARTIFACT_URI
    translated: dict[str, Any] = transform(document, {}, _ManagedPolicies())
    return translated
