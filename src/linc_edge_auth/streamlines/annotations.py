"""Precomputed annotations (`neuroglancer_annotations_v1`, POLYLINE) with a multi-level index.

Why not `neuroglancer.write_annotations.AnnotationWriter`: it buffers every annotation in memory,
writes a single-cell spatial index (the viewer must download everything) and one `by_id` file
per annotation, to a local path only. This writer keeps its record layout (checked against it in
the tests) and adds what whole-brain tractograms need.

Contract:
- One POLYLINE annotation per streamline, id = streamline index in the file. Properties:
  `length_mm` (float32), one float32 per scalar (`scalars.Scalar`: per-streamline values, and
  per-point values as their streamline mean), then `orientation` (rgb, |end - start| colour):
  Neuroglancer lays properties out by decreasing alignment, and the info lists them in that
  order. Record: uint32le point count, the points as float32le, the properties, zero padding
  to 4 bytes (Neuroglancer 2.41's polyline encoding).
- Spatial index, coarse to fine: level 0 is one cell over [lower, upper); each next level halves
  the longer cell sides. Every streamline gets a pseudo-random u in [0, 1) from its id and is
  emitted at the first level whose cumulative share exceeds u, so coarse levels hold a uniform
  subsample (about `limit` per cell) and the finest level the rest. A streamline is written to
  every cell of its level that one of its vertices falls in. `limit` in the info is the largest
  cell count actually written for that level. Cell lists are shuffled (seeded) on assembly.
- Bounded memory: records are spooled to disk per cell; assembly streams one cell at a time
  (plus 16 bytes of index per annotation of that cell).
- `by_id` files are written when the tractogram has at most `by_id_limit` streamlines.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Sequence
from pathlib import Path

import neuroglancer
import numpy as np
import numpy.typing as npt

from linc_edge_auth.streamlines.geometry import streamline_lengths, streamline_rgb
from linc_edge_auth.streamlines.reader import Batch
from linc_edge_auth.streamlines.scalars import Scalar, streamline_columns
from linc_edge_auth.streamlines.store import Store

KEY = "annotations"
LENGTH = neuroglancer.AnnotationPropertySpec(
    id="length_mm", type="float32", description="length (mm)"
)
ORIENTATION = neuroglancer.AnnotationPropertySpec(
    id="orientation", type="rgb", description="end-to-end"
)
PROPERTIES = (LENGTH, ORIENTATION)


def properties(scalars: Sequence[Scalar] = ()) -> list[neuroglancer.AnnotationPropertySpec]:
    """The info's properties, in record order (4-byte values first, the rgb last)."""
    floats = [
        neuroglancer.AnnotationPropertySpec(id=s.id, type="float32", description=s.description)
        for s in scalars
    ]
    return [LENGTH, *floats, ORIENTATION]


def property_bytes(columns: int) -> int:
    return 4 + 4 * columns + 4  # length_mm, the scalars, rgb + 1 padding byte


_CHUNK = 65536  # records copied per step during assembly


def level_grids(
    lower: npt.NDArray[np.float64], upper: npt.NDArray[np.float64], levels: int
) -> list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]:
    """[(grid_shape, chunk_size)] per level; each chunk_size divides the previous one."""
    size = np.maximum(upper - lower, 1e-3)
    grid = np.ones(3, np.int64)
    out = []
    for _ in range(levels):
        out.append((grid.copy(), size / grid))
        chunk = size / grid
        grid = np.where(chunk >= chunk.max() / math.sqrt(2), grid * 2, grid)
    return out


def choose_levels(total: int, limit: int, max_levels: int = 6) -> int:
    """Enough levels that the finest one holds about `limit` annotations per cell."""
    levels, cells = 1, 1
    while levels < max_levels and total > limit * cells:
        levels, cells = levels + 1, cells * 8
    return levels


def uniform_from_ids(ids: npt.NDArray[np.int64], seed: int) -> npt.NDArray[np.float64]:
    """splitmix64(id ^ seed) -> [0, 1): a reproducible random number per streamline."""
    with np.errstate(over="ignore"):
        z = ids.astype(np.uint64) ^ np.uint64(seed)
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return np.asarray((z >> np.uint64(11)).astype(np.float64) / float(1 << 53))


def encode_polylines(
    points: npt.NDArray[np.float32],
    offsets: npt.NDArray[np.int64],
    columns: npt.NDArray[np.float32] | None = None,
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """All records of a batch in one byte array, and the record offsets (n + 1).

    `columns` (n, m) are the scalar properties of each streamline, in `properties()` order.
    """
    lengths = np.diff(offsets)
    m = 0 if columns is None else int(columns.shape[1])
    sizes = 4 + 12 * lengths + property_bytes(m)
    rec = np.zeros(len(sizes) + 1, np.int64)
    np.cumsum(sizes, out=rec[1:])
    out = np.zeros(int(rec[-1]), np.uint8)
    header = rec[:-1, None] + np.arange(4)
    out[header] = lengths.astype("<u4").view(np.uint8).reshape(-1, 4)
    # Vertex v of streamline i goes to rec[i] + 4 + 12 * (v - offsets[i]).
    vstart = np.repeat(rec[:-1] + 4 - 12 * offsets[:-1], lengths) + 12 * np.arange(len(points))
    out[vstart[:, None] + np.arange(12)] = points.astype("<f4").view(np.uint8).reshape(-1, 12)
    prop = rec[:-1] + 4 + 12 * lengths
    length_mm = streamline_lengths(points, offsets).astype("<f4")
    out[prop[:, None] + np.arange(4)] = length_mm.view(np.uint8).reshape(-1, 4)
    if columns is not None and m:
        values = np.ascontiguousarray(columns, dtype="<f4").view(np.uint8).reshape(-1, 4 * m)
        out[prop[:, None] + 4 + np.arange(4 * m)] = values
    out[prop[:, None] + 4 + 4 * m + np.arange(3)] = streamline_rgb(points, offsets)
    return out, rec


class AnnotationWriter:
    def __init__(
        self,
        store: Store,
        spool: Path,
        *,
        lower: npt.NDArray[np.float64],
        upper: npt.NDArray[np.float64],
        total: int,
        limit: int = 2000,
        by_id_limit: int = 20000,
        seed: int = 0x5EED,
        scalars: Sequence[Scalar] = (),
    ) -> None:
        self.store = store
        self.spool = spool / "annotations"
        self.spool.mkdir(parents=True, exist_ok=True)
        self.lower = np.asarray(lower, np.float64)
        self.upper = np.asarray(upper, np.float64)
        self.levels = level_grids(self.lower, self.upper, choose_levels(total, limit))
        cells = np.array([int(np.prod(g)) for g, _ in self.levels], np.float64)
        share = np.cumsum(np.minimum(1.0, limit * cells / max(total, 1)))
        share[-1] = 1.0
        self.thresholds = np.minimum(share, 1.0)
        self.write_by_id = total <= by_id_limit
        self.seed = seed
        self.scalars = list(scalars)
        self.counts: dict[tuple[int, int], int] = {}

    def add(self, batch: Batch) -> None:
        offsets = batch.offsets
        columns = streamline_columns(batch, self.scalars) if self.scalars else None
        records, rec = encode_polylines(batch.points, offsets, columns)
        ids = batch.start + np.arange(batch.count, dtype=np.int64)
        if self.write_by_id:
            for i, aid in enumerate(ids.tolist()):
                self.store.put(f"{KEY}/by_id/{aid}", records[rec[i] : rec[i + 1]].tobytes())
        level = np.searchsorted(self.thresholds, uniform_from_ids(ids, self.seed), side="right")
        level = np.minimum(level, len(self.levels) - 1)
        vlevel = np.repeat(level, batch.lengths)
        key = np.empty(len(batch.points), np.int64)
        for n, (grid, chunk) in enumerate(self.levels):
            mask = vlevel == n
            cell = np.floor((batch.points[mask] - self.lower) / chunk).astype(np.int64)
            cell = np.clip(cell, 0, grid - 1)
            flat = cell[:, 0] + grid[0] * (cell[:, 1] + grid[1] * cell[:, 2])
            key[mask] = n * (1 << 40) + flat
        owner = np.repeat(np.arange(batch.count, dtype=np.int64), batch.lengths)
        pairs = np.unique(np.stack([key, owner], axis=1), axis=0)  # sorted by cell, then id
        splits = np.flatnonzero(np.diff(pairs[:, 0])) + 1
        for group in np.split(pairs, splits):
            k = int(group[0, 0])
            members = group[:, 1]
            base = self.spool / str(k)
            view = records.data  # slices are views: no per-byte index, no copy
            with open(f"{base}.rec", "ab") as fh:
                fh.writelines(
                    view[a:z]
                    for a, z in zip(rec[members].tolist(), rec[members + 1].tolist(), strict=True)
                )
            with open(f"{base}.ids", "ab") as fh:
                fh.write(ids[members].astype("<u8").tobytes())
            with open(f"{base}.size", "ab") as fh:
                fh.write((rec[members + 1] - rec[members]).astype("<i8").tobytes())
            cell_key = (k >> 40, k & ((1 << 40) - 1))
            self.counts[cell_key] = self.counts.get(cell_key, 0) + len(members)

    def _assemble(self, k: int, rng: np.random.Generator) -> Path:
        base = self.spool / str(k)
        sizes = np.fromfile(f"{base}.size", dtype="<i8")
        ids = np.fromfile(f"{base}.ids", dtype="<u8")
        starts = np.zeros(len(sizes), np.int64)
        np.cumsum(sizes[:-1], out=starts[1:])
        perm = rng.permutation(len(sizes))
        records = np.memmap(f"{base}.rec", dtype=np.uint8, mode="r")
        fd, name = tempfile.mkstemp(prefix="cell-", dir=self.spool)
        with open(fd, "wb") as out:
            out.write(np.uint64(len(sizes)).astype("<u8").tobytes())
            view = records.data
            for lo in range(0, len(perm), _CHUNK):
                pick = perm[lo : lo + _CHUNK]
                a, z = starts[pick].tolist(), (starts[pick] + sizes[pick]).tolist()
                out.writelines(view[i:j] for i, j in zip(a, z, strict=True))
            view.release()
            out.write(ids[perm].tobytes())
        del records
        for ext in ("rec", "ids", "size"):
            Path(f"{base}.{ext}").unlink()
        return Path(name)

    def finish(self) -> list[tuple[str, bytes]]:
        rng = np.random.default_rng(self.seed)
        limits = [1] * len(self.levels)
        for (n, flat), count in sorted(self.counts.items()):
            grid = self.levels[n][0]
            x, rest = flat % grid[0], flat // grid[0]
            y, z = rest % grid[1], rest // grid[1]
            path = self._assemble(n * (1 << 40) + flat, rng)
            self.store.put_file(f"{KEY}/spatial{n}/{x}_{y}_{z}", path)
            limits[n] = max(limits[n], count)
        info = {
            "@type": "neuroglancer_annotations_v1",
            "dimensions": {"x": [1e-3, "m"], "y": [1e-3, "m"], "z": [1e-3, "m"]},
            "lower_bound": [float(v) for v in self.lower],
            "upper_bound": [float(v) for v in self.upper],
            "annotation_type": "POLYLINE",
            "properties": [p.to_json() for p in properties(self.scalars)],
            "relationships": [],
            "by_id": {"key": "by_id"},
            "spatial": [
                {
                    "key": f"spatial{n}",
                    "grid_shape": [int(g) for g in grid],
                    "chunk_size": [float(c) for c in chunk],
                    "limit": limits[n],
                }
                for n, (grid, chunk) in enumerate(self.levels)
            ],
        }
        return [(f"{KEY}/info", json.dumps(info).encode())]
