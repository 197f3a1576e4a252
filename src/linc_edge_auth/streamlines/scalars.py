"""Scalars carried from a tractogram into both layers, and the shaders that colour by them.

Contract:
- A tractogram's per-point values (`data_per_point`, TRX `data_per_vertex`, e.g. FA) and
  per-streamline values (`data_per_streamline`) become `Scalar`s: one float32 column each
  (a k-component value gives k columns, `name_0`..`name_{k-1}`), named by an id that both
  Neuroglancer identifier rules accept (annotation properties: `^[a-z][a-zA-Z0-9_]*$`; skeleton
  vertex attributes become GLSL `#define`s) and that does not clash with our own fields.
- Skeletons get every scalar as a float32 vertex attribute (per-streamline values repeated on
  each vertex); annotations get every scalar as a float32 property (per-point values as their
  mean over the streamline). So `--color-by` works on both layers.
- `ScalarRanges` keeps each scalar's finite min/max over the conversion, for the colour map.
- `find_scalar(scalars, name)` resolves a `--color-by` name (the file's spelling or the id);
  `annotation_shader` / `skeleton_shader` colour by it with Neuroglancer's `colormapJet`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from linc_edge_auth.errors import UserError
from linc_edge_auth.streamlines.reader import Batch

RESERVED = frozenset({"orientation", "length_mm"})
_ID = re.compile(r"^[a-z][a-zA-Z0-9_]*$")


@dataclass(frozen=True)
class Scalar:
    id: str  # property / vertex attribute id
    source: str  # the key in the tractogram
    per_point: bool  # data_per_point (True) or data_per_streamline (False)
    component: int  # column of a multi-component value

    @property
    def description(self) -> str:
        what = "mean over the streamline" if self.per_point else "per streamline"
        col = f"[{self.component}]" if self.id != _base_id(self.source) else ""
        return f"{self.source}{col} ({what})"


def _base_id(name: str) -> str:
    text = re.sub(r"[^A-Za-z0-9_]", "_", name.strip())
    if not _ID.match(text):
        text = text.lower()
    if not _ID.match(text):
        text = "s_" + text
    return text


def plan_scalars(per_point: dict[str, int], per_streamline: dict[str, int]) -> list[Scalar]:
    """Scalars for {key: components} of a tractogram, ids unique and never a reserved one.

    Per-point values first, then per-streamline ones, each sorted by key.
    """
    taken = set(RESERVED)
    out: list[Scalar] = []
    for keys, point in ((per_point, True), (per_streamline, False)):
        for key, components in sorted(keys.items()):  # formats differ in key order
            base = _base_id(key)
            for c in range(components):
                sid = base if components == 1 else f"{base}_{c}"
                while sid in taken:
                    sid += "_"
                taken.add(sid)
                out.append(Scalar(sid, key, point, c))
    return out


def find_scalar(scalars: Sequence[Scalar], name: str) -> Scalar:
    for s in scalars:
        if name in (s.id, s.source) and (s.id == name or s.component == 0):
            return s
    known = ", ".join(sorted({s.source for s in scalars} | {s.id for s in scalars})) or "none"
    raise UserError(f"--color-by {name!r}: the tractogram has no such value (has: {known})")


@dataclass
class ScalarRanges:
    lo: dict[str, float] = field(default_factory=dict)
    hi: dict[str, float] = field(default_factory=dict)

    def update(self, sid: str, values: npt.NDArray[np.float32]) -> None:
        finite = values[np.isfinite(values)]
        if finite.size:
            self.lo[sid] = min(self.lo.get(sid, np.inf), float(finite.min()))
            self.hi[sid] = max(self.hi.get(sid, -np.inf), float(finite.max()))

    def range(self, sid: str) -> tuple[float, float]:
        lo, hi = self.lo.get(sid, 0.0), self.hi.get(sid, 1.0)
        return (lo, hi) if hi > lo else (lo, lo + 1.0)


def _jet(expr: str, lo: float, hi: float) -> str:
    # Exponent notation: GLSL ES has no int -> float conversion, so "5" would not compile.
    return f"colormapJet(clamp(({expr} - ({lo:.6e})) / {hi - lo:.6e}, 0.0, 1.0))"


def annotation_shader(scalar: Scalar, lo: float, hi: float) -> str:
    # Lines only, as the default annotation shader (layers.ANNOTATION_SHADER): no vertex beads.
    return (
        f"void main() {{\n  setColor({_jet(f'prop_{scalar.id}()', lo, hi)});\n"
        "  setEndpointMarkerSize(0.0);\n  setEndpointMarkerBorderWidth(0.0);\n}\n"
    )


def skeleton_shader(scalar: Scalar, lo: float, hi: float) -> str:
    return f"void main() {{\n  emitRGB({_jet(scalar.id, lo, hi)});\n}}\n"


def _column(data: dict[str, npt.NDArray[np.float32]], s: Scalar) -> npt.NDArray[np.float32]:
    return np.asarray(data[s.source][:, s.component], np.float32)


def vertex_columns(batch: Batch, scalars: Sequence[Scalar]) -> npt.NDArray[np.float32]:
    """(P, len(scalars)) float32: per-point values, per-streamline values repeated."""
    out = np.empty((len(batch.points), len(scalars)), np.float32)
    for i, s in enumerate(scalars):
        if s.per_point:
            out[:, i] = _column(batch.point_data, s)
        else:
            out[:, i] = np.repeat(_column(batch.streamline_data, s), batch.lengths)
    return out


def streamline_columns(batch: Batch, scalars: Sequence[Scalar]) -> npt.NDArray[np.float32]:
    """(n, len(scalars)) float32: per-streamline values, per-point values averaged."""
    out = np.empty((batch.count, len(scalars)), np.float32)
    starts = batch.offsets[:-1]
    filled = batch.lengths > 0
    for i, s in enumerate(scalars):
        if not s.per_point:
            out[:, i] = _column(batch.streamline_data, s)
            continue
        col = _column(batch.point_data, s).astype(np.float64)
        sums = np.add.reduceat(col, starts[filled]) if len(col) else np.zeros(0)
        out[:, i] = np.nan
        out[filled, i] = sums / batch.lengths[filled]
    return out


def update_ranges(ranges: ScalarRanges, batch: Batch, scalars: Sequence[Scalar]) -> None:
    for s in scalars:
        data = batch.point_data if s.per_point else batch.streamline_data
        ranges.update(s.id, _column(data, s))
