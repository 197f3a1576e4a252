"""Asset reference -> viewer URL mapping, with LINC's real bucket and key shapes."""

from __future__ import annotations

import pytest

from linc_edge_auth.asset_refs import (
    Deployment,
    default_layer_name,
    detect_format,
    locate,
    parse_prefixes,
    resolve_format,
    viewer_data_url,
)
from linc_edge_auth.errors import UserError

B = "linc-brain-mit-prod-us-east-2"
Z = "0b5b0a8e-4e6f-4a52-9a2c-2f3d1c0e9f10"
BLOB = "blobs/3f2/a1c/3f2a1c9e-1b2d-4c3e-8f40-5a6b7c8d9e0f"
V = "https://neuroglancer.lincbrain.org"
LINC = Deployment()

# (reference, format override, expected viewer URL, expected format)
MAPPING = [
    (f"s3://{B}/zarr/{Z}/", None, f"{V}/zarr/{Z}/", "zarr"),
    (f"s3://{B}/zarr/{Z}", None, f"{V}/zarr/{Z}/", "zarr"),
    (f"https://{B}.s3.amazonaws.com/zarr/{Z}/", None, f"{V}/zarr/{Z}/", "zarr"),
    (f"https://{B}.s3.us-east-2.amazonaws.com/zarr/{Z}/", None, f"{V}/zarr/{Z}/", "zarr"),
    (f"https://{B}.s3-us-east-2.amazonaws.com/zarr/{Z}/", None, f"{V}/zarr/{Z}/", "zarr"),
    (f"https://s3.us-east-2.amazonaws.com/{B}/zarr/{Z}/", None, f"{V}/zarr/{Z}/", "zarr"),
    (f"https://s3.amazonaws.com/{B}/zarr/{Z}/", None, f"{V}/zarr/{Z}/", "zarr"),
    (f"{V}/zarr/{Z}/", None, f"{V}/zarr/{Z}/", "zarr"),
    (f"{V}/zarr/{Z}", None, f"{V}/zarr/{Z}/", "zarr"),
    # one level of a multiscale zarr is still zarr
    (f"s3://{B}/zarr/{Z}/0/", None, f"{V}/zarr/{Z}/0/", "zarr"),
    # blobs carry no extension: the format comes from the override
    (f"s3://{B}/{BLOB}", "nifti", f"{V}/{BLOB}", "nifti"),
    (f"https://{B}.s3.amazonaws.com/{BLOB}", "nifti", f"{V}/{BLOB}", "nifti"),
    (f"https://s3.us-east-2.amazonaws.com/{B}/{BLOB}", "zarr", f"{V}/{BLOB}/", "zarr"),
    (f"{V}/{BLOB}", "nifti", f"{V}/{BLOB}", "nifti"),
    # names that say their format
    (f"s3://{B}/blobs/sub-1/T1w.nii.gz", None, f"{V}/blobs/sub-1/T1w.nii.gz", "nifti"),
    (f"s3://{B}/blobs/sub-1/T1w.nii", None, f"{V}/blobs/sub-1/T1w.nii", "nifti"),
    (f"s3://{B}/blobs/x/sample.ome.zarr/", None, f"{V}/blobs/x/sample.ome.zarr/", "zarr"),
    (f"s3://{B}/blobs/x/seg/info", None, f"{V}/blobs/x/seg/", "precomputed"),
]


@pytest.mark.parametrize(("ref", "override", "url", "fmt"), MAPPING)
def test_mapping(ref: str, override: str | None, url: str, fmt: str) -> None:
    key = locate(ref, LINC)
    found = resolve_format(key, archive_path=None, override=override, ref=ref)
    assert found == fmt
    assert viewer_data_url(LINC, key, found) == url


REFUSED = [
    (f"s3://other-bucket/zarr/{Z}/", "bucket 'other-bucket' is not served"),
    (f"https://dandiarchive.s3.amazonaws.com/{BLOB}", "bucket 'dandiarchive' is not served"),
    (f"https://s3.us-east-2.amazonaws.com/other/zarr/{Z}/", "bucket 'other' is not served"),
    (f"s3://{B}/keys/cloudfront.pem", "key 'keys/cloudfront.pem' is not under a served prefix"),
    (f"https://{B}.s3.amazonaws.com/keys/private.pem", "not under a served prefix"),
    (f"s3://{B}/zarr/", "not under a served prefix"),
    (f"s3://{B}/zarrx/{Z}/", "not under a served prefix"),
    (f"s3://{B}/zarr/../keys/k.pem", "not a plain path"),
    (f"{V}/keys/k.pem", "not under a served prefix"),
    (f"{V}/#!{{}}", "no query, no #! state"),
    (f"https://example.org/zarr/{Z}/", "not an S3 or viewer URL"),
    ("/local/file.nii.gz", "not an S3 or viewer URL"),
]


@pytest.mark.parametrize(("ref", "message"), REFUSED)
def test_refusals_say_what_is_allowed(ref: str, message: str) -> None:
    with pytest.raises(UserError, match=message) as info:
        locate(ref, LINC)
    text = str(info.value)
    if "served" in message:
        assert f"s3://{B}/{{zarr/,blobs/}}" in text
        assert f"{V}/{{zarr/,blobs/}}" in text


def test_unknown_format_fails_clearly() -> None:
    with pytest.raises(UserError, match=r"cannot tell the format.*give --format"):
        resolve_format(BLOB, archive_path=None, override=None, ref=f"s3://{B}/{BLOB}")
    with pytest.raises(UserError, match=r"cannot tell the format of 'sub-1/notes\.txt'"):
        resolve_format(BLOB, archive_path="sub-1/notes.txt", override=None, ref="asset:x")
    with pytest.raises(UserError, match="--format 'tiff'"):
        resolve_format(BLOB, archive_path=None, override="tiff", ref="x")


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("sub-1/sample.ome.zarr", "zarr"),
        ("sub-1/SAMPLE.OME.ZARR/", "zarr"),
        ("plain.zarr", "zarr"),
        ("a.nii", "nifti"),
        ("a.nii.gz", "nifti"),
        ("seg/info", "precomputed"),
        ("notes.txt", None),
        ("a.nwb", None),
        ("a.nii.gz.txt", None),
        (BLOB, None),
    ],
)
def test_detect_format(name: str, fmt: str | None) -> None:
    assert detect_format(name) == fmt


def test_archive_path_decides_over_the_key() -> None:
    fmt = resolve_format(BLOB, archive_path="sub-1/dwi.nii.gz", override=None, ref="x")
    assert fmt == "nifti"


def test_layer_names_are_file_names_not_uuids() -> None:
    assert default_layer_name("sub-1/micr/s.ome.zarr", f"zarr/{Z}/", "zarr") == "s.ome.zarr"
    assert default_layer_name(None, f"zarr/{Z}/", "zarr") == "zarr-0b5b0a8e"
    assert default_layer_name(None, "blobs/x/T1w.nii.gz", "nifti") == "T1w.nii.gz"
    assert default_layer_name(None, "blobs/x/seg/info", "precomputed") == "seg"


def test_deployment_settings_from_env_and_validation() -> None:
    d = Deployment.from_env(
        {
            "LINC_VIEWER_URL": "http://localhost:8080/",
            "LINC_BUCKET": "local-assets",
            "LINC_DATA_PREFIXES": "/zarr/*, /data/*",
        }
    )
    assert d == Deployment("http://localhost:8080", "local-assets", ("/zarr/*", "/data/*"))
    assert locate("http://localhost:8080/data/x.nii", d) == "data/x.nii"
    assert locate("s3://local-assets/data/x.nii", d) == "data/x.nii"
    with pytest.raises(UserError, match="not under a served prefix"):
        locate("s3://local-assets/blobs/x.nii", d)
    assert Deployment.from_env({}) == LINC
    assert parse_prefixes("/a/* /b/*") == ("/a/*", "/b/*")
    with pytest.raises(UserError, match="--data-prefixes 'zarr'"):
        Deployment(data_prefixes=("zarr",))
    with pytest.raises(UserError, match="--viewer-url"):
        Deployment(viewer_url="neuroglancer.lincbrain.org")
