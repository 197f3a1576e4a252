"""`--volume` on LINC blobs: gzip is recognised by its magic bytes, never by the name (issue 16.1).

LINC blob keys are `blobs/<uuid>` with no extension; some `.nii.gz` names hold plain bytes.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import boto3
import numpy as np
import pytest
from moto import mock_aws

from linc_edge_auth import cli
from linc_edge_auth.errors import UserError
from linc_edge_auth.streamlines import volume
from tests.linc_edge_auth.streamlines.helpers import AFFINE, SHAPE, make_volume, to_world, write_trk

GZ_BLOB = "blobs/3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
RAW_BLOB = "blobs/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


@pytest.fixture
def nifti(tmp_path: Path) -> bytes:
    return make_volume(tmp_path / "v.nii").read_bytes()


def _check(header: object) -> None:
    box = volume.VolumeBox.from_header(header)
    assert box.shape == SHAPE
    assert np.allclose(box.affine, AFFINE)


@mock_aws
def test_s3_blobs_without_extension(nifti: bytes) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="linc-data")
    # A gzipped volume far larger than the 64 KiB ranged GET: only a prefix of the stream arrives.
    noisy = np.random.default_rng(0).integers(0, 255, 400_000, dtype=np.uint8).tobytes()
    s3.put_object(Bucket="linc-data", Key=GZ_BLOB, Body=gzip.compress(nifti + noisy))
    s3.put_object(Bucket="linc-data", Key=RAW_BLOB, Body=nifti)
    s3.put_object(Bucket="linc-data", Key="blobs/plain.nii.gz", Body=nifti)
    for key in (GZ_BLOB, RAW_BLOB, "blobs/plain.nii.gz"):
        _check(volume.read_header(f"s3://linc-data/{key}", s3))


def test_local_files_named_wrongly(tmp_path: Path, nifti: bytes) -> None:
    (tmp_path / "blob").write_bytes(gzip.compress(nifti))
    (tmp_path / "plain.nii.gz").write_bytes(nifti)
    (tmp_path / "packed.nii").write_bytes(gzip.compress(nifti))
    for name in ("blob", "plain.nii.gz", "packed.nii"):
        _check(volume.read_header(str(tmp_path / name)))


def test_broken_gzip_and_not_nifti_are_user_errors(tmp_path: Path, nifti: bytes) -> None:
    (tmp_path / "broken").write_bytes(b"\x1f\x8b" + b"\x00" * 200)
    with pytest.raises(UserError, match="starts like gzip but does not decompress"):
        volume.read_header(str(tmp_path / "broken"))
    (tmp_path / "text").write_bytes(gzip.compress(b"hello " * 200))
    with pytest.raises(UserError, match=r"text: not a NIfTI file \(gunzipped: no NIfTI-1/2"):
        volume.read_header(str(tmp_path / "text"))


@mock_aws
def test_cli_volume_blob_and_link(
    tmp_path: Path,
    nifti: bytes,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LINC_BUCKET", "linc-data")
    monkeypatch.setenv("LINC_VIEWER_URL", "https://v.example")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="linc-data")
    s3.put_object(Bucket="linc-data", Key=GZ_BLOB, Body=gzip.compress(nifti))
    line = to_world(np.array([[5, 10, 4], [6, 10, 4], [7, 11, 5]], float))
    far = to_world(np.array([[5, 10, 4], [5, 10, 60]], float))  # k = 60 > 19: outside
    src = write_trk(tmp_path / "t.trk", [line] * 5)
    argv = ["streamlines", "convert", str(src), "s3://linc-data/zarr/t", "--volume"]
    assert cli.main([*argv, f"s3://linc-data/{GZ_BLOB}"]) == 0
    out = capsys.readouterr().out
    state = __import__("neuroglancer").parse_url(out.strip().splitlines()[-1])
    assert state.layers["volume"].source[0].url == f"https://v.example/{GZ_BLOB}|nifti:"
    # The header really was read and used: a streamline outside it is refused.
    bad = write_trk(tmp_path / "bad.trk", [line, far])
    argv[2:4] = [str(bad), "s3://linc-data/zarr/bad"]
    assert cli.main([*argv, f"s3://linc-data/{GZ_BLOB}"]) == 2
    assert "streamline 1 leaves the volume" in capsys.readouterr().err


def test_synth_reads_a_blob_named_anything(tmp_path: Path, nifti: bytes) -> None:
    from linc_edge_auth.streamlines.synth import synthesize_tractogram

    (tmp_path / "blob").write_bytes(gzip.compress(nifti))
    (tmp_path / "plain.nii.gz").write_bytes(nifti)
    for name in ("blob", "plain.nii.gz"):
        out = synthesize_tractogram(tmp_path / name, tmp_path / f"{name}.trk", count=20)
        box = volume.VolumeBox.from_header(volume.read_header(str(tmp_path / name)))
        points = __import__("nibabel").streamlines.load(str(out)).streamlines.get_data()
        assert len(points) == 20 * 32 and not box.outside(points).any()
    (tmp_path / "text").write_bytes(b"not an image" * 100)
    with pytest.raises(UserError, match=r"text: not a NIfTI file \(not gzipped"):
        synthesize_tractogram(tmp_path / "text", tmp_path / "x.trk", count=2)
