"""Sample assets in LINC's key shapes: an OME-Zarr under `zarr/<uuid>/`, a NIfTI under
`blobs/<aaa>/<bbb>/<uuid>`, both placed at the same spot in the viewer.

Contract: `sample_objects()` returns `SampleAssets`: S3 key -> (bytes, Content-Type) for every
object, plus the keys of the two assets. The volume is a real brain when nibabel ships one as
test data (`nibabel/tests/data/anatomical.nii`, a T1 anatomical scan; the NIfTI is that very
file, the OME-Zarr holds its voxels), otherwise a synthetic ellipsoid "head" (written as a NIfTI
too) with a gradient so a rendered slice still shows many grey levels. The OME-Zarr is zarr v2
with OME-NGFF 0.4 `multiscales` written with numpy and JSON (no zarr package): two levels (full
and 2x downsampled), 32^3 chunks, gzip, C order. The uuids are fixed, so links stay valid.

Alignment: Neuroglancer places the NIfTI by its qform
(`linc_edge_auth.streamlines.volume.neuroglancer_affine`), voxel (i, j, k) filling the box
[i, i+1) x [j, j+1) x [k, k+1) of that map. `orient(voxels, affine)` flips and transposes the
voxels into (z, y, x) arrays whose OME `scale` + `translation` (the centre of voxel 0, as OME-NGFF
and Neuroglancer read it) cover the very same boxes, so the two layers coincide voxel for voxel.
A qform that is not a permutation with flips (an oblique scan) is refused: a scale and a
translation cannot express it.
"""

from __future__ import annotations

import gzip
import io
import json
from dataclasses import dataclass
from importlib import util as importlib_util
from pathlib import Path
from typing import Any, Final

import numpy as np

ZARR_UUID: Final = "5b5b0f2e-6d1c-4f0e-9a43-7c1d2f3e4a5b"
BLOB_UUID: Final = "0c9d8e7f-1a2b-4c3d-8e9f-a0b1c2d3e4f5"
ZARR_PREFIX: Final = f"zarr/{ZARR_UUID}/"
BLOB_KEY: Final = f"blobs/{BLOB_UUID[:3]}/{BLOB_UUID[3:6]}/{BLOB_UUID}"
CHUNK: Final = 32
JSON_TYPE: Final = "application/json"
OCTETS: Final = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class SampleAssets:
    objects: dict[str, tuple[bytes, str]]
    zarr_prefix: str
    blob_key: str
    source: str  # where the voxels came from (for the printed summary)
    shape: tuple[int, ...]
    nifti: bytes  # the NIfTI file (also under `blob_key`), for tractograms aligned with it
    contrast: tuple[float, float]  # the NIfTI's value range the OME-Zarr's 0..255 stand for
    centre_mm: tuple[float, float, float]  # x, y, z: the centre of the volume's box


@dataclass(frozen=True, slots=True)
class Oriented:
    """Voxels as (z, y, x) arrays, with the OME scale and translation (z, y, x, mm)."""

    zyx: np.ndarray[Any, Any]
    scale: tuple[float, float, float]
    translation: tuple[float, float, float]


def _nibabel_anatomical() -> Path | None:
    spec = importlib_util.find_spec("nibabel")
    if spec is None or not spec.submodule_search_locations:
        return None
    candidate = Path(next(iter(spec.submodule_search_locations))) / "tests/data/anatomical.nii"
    return candidate if candidate.is_file() else None


def _synthetic_head(shape: tuple[int, int, int] = (64, 80, 64)) -> np.ndarray[Any, Any]:
    grid = np.indices(shape, dtype=np.float32)
    centre = (np.array(shape, dtype=np.float32) - 1) / 2
    radius = np.array(shape, dtype=np.float32) * 0.42
    r = np.sqrt(sum(((grid[i] - centre[i]) / radius[i]) ** 2 for i in range(3)))
    volume = np.where(r < 1.0, 60 + 180 * (1 - r) + 20 * np.sin(grid[0] / 3), 0)
    return np.clip(volume, 0, 255).astype(np.uint8)


def _nifti_bytes(volume: np.ndarray[Any, Any]) -> bytes:
    import nibabel as nib  # the `local` extra installs it

    image = nib.Nifti1Image(volume, affine=np.eye(4))  # type: ignore[no-untyped-call]
    return bytes(image.to_bytes())


def _load_volume() -> tuple[np.ndarray[Any, Any], bytes, str, tuple[float, float]]:
    """Voxels (i, j, k order, uint8), the NIfTI bytes, a description, the NIfTI value range."""
    path = _nibabel_anatomical()
    if path is not None:
        import nibabel as nib

        image: Any = nib.load(path)
        data = np.asarray(image.get_fdata(), dtype=np.float32)
        lo, hi = float(data.min()), float(data.max())
        scaled = (255 * (data - lo) / max(hi - lo, 1e-6)).astype(np.uint8)
        source = "nibabel tests/data/anatomical.nii (real T1 scan)"
        return scaled, path.read_bytes(), source, (lo, hi)
    volume = _synthetic_head()
    return volume, _nifti_bytes(volume), "synthetic ellipsoid (no nibabel test scan)", (0, 255)


def nifti_affine(nifti: bytes) -> np.ndarray[Any, Any]:
    """The voxel -> mm map Neuroglancer uses for this NIfTI file (its qform)."""
    import nibabel as nib

    from linc_edge_auth.streamlines.volume import neuroglancer_affine

    header = nib.Nifti1Header.from_fileobj(io.BytesIO(nifti))  # type: ignore[no-untyped-call]
    return neuroglancer_affine(header)


def orient(voxels: np.ndarray[Any, Any], affine: np.ndarray[Any, Any]) -> Oriented:
    """(i, j, k) voxels placed by `affine` -> (z, y, x) arrays + OME scale and translation."""
    linear = np.asarray(affine, np.float64)[:3, :3]
    offset = np.asarray(affine, np.float64)[:3, 3]
    world_of = np.argmax(np.abs(linear), axis=0)  # the world axis each voxel axis runs along
    if sorted(world_of) != [0, 1, 2] or np.count_nonzero(np.abs(linear) > 1e-6) != 3:
        raise ValueError(
            f"the NIfTI qform is oblique; scale + translation cannot place it:\n{affine}"
        )
    data = voxels
    scale = np.zeros(3)
    corner = offset.copy()  # world position of the low corner of the (flipped) grid
    for axis in range(3):
        world = world_of[axis]
        step = linear[world, axis]
        scale[world] = abs(step)
        if step < 0:  # runs against the world axis: flip so that index grows with it
            data = np.flip(data, axis)
            corner[world] += step * voxels.shape[axis]
    # Voxel axes in world order (x, y, z), then reversed: OME arrays are (z, y, x).
    xyz = np.transpose(data, tuple(int(a) for a in np.argsort(world_of)))
    zyx = np.ascontiguousarray(np.transpose(xyz, (2, 1, 0)))
    centre = corner + scale / 2  # OME translations name the centre of voxel 0
    return Oriented(
        zyx,
        (float(scale[2]), float(scale[1]), float(scale[0])),
        (float(centre[2]), float(centre[1]), float(centre[0])),
    )


def _zarr_level(prefix: str, volume: np.ndarray[Any, Any]) -> dict[str, tuple[bytes, str]]:
    """One zarr v2 array: `.zarray` plus every chunk (edge chunks padded, as zarr writes them)."""
    objects: dict[str, tuple[bytes, str]] = {}
    zarray = {
        "zarr_format": 2,
        "shape": list(volume.shape),
        "chunks": [CHUNK] * volume.ndim,
        "dtype": "|u1",
        "compressor": {"id": "gzip", "level": 5},
        "fill_value": 0,
        "filters": None,
        "order": "C",
        "dimension_separator": ".",
    }
    objects[prefix + ".zarray"] = (json.dumps(zarray, indent=1).encode(), JSON_TYPE)
    objects[prefix + ".zattrs"] = (b"{}", JSON_TYPE)  # as zarr writes it; readers probe for it
    counts = [-(-size // CHUNK) for size in volume.shape]
    for index in np.ndindex(*counts):
        block = np.zeros((CHUNK,) * volume.ndim, dtype=np.uint8)
        slices = tuple(slice(i * CHUNK, (i + 1) * CHUNK) for i in index)
        piece = volume[slices]
        block[tuple(slice(0, n) for n in piece.shape)] = piece
        name = prefix + ".".join(str(i) for i in index)
        objects[name] = (gzip.compress(block.tobytes(order="C"), mtime=0), OCTETS)
    return objects


def _halve(volume: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """2x2x2 block means of the whole blocks (a trailing odd voxel is dropped)."""
    n0, n1, n2 = (size // 2 for size in volume.shape)
    blocks = volume[: 2 * n0, : 2 * n1, : 2 * n2].reshape(n0, 2, n1, 2, n2, 2)
    return np.asarray(blocks.mean(axis=(1, 3, 5)).round(), dtype=volume.dtype)


def ome_zarr_objects(
    prefix: str,
    volume: np.ndarray[Any, Any],
    voxel_mm: tuple[float, ...] = (1.0, 1.0, 1.0),
    origin_mm: tuple[float, ...] = (0.0, 0.0, 0.0),
) -> dict[str, tuple[bytes, str]]:
    """OME-Zarr objects for a (z, y, x) volume: voxel size and centre of voxel 0 in mm (z, y, x).

    Level 1 averages 2x2x2 blocks, so its translation is the centre of the first block (half a
    level-0 voxel further on). An odd last voxel is left out of it: a block half outside level
    0 would stick out past the volume where Neuroglancer draws level 1 under level 0.
    """
    levels = [volume, _halve(volume)]
    axes = [{"name": n, "type": "space", "unit": "millimeter"} for n in ("z", "y", "x")]
    datasets = [
        {
            "path": str(level),
            "coordinateTransformations": [
                {"type": "scale", "scale": [size * 2**level for size in voxel_mm]},
                {
                    "type": "translation",
                    "translation": [
                        o + size * (2**level - 1) / 2
                        for o, size in zip(origin_mm, voxel_mm, strict=True)
                    ],
                },
            ],
        }
        for level in range(len(levels))
    ]
    zattrs = {
        "multiscales": [
            {
                "version": "0.4",
                "name": "sample",
                "axes": axes,
                "datasets": datasets,
                "type": "gaussian",
            }
        ]
    }
    objects = {
        prefix + ".zgroup": (json.dumps({"zarr_format": 2}).encode(), JSON_TYPE),
        prefix + ".zattrs": (json.dumps(zattrs, indent=1).encode(), JSON_TYPE),
    }
    for level, data in enumerate(levels):
        objects.update(_zarr_level(f"{prefix}{level}/", np.ascontiguousarray(data)))
    return objects


def sample_objects() -> SampleAssets:
    volume, nifti, source, contrast = _load_volume()
    placed = orient(volume, nifti_affine(nifti))
    objects = ome_zarr_objects(ZARR_PREFIX, placed.zyx, placed.scale, placed.translation)
    objects[BLOB_KEY] = (nifti, OCTETS)
    shape = placed.zyx.shape
    z, y, x = (
        t + s * (n - 1) / 2 for t, s, n in zip(placed.translation, placed.scale, shape, strict=True)
    )
    return SampleAssets(
        objects, ZARR_PREFIX, BLOB_KEY, source, tuple(shape), nifti, contrast, (x, y, z)
    )
