"""Errors, the S3 destination (moto) with a failure mid-way, and bounded memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest
from moto import mock_aws

from linc_edge_auth import cli
from linc_edge_auth.asset_refs import Deployment, locate
from linc_edge_auth.errors import UserError
from linc_edge_auth.streamlines import annotations, convert, layers, spatial_index, store, volume
from linc_edge_auth.viewer_state import LayerSpec, viewer_link
from tests.linc_edge_auth.streamlines.helpers import (
    decode_skeleton,
    make_volume,
    to_world,
    write_tck,
    write_trk,
)

LINE = [to_world(np.array([[5, 10, 4], [6, 10, 4], [7, 10, 4]], float))]


@pytest.fixture
def vol(tmp_path: Path) -> volume.VolumeBox:
    return volume.VolumeBox.from_header(volume.read_header(str(make_volume(tmp_path / "v.nii"))))


def convert_to(tmp_path: Path, src: Path, vol: volume.VolumeBox | None = None) -> Path:
    out = tmp_path / "out"
    convert.convert(convert.Options(input=src, volume=vol), store.LocalStore(out))
    return out


def test_truncated_trk(tmp_path: Path) -> None:
    src = write_trk(tmp_path / "t.trk", LINE * 50)
    data = src.read_bytes()
    src.write_bytes(data[: len(data) - 30])
    with pytest.raises(UserError, match=r"t.trk: unreadable or truncated near streamline 49"):
        convert_to(tmp_path, src)
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob(".out.partial-*"))


def test_not_a_tractogram(tmp_path: Path) -> None:
    src = tmp_path / "t.trk"
    src.write_bytes(b"hello" * 100)
    with pytest.raises(UserError, match="not a readable tractogram"):
        convert_to(tmp_path, src)
    with pytest.raises(UserError, match="unknown tractogram type"):
        convert_to(tmp_path, tmp_path / "t.vtk")


def test_empty_tractogram(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="has no streamlines"):
        convert_to(tmp_path, write_tck(tmp_path / "e.tck", []))
    assert not (tmp_path / "out").exists()


def test_streamline_outside_the_volume(tmp_path: Path, vol: volume.VolumeBox) -> None:
    far = to_world(np.array([[5, 10, 4], [5, 10, 60]], float))  # k = 60 > 19
    with pytest.raises(UserError, match=r"streamline 1 leaves the volume .* is --volume"):
        convert_to(tmp_path, write_trk(tmp_path / "t.trk", [LINE[0], far]), vol)
    assert not (tmp_path / "out").exists()


def test_destination_outside_served_prefixes() -> None:
    d = Deployment(bucket="linc-data")
    assert locate("s3://linc-data/zarr/tracts/x", d) == "zarr/tracts/x"
    for bad in ("s3://other/zarr/x", "s3://linc-data/private/x", "s3://linc-data/zarr/"):
        with pytest.raises(UserError, match=r"allowed: s3://linc-data/\{zarr/,blobs/\}"):
            locate(bad, d)
    with pytest.raises(UserError, match="not a plain path"):
        locate("s3://linc-data/zarr/../x", d)


@pytest.mark.parametrize(
    ("dest", "volume", "message"),
    [
        (
            "s3://elsewhere/zarr/t",
            None,
            "bucket 'elsewhere' is not served (allowed: s3://linc-data/",
        ),
        ("s3://linc-data/private/t", None, "'private/t' is not under a served prefix (allowed: "),
        ("out", "s3://elsewhere/zarr/v.nii", "bucket 'elsewhere' is not served (allowed: "),
    ],
)
def test_cli_error_is_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    dest: str,
    volume: str | None,
    message: str,
) -> None:
    monkeypatch.setenv("LINC_BUCKET", "linc-data")
    src = write_trk(tmp_path / "t.trk", LINE)
    extra = ["--volume", volume] if volume else []
    out = str(tmp_path / dest) if "://" not in dest else dest
    code = cli.main(["streamlines", "convert", str(src), out, *extra])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "out").exists()


class FlakyClient:
    """A real moto S3 client whose put_object fails from the n-th call on."""

    def __init__(self, client: Any, fail_after: int) -> None:
        self.client, self.calls, self.fail_after = client, 0, fail_after

    def put_object(self, **kw: Any) -> Any:
        self.calls += 1
        if self.calls > self.fail_after:
            raise ConnectionError("simulated network failure")
        return self.client.put_object(**kw)

    def upload_file(self, *a: Any, **kw: Any) -> Any:
        return self.client.upload_file(*a, **kw)


@mock_aws
def test_s3_destination_and_link(tmp_path: Path, vol: volume.VolumeBox) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="linc-data")
    world = [to_world(np.array([[5, 10, 4], [6, 10, 4], [7, 11, 5]], float))] * 30
    opts = convert.Options(input=write_trk(tmp_path / "t.trk", world), volume=vol, group_size=10)
    result = convert.convert(opts, store.S3Store("linc-data", "zarr/tracts/t", s3, workers=4))
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="linc-data")["Contents"]}
    assert {"zarr/tracts/t/skeletons/info", "zarr/tracts/t/annotations/info"} <= keys
    assert result.segments == [1, 2, 3] and "zarr/tracts/t/skeletons/3" in keys
    blob = s3.get_object(Bucket="linc-data", Key="zarr/tracts/t/skeletons/2")["Body"].read()
    assert decode_skeleton(blob)[0].shape == (30, 3)
    volume_layer = LayerSpec(url="https://v.example/zarr/v.nii.gz", format="nifti", name="volume")
    state = layers.streamlines_state(
        "https://v.example/zarr/tracts/t", outputs=convert.OUTPUTS, segments=result.segments,
        volume=volume_layer,
    )  # fmt: skip
    url = viewer_link(state, Deployment(viewer_url="https://v.example"))
    assert url.startswith("https://v.example/#!")
    parsed = __import__("neuroglancer").parse_url(url)
    sources = [layer.source[0].url for layer in parsed.layers]
    assert sources == [
        "https://v.example/zarr/v.nii.gz|nifti:",
        "https://v.example/zarr/tracts/t/skeletons|neuroglancer-precomputed:",
        "https://v.example/zarr/tracts/t/annotations|neuroglancer-precomputed:",
    ]
    bundles = parsed.layers["streamlines (bundles)"]
    assert (
        sorted(bundles.segments) == [1, 2, 3] and "emitRGB(orientation)" in bundles.skeleton_shader
    )
    whole = parsed.layers["streamlines (whole brain)"]
    assert whole.type == "annotation" and "prop_orientation()" in whole.shader
    assert list(parsed.dimensions.names) == ["x", "y", "z"] and parsed.layout.type == "xy-3d"


@mock_aws
def test_s3_failure_midway_leaves_no_info(tmp_path: Path, vol: volume.VolumeBox) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="linc-data")
    world = [to_world(np.array([[5, 10, 4], [6, 10, 4], [7, 11, 5]], float))] * 40
    opts = convert.Options(input=write_trk(tmp_path / "t.trk", world), volume=vol, group_size=5)
    flaky = FlakyClient(s3, fail_after=20)
    with pytest.raises(UserError, match="simulated network failure"):
        convert.convert(opts, store.S3Store("linc-data", "zarr/t", flaky, workers=2))
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="linc-data").get("Contents", [])}
    assert keys and not any(k.endswith("info") for k in keys)


def peak_bytes(tmp_path: Path, count: int) -> int:
    rng = np.random.default_rng(count)
    base = to_world(np.linspace([4, 4, 4], [25, 35, 15], 40))
    src = write_trk(
        tmp_path / f"m{count}.trk",
        [base + rng.normal(0, 0.5, (40, 3)).astype(np.float32) for _ in range(count)],
    )
    opts = convert.Options(input=src, batch_size=500, group_size=250, sharded=True)
    tracemalloc.start()
    convert.convert(opts, store.LocalStore(tmp_path / f"o{count}"))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def test_peak_memory_does_not_grow_with_streamline_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # .trk: nibabel's lazy .tck reader buffers more of the file as it grows (measured), so the
    # bound is checked on the format whose reader streams. The index assembly holds at most
    # PAIRS_IN_MEMORY (cell, id) pairs: lowered here so that bound is reached at test size.
    monkeypatch.setattr(spatial_index, "PAIRS_IN_MEMORY", 20_000)
    # Likewise the by_id spool read whole when small (a fixed cap): here never.
    monkeypatch.setattr(annotations, "RECORDS_IN_MEMORY", 0)
    small, large = peak_bytes(tmp_path, 2000), peak_bytes(tmp_path, 16000)
    data_growth = 14000 * 40 * 12  # bytes of points the large file adds: 6.7 MB
    id_table = 14000 * 24  # the by_id spool's (key, start, size) per streamline
    assert large - small < data_growth / 8 + id_table, (small, large)
