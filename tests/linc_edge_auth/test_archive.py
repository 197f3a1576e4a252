"""Archive resolution through the real dandi client against a loopback DANDI API."""

from __future__ import annotations

import sys

# dandi comes with the [dev] extra (through [archive]): a missing install must fail, not skip.
import dandi  # noqa: F401
import neuroglancer
import pytest

from linc_edge_auth import archive
from linc_edge_auth.asset_refs import Deployment
from linc_edge_auth.cli import main
from linc_edge_auth.errors import UserError
from linc_edge_auth.viewer_state import build_state, resolve_layer, viewer_link
from tests.linc_edge_auth.dandi_stub import StubArchive, StubAsset, running

BUCKET = "linc-brain-mit-prod-us-east-2"
ZARR_ID = "0b5b0a8e-4e6f-4a52-9a2c-2f3d1c0e9f10"
BLOB_ID = "3f2a1c9e-1b2d-4c3e-8f40-5a6b7c8d9e0f"
ZARR_ASSET = StubAsset(
    asset_id="9c1f6a7e-2b3d-4e5f-8a9b-0c1d2e3f4a5b",
    dandiset_id="000003",
    path="sub-MR1/micr/sub-MR1_sample-slab1_SPIM.ome.zarr",
    content_url=f"https://{BUCKET}.s3.amazonaws.com/zarr/{ZARR_ID}/",
    zarr=ZARR_ID,
)
NIFTI_ASSET = StubAsset(
    asset_id="5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
    dandiset_id="000003",
    path="sub-MR1/dwi/sub-MR1_dwi.nii.gz",
    content_url=f"https://{BUCKET}.s3.amazonaws.com/blobs/3f2/a1c/{BLOB_ID}",
    blob=BLOB_ID,
)
FOREIGN_ASSET = StubAsset(
    asset_id="7e6d5c4b-3a29-4817-9605-f4e3d2c1b0a9",
    dandiset_id="000004",
    path="sub-X/anat.nii.gz",
    content_url="https://dandiarchive.s3.amazonaws.com/blobs/111/222/" + BLOB_ID,
    blob=BLOB_ID,
)
NO_URL_ZARR = StubAsset(
    asset_id="aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
    dandiset_id="000005",
    path="sub-Y/plain.zarr",
    content_url=None,
    zarr=ZARR_ID,
)


@pytest.fixture(scope="module")
def stub():
    with running(
        StubArchive(
            assets=[ZARR_ASSET, NIFTI_ASSET, FOREIGN_ASSET, NO_URL_ZARR], private={"000005"}
        )
    ) as s:
        yield s


def test_asset_by_id_resolves_path_and_s3_location(stub: StubArchive) -> None:
    found = archive.resolve(f"asset:{NIFTI_ASSET.asset_id}", archive=stub.api)
    assert found.path == NIFTI_ASSET.path
    assert found.s3_url == NIFTI_ASSET.content_url
    assert f"/api/assets/{NIFTI_ASSET.asset_id}/info/" in [p for p, _ in stub.requests]


def test_api_asset_url_resolves(stub: StubArchive) -> None:
    found = archive.resolve(f"{stub.api}/assets/{ZARR_ASSET.asset_id}/")
    assert found.path == ZARR_ASSET.path


def test_dandiset_asset_url_resolves(stub: StubArchive) -> None:
    url = f"{stub.api}/dandisets/000003/versions/draft/assets/{ZARR_ASSET.asset_id}/"
    found = archive.resolve(url)
    assert found.s3_url == ZARR_ASSET.content_url
    paths = [p for p, _ in stub.requests]
    assert f"/api/dandisets/000003/versions/draft/assets/{ZARR_ASSET.asset_id}/info/" in paths


def test_dandiset_and_path_use_the_path_query(stub: StubArchive) -> None:
    # The web app's file browser URL: dandiset id + asset path.
    web = stub.api.removesuffix("/api")
    found = archive.resolve(f"{web}/dandiset/000003/draft/files?location={NIFTI_ASSET.path}")
    assert found.path == NIFTI_ASSET.path
    assert found.s3_url == NIFTI_ASSET.content_url
    paths = [p for p, _ in stub.requests]
    assert any(
        p.startswith("/api/dandisets/000003/versions/draft/assets/?")
        and "path=sub-MR1%2Fdwi%2Fsub-MR1_dwi.nii.gz" in p
        for p in paths
    )


def test_blob_format_comes_from_the_archive_path(stub: StubArchive) -> None:
    spec = resolve_layer(f"asset:{NIFTI_ASSET.asset_id}", Deployment(), archive_name=stub.api)
    assert spec.format == "nifti"
    assert spec.name == "sub-MR1_dwi.nii.gz"
    assert spec.url == f"https://neuroglancer.lincbrain.org/blobs/3f2/a1c/{BLOB_ID}"
    state = neuroglancer.parse_url(viewer_link(build_state([spec]), Deployment()))
    assert state.layers[0].source[0].url == spec.url + "|nifti:"


def test_two_archive_assets_become_two_named_layers(stub: StubArchive) -> None:
    specs = [
        resolve_layer(f"asset:{a.asset_id}", Deployment(), archive_name=stub.api)
        for a in (ZARR_ASSET, NIFTI_ASSET)
    ]
    state = neuroglancer.parse_url(viewer_link(build_state(specs), Deployment()))
    assert [layer.name for layer in state.layers] == [
        "sub-MR1_sample-slab1_SPIM.ome.zarr",
        "sub-MR1_dwi.nii.gz",
    ]
    assert state.layout.type == "xy-3d"


def test_asset_in_a_foreign_bucket_is_refused(stub: StubArchive) -> None:
    with pytest.raises(UserError, match="bucket 'dandiarchive' is not served"):
        resolve_layer(f"asset:{FOREIGN_ASSET.asset_id}", Deployment(), archive_name=stub.api)


def test_unknown_asset_is_a_user_error(stub: StubArchive) -> None:
    with pytest.raises(UserError, match="asset:00000000"):
        archive.resolve("asset:00000000-0000-4000-8000-000000000000", archive=stub.api)


def test_private_dandiset_needs_the_instance_api_key(
    stub: StubArchive, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = f"asset:{NO_URL_ZARR.asset_id}"
    with pytest.raises(UserError, match=r"HTTP 401.*_API_KEY"):
        archive.resolve(ref, archive=stub.api)
    # dandi names the variable after the instance: 127.0.0.1:PORT -> 127.0.0.1:PORT_API_KEY
    from dandi.dandiapi import DandiAPIClient

    with DandiAPIClient(api_url=stub.api) as client:
        variable = client.api_key_env_var
    monkeypatch.setenv(variable, stub.key)
    found = archive.resolve(ref, archive=stub.api, bucket=BUCKET)
    # No S3 entry in contentUrl: the zarr id and the deployment's bucket give the location.
    assert found.s3_url == f"s3://{BUCKET}/zarr/{ZARR_ID}/"
    assert (f"/api/assets/{NO_URL_ZARR.asset_id}/info/", f"token {stub.key}") in stub.requests


def test_folder_reference_is_refused(stub: StubArchive) -> None:
    with pytest.raises(UserError, match="No asset at path 'sub-MR1'"):
        archive.resolve(f"{stub.api}/dandisets/000003/versions/draft/assets/?path=sub-MR1/")


def test_dandi_url_with_instance_name(stub: StubArchive, monkeypatch: pytest.MonkeyPatch) -> None:
    # dandi://INSTANCE/ID@VERSION/PATH names a registered instance (linc, linc-staging, ...);
    # register the loopback server the way dandi registers its own.
    from dandi.consts import DandiInstance, known_instances

    monkeypatch.setitem(known_instances, "stub", DandiInstance("stub", None, stub.api))
    found = archive.resolve(f"dandi://stub/000003@draft/{ZARR_ASSET.path}")
    assert found.asset_id == ZARR_ASSET.asset_id


def test_linc_instances_are_known_to_dandi() -> None:
    assert archive.archive_api_url("linc") == "https://api.lincbrain.org/api"
    assert archive.archive_api_url("linc-staging") == "https://staging-api.lincbrain.org/api"
    with pytest.raises(UserError, match="unknown instance"):
        archive.archive_api_url("lincc")


def test_cli_prints_a_link_for_an_archive_asset(
    stub: StubArchive, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["link", "--archive", stub.api, f"asset:{ZARR_ASSET.asset_id}"]) == 0
    url = capsys.readouterr().out.strip()
    state = neuroglancer.parse_url(url)
    assert state.layers[0].name == "sub-MR1_sample-slab1_SPIM.ome.zarr"
    assert state.layers[0].source[0].url == (
        f"https://neuroglancer.lincbrain.org/zarr/{ZARR_ID}/|zarr:"
    )


def test_missing_dandi_gives_the_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dandi.dandiarchive", None)  # import now fails
    with pytest.raises(UserError, match=r"linc-edge-auth\[archive\]"):
        archive.resolve("dandi://linc/000003/x.nii.gz")
