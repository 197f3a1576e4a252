"""`linc-edge-auth viewer-empty`: a versioned bucket emptied for CloudFormation to delete (moto)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws

from linc_edge_auth.bucket_teardown import empty_versioned_bucket
from linc_edge_auth.cli import main


def _versioned(s3: Any, bucket: str) -> None:
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})


@mock_aws
def test_every_version_and_delete_marker_goes_and_the_bucket_can_be_deleted() -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    _versioned(s3, "viewer")
    for body in (b"one", b"two"):
        s3.put_object(Bucket="viewer", Key="index.html", Body=body)
    s3.put_object(Bucket="viewer", Key="links/abc.json", Body=b"{}")
    s3.delete_object(Bucket="viewer", Key="links/abc.json")  # a delete marker
    # A plain delete leaves versions behind, and then the bucket cannot go.
    with pytest.raises(s3.exceptions.ClientError, match="BucketNotEmpty"):
        s3.delete_bucket(Bucket="viewer")

    assert empty_versioned_bucket(s3, "viewer") == 4
    listing = s3.list_object_versions(Bucket="viewer")
    assert not listing.get("Versions") and not listing.get("DeleteMarkers")
    s3.delete_bucket(Bucket="viewer")


@mock_aws
def test_more_than_one_batch() -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    _versioned(s3, "big")
    for i in range(1205):
        s3.put_object(Bucket="big", Key=f"assets/f{i}.js", Body=b"x")
    assert empty_versioned_bucket(s3, "big") == 1205
    assert not s3.list_object_versions(Bucket="big").get("Versions")


@mock_aws
def test_cli_refuses_without_yes_and_empties_with_it(capsys: pytest.CaptureFixture[str]) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    _versioned(s3, "viewer")
    s3.put_object(Bucket="viewer", Key="index.html", Body=b"page")

    assert main(["viewer-empty", "--bucket", "viewer"]) == 2
    assert "--yes" in capsys.readouterr().err
    assert s3.list_object_versions(Bucket="viewer").get("Versions")

    assert main(["viewer-empty", "--bucket", "viewer", "--yes"]) == 0
    assert "deleted 1 object versions" in capsys.readouterr().out
    assert not s3.list_object_versions(Bucket="viewer").get("Versions")


@mock_aws
def test_cli_missing_bucket_is_one_line_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["viewer-empty", "--bucket", "no-such-bucket", "--yes"]) == 2
    err = capsys.readouterr().err
    assert "NoSuchBucket" in err and "Traceback" not in err
