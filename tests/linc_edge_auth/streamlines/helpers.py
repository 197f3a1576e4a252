"""Shared builders for the streamlines tests: a NIfTI volume, trk/tck writers, decoders."""

from __future__ import annotations

import struct
from pathlib import Path

import nibabel as nib
import numpy as np
from nibabel.streamlines import TckFile, Tractogram, TrkFile

# Oblique on purpose: x flipped (LAS), anisotropic voxels, non-zero origin.
AFFINE = np.array(
    [[-2.0, 0, 0, 60.0], [0, 1.5, 0, -70.0], [0, 0, 3.0, -40.0], [0, 0, 0, 1]], dtype=np.float64
)
SHAPE = (30, 40, 20)


def make_volume(path: Path, affine: np.ndarray = AFFINE, shape: tuple[int, ...] = SHAPE) -> Path:
    data = np.zeros(shape, np.float32)
    data[3:-3, 3:-3, 3:-3] = 100.0
    img = nib.Nifti1Image(data, affine)
    img.header.set_xyzt_units("mm")
    img.set_qform(affine, 1)
    img.set_sform(affine, 1)
    nib.save(img, str(path))
    return path


def to_world(ijk: np.ndarray, affine: np.ndarray = AFFINE) -> np.ndarray:
    return (np.asarray(ijk, np.float64) @ affine[:3, :3].T + affine[:3, 3]).astype(np.float32)


def write_trk(
    path: Path,
    streamlines: list[np.ndarray],
    affine: np.ndarray = AFFINE,
    labels: list[int] | None = None,
    shape: tuple[int, ...] = SHAPE,
) -> Path:
    dps = {"bundle": np.array(labels, np.float32)[:, None]} if labels is not None else {}
    t = Tractogram(streamlines, data_per_streamline=dps, affine_to_rasmm=np.eye(4))
    header = {
        "voxel_to_rasmm": affine.astype(np.float32),
        "dimensions": np.array(shape[:3], np.int16),
        "voxel_sizes": np.linalg.norm(affine[:3, :3], axis=0).astype(np.float32),
        "voxel_order": "".join(nib.aff2axcodes(affine)),
    }
    TrkFile(t, header=header).save(str(path))
    return path


def write_tck(path: Path, streamlines: list[np.ndarray]) -> Path:
    TckFile(Tractogram(streamlines, affine_to_rasmm=np.eye(4))).save(str(path))
    return path


def decode_skeleton(
    blob: bytes, components: tuple[int, ...] | None = None
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Neuroglancer precomputed skeleton encoding, read from the spec (skeletons.md).

    `components`: of each vertex attribute, in info order; default: the orientation only, and
    any further float32 x 1 attributes (scalars) the remaining bytes hold.
    """
    nv, ne = struct.unpack_from("<II", blob, 0)
    off = 8
    pos = np.frombuffer(blob, "<f4", nv * 3, off).reshape(nv, 3)
    off += nv * 12
    edges = np.frombuffer(blob, "<u4", ne * 2, off).reshape(ne, 2)
    off += ne * 8
    if components is None:
        extra = (len(blob) - off - nv * 12) // max(4 * nv, 1)
        components = (3,) + (1,) * extra
    attrs = []
    for k in components:  # float32 x k each, vertex-major
        attrs.append(np.frombuffer(blob, "<f4", nv * k, off).reshape(nv, k))
        off += nv * 4 * k
    assert off == len(blob), "trailing bytes in skeleton"
    return pos, edges, attrs


def decode_polyline_cell(
    blob: bytes, scalars: int = 0
) -> list[tuple[int, np.ndarray, float, tuple[int, ...]]]:
    """Multiple-annotation encoding of POLYLINEs: count, records, ids (annotations.md).

    Properties: length_mm, then `scalars` float32 (skipped here), then rgb + padding.
    """
    (count,) = struct.unpack_from("<Q", blob, 0)
    off = 8
    records = []
    for _ in range(count):
        (n,) = struct.unpack_from("<I", blob, off)
        pts = np.frombuffer(blob, "<f4", n * 3, off + 4).reshape(n, 3)
        off += 4 + 12 * n
        (length,) = struct.unpack_from("<f", blob, off)
        rgb = tuple(blob[off + 4 + 4 * scalars : off + 7 + 4 * scalars])
        off += 8 + 4 * scalars
        records.append((pts, length, rgb))
    ids = struct.unpack_from(f"<{count}Q", blob, off)
    assert off + 8 * count == len(blob)
    return [(i, p, ln, c) for i, (p, ln, c) in zip(ids, records, strict=True)]
