"""Synthetic tractograms aligned with a NIfTI volume (local stack, tests, benchmarks).

Contract:
- `synthesize_tractogram(volume, output, *, count=2000, points=32, bundles=4, seed=0) -> Path`
  writes `output` (.trk or .tck, by suffix) holding `count` smooth curves through the volume's
  brain mask (voxels at or above the median of the non-zero voxels; the whole grid when the image is
  empty), grouped in `bundles` bundles. Points are RAS+ mm under the affine Neuroglancer uses
  for the volume (its qform), so the layers line up in the viewer. A .trk records the bundle
  index as `data_per_streamline["bundle"]` and the volume's grid as its reference space.
  With `fa=True` a .trk also carries a per-point `FA` (0.2..0.8, highest mid-curve, scaled per
  bundle), standing in for the scalars real tractograms carry.
- `curves(...)` yields the streamlines lazily; writing goes through nibabel's lazy tractogram,
  so a million streamlines never sit in memory at once.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from linc_edge_auth.errors import UserError
from linc_edge_auth.streamlines.volume import load_image, neuroglancer_affine


def _mask_voxels(data: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
    nonzero = data[data > 0]
    if nonzero.size == 0:
        return np.argwhere(np.ones(data.shape[:3], bool)).astype(np.float64)
    return np.argwhere(data >= np.median(nonzero)).astype(np.float64)


def curves(
    voxels: npt.NDArray[np.float64],
    affine: npt.NDArray[np.float64],
    *,
    count: int,
    points: int,
    bundles: int,
    seed: int,
) -> Iterator[tuple[npt.NDArray[np.float32], int]]:
    """(streamline in RAS mm, bundle index): quadratic Bezier curves between mask voxels."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, points)[:, None]
    ends = voxels[rng.integers(0, len(voxels), size=(bundles, 3))]  # start, control, end
    spread = 1.5  # voxels of jitter around the bundle's end points
    lo, hi = voxels.min(axis=0), voxels.max(axis=0)
    for first in range(0, count, 4096):  # vectorised in chunks: fast, and still bounded
        n = min(4096, count - first)
        b = (first + np.arange(n)) % bundles
        acE = ends[b] + rng.normal(0.0, spread, size=(n, 3, 3))
        a, c, e = acE[:, 0, None], acE[:, 1, None], acE[:, 2, None]
        ijk = np.clip((1 - t) ** 2 * a + 2 * (1 - t) * t * c + t**2 * e, lo, hi)
        xyz = (ijk @ affine[:3, :3].T + affine[:3, 3]).astype(np.float32)
        for k in range(n):
            yield xyz[k], int(b[k])


def synthesize_tractogram(
    volume: str | Path,
    output: str | Path,
    *,
    count: int = 2000,
    points: int = 32,
    bundles: int = 4,
    seed: int = 0,
    fa: bool = False,
) -> Path:
    nib: Any = importlib.import_module("nibabel")
    nibs: Any = importlib.import_module("nibabel.streamlines")
    LazyTractogram, TckFile, TrkFile = nibs.LazyTractogram, nibs.TckFile, nibs.TrkFile

    out = Path(output)
    if out.suffix not in (".trk", ".tck"):
        raise UserError(f"{out}: expected a .trk or .tck output")
    if count < 1 or points < 2 or bundles < 1:
        raise UserError("count >= 1, points >= 2 and bundles >= 1, please")
    img = load_image(volume)
    affine = neuroglancer_affine(img.header)
    voxels = _mask_voxels(np.asarray(img.dataobj))

    def streamlines() -> Iterator[npt.NDArray[np.float32]]:
        for xyz, _ in curves(
            voxels, affine, count=count, points=points, bundles=bundles, seed=seed
        ):
            yield xyz

    def bundle_ids() -> Iterator[npt.NDArray[np.float32]]:
        for i in range(count):
            yield np.array([i % bundles], np.float32)

    def fa_values() -> Iterator[npt.NDArray[np.float32]]:
        arc = np.sin(np.pi * np.linspace(0.0, 1.0, points))[:, None]
        for i in range(count):
            scale = 0.5 + 0.5 * (i % bundles + 1) / bundles
            yield (0.2 + 0.6 * scale * arc).astype(np.float32)

    trk = out.suffix == ".trk"
    per_streamline = {"bundle": bundle_ids} if trk else {}
    per_point = {"FA": fa_values} if trk and fa else {}
    tractogram = LazyTractogram(
        streamlines, data_per_streamline=per_streamline, data_per_point=per_point
    )
    tractogram.affine_to_rasmm = np.eye(4)
    if out.suffix == ".trk":
        header = {
            "voxel_to_rasmm": affine.astype(np.float32),
            "dimensions": np.array(img.shape[:3], np.int16),
            "voxel_sizes": np.linalg.norm(affine[:3, :3], axis=0).astype(np.float32),
            "voxel_order": "".join(nib.aff2axcodes(affine)),
        }
        TrkFile(tractogram, header=header).save(str(out))
    else:
        TckFile(tractogram).save(str(out))
    return out
