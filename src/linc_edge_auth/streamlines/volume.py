"""The volume a tractogram was tracked on: its world box, as Neuroglancer places it.

Contract:
- Neuroglancer 2.41's `nifti` datasource maps voxel (i, j, k) to world x, y, z (millimetres,
  shown as `m` with scale 1e-3) with the NIfTI *qform* (quaternion, pixdim, qfac, qoffset:
  "method 2"); it ignores the sform. `neuroglancer_affine(header)` is that matrix, and
  `VolumeBox.from_header` warns (returns a note) when the sform says something else.
- `VolumeBox.outside(points)` is a boolean mask of points outside the voxel grid
  (voxel centres 0..dim-1, plus half a voxel and `tolerance_mm` of slack).
- `read_header(ref, s3_client=None)` reads a NIfTI-1/2 header from a local path or an
  `s3://BUCKET/KEY` (a ranged GET of the first 64 KiB). Whether to gunzip is decided by the
  gzip magic bytes (1f 8b), never by the name: LINC blob keys (`blobs/<uuid>`) have no
  extension, and a `.gz` name on plain bytes is read as plain bytes.
- `load_image(path)` loads a whole local NIfTI-1/2 image (header and data, for `synth`), gzip
  decided the same way.
"""

from __future__ import annotations

import importlib
import io
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from linc_edge_auth.errors import UserError


def neuroglancer_affine(header: Any) -> npt.NDArray[np.float64]:
    """4x4 voxel -> RAS mm as Neuroglancer's nifti datasource computes it (qform, method 2)."""
    affine = np.asarray(header.get_qform(coded=False), dtype=np.float64)
    # nibabel's qform is in the header's spatial unit; Neuroglancer converts m/um to its scale,
    # and we write streamlines in mm, so convert the qform to mm too.
    unit = header.get_xyzt_units()[0]
    factor = {"meter": 1000.0, "micron": 0.001}.get(unit, 1.0)
    affine[:3, :] *= factor
    affine[3] = (0, 0, 0, 1)
    return affine


@dataclass(frozen=True)
class VolumeBox:
    shape: tuple[int, int, int]
    affine: npt.NDArray[np.float64]  # voxel -> RAS mm (Neuroglancer's)
    note: str | None = None

    @classmethod
    def from_header(cls, header: Any) -> VolumeBox:
        shape = tuple(int(d) for d in header.get_data_shape()[:3])
        if len(shape) != 3 or min(shape) < 1:
            raise UserError(f"volume has shape {shape}: expected a 3-D image")
        affine = neuroglancer_affine(header)
        note = None
        sform, code = header.get_sform(coded=True)
        if code and not np.allclose(sform, header.get_qform(coded=False), atol=1e-3):
            note = "the volume's sform and qform differ; Neuroglancer places it by the qform"
        return cls((shape[0], shape[1], shape[2]), affine, note)

    def to_voxel(self, points: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
        inv = np.linalg.inv(self.affine)
        return np.asarray(np.asarray(points, np.float64) @ inv[:3, :3].T + inv[:3, 3], np.float64)

    def outside(
        self, points: npt.NDArray[np.floating], tolerance_mm: float = 1.0
    ) -> npt.NDArray[np.bool_]:
        voxel_size = np.linalg.norm(self.affine[:3, :3], axis=0)
        slack = 0.5 + tolerance_mm / voxel_size
        ijk = self.to_voxel(points)
        hi = np.asarray(self.shape, np.float64) - 1 + slack
        return np.asarray(((ijk < -slack) | (ijk > hi)).any(axis=1), dtype=np.bool_)

    def world_bounds(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        corners = np.array(
            [[i, j, k] for i in (-0.5, self.shape[0] - 0.5) for j in (-0.5, self.shape[1] - 0.5)
             for k in (-0.5, self.shape[2] - 0.5)]
        )  # fmt: skip
        world = corners @ self.affine[:3, :3].T + self.affine[:3, 3]
        return world.min(axis=0), world.max(axis=0)


GZIP_MAGIC = b"\x1f\x8b"
HEADER_BYTES = 65536  # NIfTI-2's header is 540 bytes; this leaves room for gzip framing


def is_gzip(head: bytes) -> bool:
    return head[:2] == GZIP_MAGIC


def _gunzip_head(raw: bytes, name: str) -> bytes:
    """The first bytes of a gzip stream of which only a prefix was read (a ranged GET)."""
    try:
        return zlib.decompressobj(wbits=31).decompress(raw, HEADER_BYTES)
    except zlib.error as exc:
        raise UserError(f"{name}: starts like gzip but does not decompress ({exc})") from exc


def _parse_header(raw: bytes, name: str) -> Any:
    nib: Any = importlib.import_module("nibabel")

    packed = is_gzip(raw)
    if packed:
        raw = _gunzip_head(raw, name)
    for klass in (nib.Nifti1Header, nib.Nifti2Header):
        try:
            return klass.from_fileobj(io.BytesIO(raw), check=True)
        except Exception:  # noqa: S112 - try the next NIfTI flavour
            continue
    how = "gunzipped" if packed else "not gzipped"
    raise UserError(f"{name}: not a NIfTI file ({how}: no NIfTI-1/2 header; give the .nii image)")


def read_header(ref: str, s3_client: Any = None) -> Any:
    if ref.startswith("s3://"):
        bucket, _, key = ref[5:].partition("/")
        if s3_client is None:
            import boto3

            s3_client = boto3.client("s3")
        try:
            body = s3_client.get_object(
                Bucket=bucket, Key=key, Range=f"bytes=0-{HEADER_BYTES - 1}"
            )["Body"]
            raw = body.read()
        except Exception as exc:
            raise UserError(f"{ref}: could not read the volume header ({exc})") from exc
        return _parse_header(raw, ref)
    path = Path(ref)
    if not path.is_file():
        raise UserError(f"{ref}: no such volume file")
    try:
        with open(path, "rb") as fh:
            raw = fh.read(HEADER_BYTES)
    except OSError as exc:
        raise UserError(f"{ref}: could not read the volume header ({exc})") from exc
    return _parse_header(raw, ref)


def load_image(path: str | Path) -> Any:
    """A local NIfTI image, whatever its name says (nibabel's own `load` goes by the suffix)."""
    nib: Any = importlib.import_module("nibabel")

    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise UserError(f"{p}: could not read the volume ({exc})") from exc
    if is_gzip(raw):
        try:
            raw = zlib.decompress(raw, wbits=31)
        except zlib.error as exc:
            raise UserError(f"{p}: starts like gzip but does not decompress ({exc})") from exc
    _parse_header(raw[:HEADER_BYTES], str(p))  # a NIfTI at all? (a UserError when not)
    for klass in (nib.Nifti1Image, nib.Nifti2Image):
        try:
            return klass.from_bytes(raw)
        except Exception:  # noqa: S112 - try the next NIfTI flavour
            continue
    raise UserError(f"{p}: not a readable NIfTI image")
