"""The sample OME-Zarr and NIfTI coincide where Neuroglancer draws them (issue 6).

Neuroglancer's nifti source fills the box [i, i+1) x [j, j+1) x [k, k+1) of the qform map with
voxel (i, j, k): its centre is qform @ (i + 0.5, j + 0.5, k + 0.5). Its OME-Zarr source puts
the centre of array voxel (z, y, x) at scale * index + translation. Both are read back from the
bytes that go into the bucket, and the voxel values must agree too.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

import nibabel as nib
import numpy as np
import pytest

from linc_edge_auth.streamlines.volume import neuroglancer_affine
from local_stack.samples.assets import SampleAssets, orient, sample_objects


@pytest.fixture(scope="module")
def assets() -> SampleAssets:
    return sample_objects()


def _ome_level0(assets: SampleAssets) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(scale, translation) of level 0, in z, y, x order."""
    zattrs = json.loads(assets.objects[assets.zarr_prefix + ".zattrs"][0])
    ms = zattrs["multiscales"][0]
    assert [a["name"] for a in ms["axes"]] == ["z", "y", "x"]
    transforms = {t["type"]: t for t in ms["datasets"][0]["coordinateTransformations"]}
    return np.array(transforms["scale"]["scale"]), np.array(
        transforms["translation"]["translation"]
    )


def _zarr_voxel(assets: SampleAssets, zyx: tuple[int, int, int]) -> int:
    chunk = ".".join(str(v // 32) for v in zyx)
    raw = gzip.decompress(assets.objects[f"{assets.zarr_prefix}0/{chunk}"][0])
    block = np.frombuffer(raw, np.uint8).reshape(32, 32, 32)
    return int(block[tuple(v % 32 for v in zyx)])


def test_a_nifti_voxel_and_its_ome_zarr_voxel_share_a_world_point(assets: SampleAssets) -> None:
    image: Any = nib.Nifti1Image.from_bytes(assets.nifti)  # type: ignore[no-untyped-call]
    affine = neuroglancer_affine(image.header)
    data = np.asarray(image.dataobj, np.float64)
    lo, hi = assets.contrast
    scale, translation = _ome_level0(assets)
    shape = np.array(assets.shape)
    rng = np.random.default_rng(3)
    corners = [(0, 0, 0), tuple(n - 1 for n in data.shape)]
    picks = corners + [tuple(int(rng.integers(0, n)) for n in data.shape) for _ in range(20)]
    for ijk in picks:
        world = affine[:3, :3] @ (np.array(ijk) + 0.5) + affine[:3, 3]  # x, y, z mm
        index = (world[::-1] - translation) / scale  # z, y, x
        assert np.allclose(index, np.round(index), atol=1e-6), (ijk, index)
        zyx = tuple(int(v) for v in np.round(index))
        assert all(0 <= v < n for v, n in zip(zyx, shape, strict=True)), (ijk, zyx)
        expected = int(255 * (data[ijk] - lo) / (hi - lo))
        assert _zarr_voxel(assets, zyx) == expected, (ijk, zyx)


def test_the_sample_scan_needed_a_flip(assets: SampleAssets) -> None:
    # anatomical.nii runs right-to-left along i: the case the alignment is for.
    image: Any = nib.Nifti1Image.from_bytes(assets.nifti)  # type: ignore[no-untyped-call]
    assert neuroglancer_affine(image.header)[0, 0] < 0
    scale, _ = _ome_level0(assets)
    assert (scale > 0).all()


def test_orient_transposes_and_flips_a_permuted_grid() -> None:
    voxels = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    # i runs along -z (1.5 mm), j along +x (1 mm), k along -y (2 mm).
    affine = np.array([[0, 1, 0, 10], [0, 0, -2, 20], [-1.5, 0, 0, 30], [0, 0, 0, 1]], float)
    placed = orient(voxels, affine)
    assert placed.zyx.shape == (2, 4, 3)
    assert placed.scale == (1.5, 2.0, 1.0)
    for ijk in np.ndindex(*voxels.shape):
        world = affine[:3, :3] @ (np.array(ijk) + 0.5) + affine[:3, 3]
        zyx = np.round((world[::-1] - placed.translation) / placed.scale).astype(int)
        assert placed.zyx[tuple(zyx)] == voxels[ijk]


def test_orient_refuses_an_oblique_qform() -> None:
    c, s = np.cos(0.3), np.sin(0.3)
    affine = np.array([[c, -s, 0, 0], [s, c, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
    with pytest.raises(ValueError, match="oblique"):
        orient(np.zeros((2, 2, 2), np.uint8), affine)


def test_level_one_starts_with_level_zero_and_never_sticks_out(assets: SampleAssets) -> None:
    zattrs = json.loads(assets.objects[assets.zarr_prefix + ".zattrs"][0])
    low, high = [], []
    for level in zattrs["multiscales"][0]["datasets"]:
        t = {x["type"]: x for x in level["coordinateTransformations"]}
        scale = np.array(t["scale"]["scale"])
        start = np.array(t["translation"]["translation"]) - scale / 2
        shape = json.loads(assets.objects[f"{assets.zarr_prefix}{level['path']}/.zarray"][0])
        low.append(start)
        high.append(start + scale * np.array(shape["shape"]))
    assert np.allclose(low[0], low[1])
    assert (high[1] <= high[0] + 1e-9).all(), (high, assets.shape)
    assert assets.objects[assets.blob_key][0] == assets.nifti  # the NIfTI is uploaded as is
