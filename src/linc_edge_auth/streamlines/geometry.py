"""Per-batch geometry, vectorised over concatenated streamlines (`points`, `offsets`).

Contract:
- `vertex_orientation(points, offsets)`: the standard directionally-encoded colour per vertex,
  |unit tangent| as float32 RGB in [0, 1] (x = red, y = green, z = blue), tangents never taken
  across two streamlines.
- `streamline_rgb(points, offsets)`: one uint8 RGB per streamline, |end - start| normalised.
- `streamline_lengths(points, offsets)`: arc length per streamline (float64, input units).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]


def _segments(points: F32, offsets: I64) -> F32:
    """(P-1, 3) vectors points[i+1]-points[i], zero where i+1 starts another streamline."""
    if points.shape[0] < 2:
        return np.zeros((0, 3), np.float32)
    seg = np.diff(points, axis=0)
    starts = offsets[1:-1]
    starts = starts[(starts > 0) & (starts < points.shape[0])]
    seg[starts - 1] = 0.0
    return seg


def _unit_abs(v: npt.NDArray[np.floating]) -> F32:
    norm = np.sqrt(np.einsum("ij,ij->i", v, v))[:, None]  # np.linalg.norm, without its copies
    out = np.abs(v) / np.where(norm > 0, norm, 1.0)
    return np.asarray(out, dtype=np.float32)


def vertex_orientation(points: F32, offsets: I64) -> F32:
    seg = _segments(points, offsets)
    tangent = np.zeros(points.shape, np.float64)
    tangent[:-1] += seg
    tangent[1:] += seg
    return _unit_abs(tangent)


def streamline_rgb(points: F32, offsets: I64) -> npt.NDArray[np.uint8]:
    first = points[offsets[:-1]]
    last = points[offsets[1:] - 1]
    rgb = np.rint(_unit_abs((last - first).astype(np.float64)) * 255.0)
    return np.asarray(rgb, dtype=np.uint8)


def streamline_lengths(points: F32, offsets: I64) -> npt.NDArray[np.float64]:
    seg = np.linalg.norm(_segments(points, offsets).astype(np.float64), axis=1)
    cumulative = np.concatenate([[0.0], np.cumsum(seg)])
    # Streamline k spans vertices offsets[k]..offsets[k+1]-1, so segments offsets[k]..[k+1]-2.
    hi = np.maximum(offsets[1:] - 1, offsets[:-1])
    return np.asarray(cumulative[hi] - cumulative[offsets[:-1]], dtype=np.float64)


def ranges(lo: npt.NDArray[np.int64], hi: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Concatenation of arange(lo[i], hi[i]) for all i, without a Python loop."""
    sizes = hi - lo
    total = int(sizes.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    shift = np.repeat(lo - (np.cumsum(sizes) - sizes), sizes)
    return np.asarray(np.arange(total, dtype=np.int64) + shift, dtype=np.int64)
