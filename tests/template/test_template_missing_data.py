"""Missing data answers 404: the distribution may list the data prefixes, and nothing else.

S3 behind OAC answers 403 for a missing key unless the caller may `s3:ListBucket`; it then
evaluates `s3:prefix` against the requested key (issue 13, item 12). The grant is limited to the
data prefixes and to this distribution, in the managed policy and in the output alike.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

import pytest

from tests.template.support import PEM_A, deployed, translate

BUCKET = "linc-brain-mit-prod-us-east-2"
SOURCE_ARN = "arn:aws:cloudfront::123456789012:distribution/E123EXAMPLE"
PATTERNS = ["/zarr/*,/blobs/*", "/zarr/*", "/a/*,/b/c/*,/d/*,/e/*"]


@pytest.fixture(scope="module")
def translated() -> dict[str, Any]:
    return translate()


def _statements(translated: dict[str, Any], patterns: str) -> list[dict[str, Any]]:
    """The list statement twice: as the managed policy writes it and as the output gives it."""
    t = deployed(
        translated,
        {"Distribution": "E123EXAMPLE"},
        PublicKeyA=PEM_A,
        DataPathPatterns=patterns,
        ManageAssetBucketPolicy="true",
    )
    policy = t.resources["AssetBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    managed = [s for s in policy if s["Action"] == "s3:ListBucket"]
    assert len(managed) == 1
    output = json.loads(t.outputs["AssetBucketListStatement"]["Value"])
    return [managed[0], output]


@pytest.mark.parametrize("patterns", PATTERNS)
def test_list_grant_is_the_data_prefixes_of_this_distribution_only(
    translated: dict[str, Any], patterns: str
) -> None:
    expected = [p.lstrip("/") for p in patterns.split(",")]
    for statement in _statements(translated, patterns):
        assert statement["Sid"] == "LincEdgeAuthCloudFrontListDataPrefixes"
        assert statement["Effect"] == "Allow"
        assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        assert statement["Resource"] == f"arn:aws:s3:::{BUCKET}"
        condition = statement["Condition"]
        assert condition["StringEquals"] == {"AWS:SourceArn": SOURCE_ARN}
        assert condition["StringLike"] == {"s3:prefix": expected}


@pytest.mark.parametrize("patterns", PATTERNS)
def test_nothing_outside_the_data_prefixes_becomes_listable(
    translated: dict[str, Any], patterns: str
) -> None:
    """The prefixes as S3 matches them (StringLike): data keys yes; the bucket root, an empty
    prefix, LINC's other prefixes and look-alike names no."""
    for statement in _statements(translated, patterns):
        allowed = statement["Condition"]["StringLike"]["s3:prefix"]

        def listable(prefix: str, allowed: list[str] = allowed) -> bool:
            return any(fnmatch.fnmatchcase(prefix, p) for p in allowed)

        first = patterns.split(",")[0].strip("/*")
        assert listable(f"{first}/x/.zarray")
        for refused in ("", "/", "keys/", "keys/private.pem", first, f"{first}x/a", "x/" + first):
            assert not listable(refused), (refused, allowed)


def test_output_present_without_managed_policy(translated: dict[str, Any]) -> None:
    t = deployed(translated, {"Distribution": "E123EXAMPLE"}, PublicKeyA=PEM_A)
    assert "AssetBucketPolicy" not in t.resources
    statement = json.loads(t.outputs["AssetBucketListStatement"]["Value"])
    assert statement["Condition"]["StringLike"] == {"s3:prefix": ["zarr/*", "blobs/*"]}


def test_data_behaviors_forward_no_query_string_and_never_match_the_root(
    translated: dict[str, Any],
) -> None:
    """What keeps the grant from listing anything through the distribution."""
    t = deployed(translated, PublicKeyA=PEM_A)
    config = t.resources["Distribution"]["Properties"]["DistributionConfig"]
    data = [b for b in config["CacheBehaviors"] if b["TargetOriginId"] == "assets"]
    assert data
    for behavior in data:
        assert behavior["PathPattern"].startswith("/") and behavior["PathPattern"].endswith("/*")
        assert behavior["PathPattern"].count("/") >= 2  # /prefix/*: never "/" or "/*"
        assert behavior["CachePolicyId"] == "658327ea-f89d-4fab-a63d-7e88639e58f6"
        assert "OriginRequestPolicyId" not in behavior  # CachingOptimized: no query string
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "viewer"
