"""docs/deploying.md states what a first deploy needs from outside the stack (issue 13, item 8).

Every statement the stack outputs for someone else's resource (bucket policy, KMS key policy) is
named in the deploy steps, and the Prerequisites name the asset bucket's and the deployer's
requirements that no template can create.
"""

from __future__ import annotations

import re

import pytest

from template_model import load_template
from tests.docs.support import DOCS, ROOT

DEPLOYING = DOCS / "deploying.md"


def _section(title: str) -> str:
    text = DEPLOYING.read_text()
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert found, f"deploying.md has no '## {title}' section"
    return found.group(1)


def _outputs_for_others() -> list[str]:
    outputs = load_template(ROOT / "template.yaml")["Outputs"]
    return sorted(name for name in outputs if name.endswith("Statement"))


def test_there_are_statements_to_hand_over() -> None:
    assert {"AssetBucketPolicyStatement", "AssetBucketListStatement"} <= set(_outputs_for_others())


@pytest.mark.parametrize("output", _outputs_for_others())
def test_every_statement_output_is_in_the_deploy_steps(output: str) -> None:
    text = _section("Prerequisites") + _section("First deploy")
    assert f"`{output}`" in text


@pytest.mark.parametrize(
    "requirement",
    [
        "BucketOwnerEnforced",  # OAC reads with the bucket owner's authority only
        "AssetBucketKmsKeyArn",  # SSE-KMS: the key policy statement
        "lambda:EnableReplication*",  # associating a Lambda@Edge version
        "iam:CreateServiceLinkedRole",  # Lambda@Edge's replicator and logger roles
    ],
)
def test_prerequisites_name(requirement: str) -> None:
    assert f"`{requirement}`" in _section("Prerequisites")
