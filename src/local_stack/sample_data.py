"""Sample assets in LINC's key shapes: an OME-Zarr under `zarr/<uuid>/`, a NIfTI under
`blobs/<aaa>/<bbb>/<uuid>`.

Contract: `sample_objects()` returns `SampleAssets`: S3 key -> (bytes, Content-Type) for every
object, plus the keys of the two assets. The volume is a real brain when nibabel ships one as
test data (`nibabel/tests/data/anatomical.nii`, a T1 anatomical scan; the NIfTI is that very
file, the OME-Zarr holds its voxels), otherwise a synthetic ellipsoid "head" with a gradient so a
rendered slice still shows many grey levels. The OME-Zarr is zarr v2 with OME-NGFF 0.4
`multiscales` written with numpy and JSON (no zarr package): two levels (full and 2x
downsampled), 32^3 chunks, gzip, C order. The uuids are fixed, so links stay valid across runs.
"""

from __future__ import annotations

import gzip
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
    import nibabel as nib  # a dev dependency; only reached when the real scan was missing

    image = nib.Nifti1Image(volume, affine=np.eye(4))  # type: ignore[no-untyped-call]
    return bytes(image.to_bytes())


def _load_volume() -> tuple[np.ndarray[Any, Any], bytes, str, tuple[float, float, float]]:
    """Voxels (x, y, z order, uint8), the NIfTI file bytes, a description, voxel size in mm."""
    path = _nibabel_anatomical()
    if path is not None:
        import nibabel as nib

        image: Any = nib.load(path)
        data = np.asarray(image.get_fdata(), dtype=np.float32)
        scaled = (255 * (data - data.min()) / max(float(np.ptp(data)), 1e-6)).astype(np.uint8)
        zooms = tuple(float(z) for z in image.header.get_zooms()[:3])
        source = "nibabel tests/data/anatomical.nii (real T1 scan)"
        return scaled, path.read_bytes(), source, (zooms[0], zooms[1], zooms[2])
    volume = _synthetic_head()
    try:
        nifti = _nifti_bytes(volume)
    except ImportError:
        nifti = b""
    return volume, nifti, "synthetic ellipsoid (nibabel not installed)", (1.0, 1.0, 1.0)


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


def ome_zarr_objects(
    prefix: str, volume: np.ndarray[Any, Any], voxel_mm: tuple[float, ...] = (1.0, 1.0, 1.0)
) -> dict[str, tuple[bytes, str]]:
    """OME-Zarr objects for a (z, y, x) volume whose voxels measure `voxel_mm` (z, y, x)."""
    levels = [volume, volume[::2, ::2, ::2]]
    axes = [{"name": n, "type": "space", "unit": "millimeter"} for n in ("z", "y", "x")]
    datasets = [
        {
            "path": str(level),
            "coordinateTransformations": [
                {"type": "scale", "scale": [size * 2**level for size in voxel_mm]}
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
    volume, nifti, source, (sx, sy, sz) = _load_volume()
    # NIfTI voxel order is x, y, z; OME-Zarr axes are z, y, x.
    zyx = np.ascontiguousarray(np.transpose(volume, (2, 1, 0)))
    objects = ome_zarr_objects(ZARR_PREFIX, zyx, (sz, sy, sx))
    if nifti:
        objects[BLOB_KEY] = (nifti, OCTETS)
    return SampleAssets(objects, ZARR_PREFIX, BLOB_KEY, source, tuple(zyx.shape))
