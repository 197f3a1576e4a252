"""Batches of a plain `.trk` file read straight from its bytes (no per-streamline objects).

Why: nibabel's lazy reader makes a few Python objects and two small reads per streamline; at
8 points per streamline that costs 3-4x nibabel's own full load, more than all our writing.
This reads the same records (nibabel's `TrkFile._read` layout) in large pieces and splits them
with numpy.

Contract:
- Records: `int32 n`, then `n` rows of `3 + S` float32 (voxmm x, y, z and the S per-point
  scalars), then `P` float32 properties; S, P, endianness, `_offset_data` and the declared count
  come from nibabel's header (`TrkFile.header`); `applies(header)` says whether it has them.
- `voxmm_batches(path, header, size)` yields `(start, rows, properties, lengths)`: at most
  `size` streamlines per batch, in file order; `rows` (points, 3 + S) float32 with coordinates
  in the file's voxmm space (the caller applies nibabel's `affine_to_rasmm`), `properties`
  (n, P) float32. It stops after the
  declared count, or at the end of the file when none is declared (as nibabel does); a record
  cut short or a negative point count raises `TrkDamaged(index, reason)`.
- `plan(path, tfile, dpp_keys, dps_keys)`: how to split rows and properties into nibabel's
  per-point and per-streamline keys and which affine to apply, or None when nibabel's lazy
  reader must stay in charge (not .trk, unknown header, keys not covering the columns).
- `apply_affine(affine, points)`: nibabel's arithmetic (float64, then float32).
- Memory: the bytes of one batch plus one read piece (`PIECE`).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

PIECE = 1 << 20  # bytes per read: few calls, and little memory beyond the batch itself


class TrkDamaged(Exception):
    def __init__(self, index: int, reason: str) -> None:
        super().__init__(reason)
        self.index = index


def applies(header: Any) -> bool:
    try:
        return (
            int(header["nb_scalars_per_point"]) >= 0
            and int(header["nb_properties_per_streamline"]) >= 0
            and header["endianness"] in ("<", ">")
            and int(header["_offset_data"]) > 0
        )
    except (KeyError, TypeError, ValueError):
        return False


@dataclass
class Plan:
    """How to split a plain .trk's records (`trk_batches`) into what nibabel would give."""

    affine: npt.NDArray[np.float64] | None  # voxmm -> RAS+ mm, None for the identity
    point_slices: dict[str, slice]  # per-point key -> columns after x, y, z
    line_slices: dict[str, slice]  # per-streamline key -> property columns


def plan(
    path: Path,
    tfile: Any,
    dpp_keys: dict[str, int],
    dps_keys: dict[str, int],
) -> Plan | None:
    """The direct reader's plan, when its split is known to match nibabel's; else None."""
    affine = getattr(tfile.tractogram, "_affine_to_apply", None)
    if path.suffix.lower() != ".trk" or not applies(tfile.header):
        return None
    if not isinstance(affine, np.ndarray) or affine.shape != (4, 4):
        return None

    def slices(keys: dict[str, int], total: int) -> dict[str, slice] | None:
        # nibabel gives the keys in header order, each its next `components` columns.
        out, at = {}, 0
        for key, n in keys.items():
            out[key], at = slice(at, at + n), at + n
        return out if at == total else None

    points = slices(dpp_keys, int(tfile.header["nb_scalars_per_point"]))
    lines = slices(dps_keys, int(tfile.header["nb_properties_per_streamline"]))
    if points is None or lines is None:
        return None
    return Plan(None if np.allclose(affine, np.eye(4)) else affine, points, lines)


def apply_affine(
    affine: npt.NDArray[np.float64], points: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """nibabel's `apply_affine` in float64, column by column: a (P, 3) x (3, 3) BLAS product
    starts threads that, on a busy machine, cost more than this whole read."""
    xyz = points.astype(np.float64)
    out = np.empty_like(points)
    for i in range(3):
        m = affine[i]
        out[:, i] = xyz[:, 0] * m[0] + xyz[:, 1] * m[1] + xyz[:, 2] * m[2] + m[3]
    return out


F32 = npt.NDArray[np.float32]


def voxmm_batches(
    path: Path, header: Any, size: int
) -> Iterator[tuple[int, F32, F32, npt.NDArray[np.int64]]]:
    endian = header["endianness"]
    row = 3 + int(header["nb_scalars_per_point"])
    nprop = int(header["nb_properties_per_streamline"])
    count = struct.Struct(endian + "i")
    words = np.dtype(endian + "f4")
    declared = int(header["nb_streamlines"] or 0)
    limit = declared if declared > 0 else None
    index = 0
    with open(path, "rb") as fh:
        fh.seek(int(header["_offset_data"]))
        buf = bytearray()  # this batch's bytes so far, then what was read past it
        while limit is None or index < limit:
            pos = 0
            heads: list[int] = []  # byte position of each record of this batch in buf
            counts: list[int] = []
            while len(heads) < size and (limit is None or index + len(heads) < limit):
                if pos + 4 > len(buf):
                    _refill(fh, buf, pos, 4)
                    if pos == len(buf):
                        limit = index + len(heads)  # end of file at a record boundary
                        break
                    if pos + 4 > len(buf):
                        raise TrkDamaged(index + len(heads), "file ends inside a point count")
                n = count.unpack_from(buf, pos)[0]
                if n < 0:
                    raise TrkDamaged(index + len(heads), f"negative point count {n}")
                need = 4 + 4 * (row * n + nprop)
                if pos + need > len(buf):
                    _refill(fh, buf, pos, need)
                    if pos + need > len(buf):
                        raise TrkDamaged(index + len(heads), "file ends inside a streamline")
                heads.append(pos)
                counts.append(n)
                pos += need
            if not heads:
                break
            lengths = np.asarray(counts, np.int64)
            yield index, *_split(buf, pos, heads, lengths, row, nprop, words), lengths
            index += len(heads)
            del buf[:pos]  # the split copied what it kept: no view of buf is left


def _refill(fh: Any, buf: bytearray, pos: int, need: int) -> None:
    """Append to buf (in place: appends are amortised) at least `need` bytes past `pos`, if
    the file has them."""
    buf += fh.read(max(PIECE, need - (len(buf) - pos)))


def _split(
    buf: bytearray,
    end: int,
    heads: list[int],
    lengths: npt.NDArray[np.int64],
    row: int,
    nprop: int,
    words: np.dtype[Any],
) -> tuple[F32, F32]:
    """Point rows and properties of the records at `heads` (their bytes fill buf[:end]):
    every field is a float32 word, so one mask drops the counts and properties."""
    flat = np.frombuffer(buf, dtype=words, count=end // 4)
    at = np.asarray(heads, np.int64) // 4  # word index of each point count
    prop_at = (at + 1 + row * lengths)[:, None] + np.arange(nprop)
    keep = np.ones(len(flat), bool)
    keep[at] = False
    keep[prop_at.ravel()] = False
    rows = flat[keep].astype(np.float32).reshape(-1, row)  # copies: buf may be resized after
    props = flat[prop_at].astype(np.float32).reshape(len(heads), nprop)
    del flat
    return rows, props
