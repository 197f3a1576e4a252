"""`linc-edge-auth viewer-deploy`: headers, upload order, pruning and invalidation (moto)."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from linc_edge_auth.cli import main
from linc_edge_auth.viewer_deploy import (
    HASHED_CACHE_CONTROL,
    NAVIGATION_CACHE_CONTROL,
    plan,
    publish,
)


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html>")
    (tmp_path / "assets" / "index-AbC123.js").write_text("console.log(1)")
    (tmp_path / "assets" / "zstd-XyZ.wasm").write_bytes(b"\0asm")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    return tmp_path


def test_plan_puts_hashed_bundles_first_and_index_last(dist: Path) -> None:
    keys = [u.key for u in plan(dist)]
    assert keys[-1] == "index.html"
    assert keys[:2] == ["assets/index-AbC123.js", "assets/zstd-XyZ.wasm"]


def test_plan_refuses_a_missing_build(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"index\.html"):
        plan(tmp_path)


@mock_aws
def test_publish_sets_headers_prunes_and_invalidates(dist: Path) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="viewer")
    s3.put_object(Bucket="viewer", Key="assets/old-Zz.js", Body=b"old")
    short_link_state = "links/" + "a" * 64 + ".json"  # written by the issuer, not the build
    s3.put_object(Bucket="viewer", Key=short_link_state, Body=b"{}")
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "t",
            "Comment": "",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "o",
                        "DomainName": "viewer.s3.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "o",
                "ViewerProtocolPolicy": "allow-all",
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                "TrustedSigners": {"Enabled": False, "Quantity": 0},
            },
        }
    )["Distribution"]["Id"]
    lines: list[str] = []
    publish(
        dist,
        "viewer",
        s3,
        prune=True,
        cloudfront=cloudfront,
        distribution_id=distribution,
        progress=lines.append,
    )
    index = s3.head_object(Bucket="viewer", Key="index.html")
    assert index["CacheControl"] == NAVIGATION_CACHE_CONTROL
    assert index["ContentType"] == "text/html; charset=utf-8"
    wasm = s3.head_object(Bucket="viewer", Key="assets/zstd-XyZ.wasm")
    assert wasm["CacheControl"] == HASHED_CACHE_CONTROL
    assert wasm["ContentType"] == "application/wasm"
    js = s3.head_object(Bucket="viewer", Key="assets/index-AbC123.js")
    assert js["ContentType"] == "text/javascript"
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="viewer")["Contents"]}
    assert "assets/old-Zz.js" not in keys and short_link_state in keys and len(keys) == 5
    invalidations = cloudfront.list_invalidations(DistributionId=distribution)
    assert invalidations["InvalidationList"]["Quantity"] == 1
    assert lines[-1].startswith("invalidated")


def test_cli_missing_build_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["viewer-deploy", "--bucket", "b", "--dist", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--dist" in err and "index.html" in err
