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
- Spatial index: `spatial_index.SpatialIndex` (levels assigned as `annotations.md` describes,
  no cell above `limit` except possibly on the finest grid, no empty level declared). A
  streamline is written to every cell of its level that one of its vertices falls in; `limit` in
  the info is the largest cell count actually written for that level; cell lists are shuffled
  (by a hash of id and cell, so both layouts hold the same bytes).
- Records are spooled once, in id order (`sharding.ChunkSpool`); the `by_id` index is written
  for every streamline, and the cells are assembled from that spool one at a time, their
  records copied as encoded (never re-encoded): by the kernel (`sharding.Ranges`), or, when
  the spool is at most `RECORDS_IN_MEMORY` bytes, gathered from it read once into memory.
- `sharded=True`: `by_id` and every spatial level are `neuroglancer_uint64_sharded_v1` (keys:
  the annotation id; the compressed Morton code of the cell). Otherwise one file per key.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import neuroglancer
import numpy as np
import numpy.typing as npt

from linc_edge_auth.streamlines.geometry import ranges, streamline_lengths, streamline_rgb
from linc_edge_auth.streamlines.reader import Batch
from linc_edge_auth.streamlines.scalars import Scalar, streamline_columns
from linc_edge_auth.streamlines.sharding import (
    ChunkSpool,
    Ranges,
    ShardSpec,
    ShardStream,
    choose_spec,
    compressed_morton_code,
)
from linc_edge_auth.streamlines.spatial_index import SpatialIndex, uniform_from_ids
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


I64 = npt.NDArray[np.int64]
PROPERTY_BYTES = 8  # float32 + rgb + 1 padding byte
RECORDS_IN_MEMORY = 96 << 20  # a by_id spool up to this size is read whole to assemble cells


def property_bytes(
    points: npt.NDArray[np.float32],
    offsets: npt.NDArray[np.int64],
    columns: npt.NDArray[np.float32] | None = None,
) -> npt.NDArray[np.uint8]:
    """(n, PROPERTY_BYTES + 4 m): each streamline's encoded properties, padding included.

    `columns` (n, m) are its scalar properties, in `properties()` order."""
    m = 0 if columns is None else int(columns.shape[1])
    props = np.zeros((len(offsets) - 1, PROPERTY_BYTES + 4 * m), np.uint8)
    props[:, :4] = streamline_lengths(points, offsets).astype("<f4").view(np.uint8).reshape(-1, 4)
    if columns is not None and m:
        props[:, 4 : 4 + 4 * m] = np.ascontiguousarray(columns, "<f4").view(np.uint8)
    props[:, 4 + 4 * m : 7 + 4 * m] = streamline_rgb(points, offsets)
    return props


def encode_polylines(
    points: npt.NDArray[np.float32],
    offsets: npt.NDArray[np.int64],
    columns: npt.NDArray[np.float32] | None = None,
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """All records of a batch in one byte array, and the record offsets (n + 1).

    `columns` (n, m): the scalar properties of each streamline (`property_bytes`).

    Every field is a multiple of 4 bytes, so the records are assembled as uint32 words: the
    vertex words are the ones no header or property word claims (a boolean mask, filled in one
    sequential copy), which costs far less than scattering every byte by index."""
    lengths = np.diff(offsets)
    props = property_bytes(points, offsets, columns)
    prop_words = props.shape[1] // 4
    words = 1 + 3 * lengths + prop_words
    rec = np.zeros(len(words) + 1, np.int64)
    np.cumsum(words, out=rec[1:])
    out = np.empty(int(rec[-1]), "<u4")
    is_vertex = np.ones(len(out), bool)
    is_vertex[rec[:-1]] = False
    prop_at = (rec[1:, None] - prop_words + np.arange(prop_words)).ravel()
    is_vertex[prop_at] = False
    out[rec[:-1]] = lengths.astype("<u4")
    out[prop_at] = props.view("<u4").ravel()
    out[is_vertex] = np.ascontiguousarray(points, "<f4").view("<u4").ravel()
    return out.view(np.uint8), rec * 4


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
        sharded: bool = False,
        seed: int = 0x5EED,
        scalars: Sequence[Scalar] = (),
    ) -> None:
        self.store = store
        self.lower = np.asarray(lower, np.float64)
        self.upper = np.asarray(upper, np.float64)
        self.sharded = sharded
        self.seed = seed
        self.scalars = list(scalars)
        self.spool = spool / "annotations"
        self.records = ChunkSpool(self.spool / "by_id")
        self.index = SpatialIndex(self.spool, self.lower, self.upper, total=total, limit=limit,
                                  seed=seed)  # fmt: skip

    def add(self, batch: Batch) -> None:
        columns = streamline_columns(batch, self.scalars) if self.scalars else None
        records, rec = encode_polylines(batch.points, batch.offsets, columns)
        self.records.add_many(batch.ids, records, rec)
        self.index.add(batch.points, batch.lengths, batch.ids)

    def finish(self) -> list[tuple[str, bytes]]:
        keys, starts, sizes = self.records.table()
        source = os.open(self.records.data, os.O_RDONLY)
        # Small records (short streamlines): one system call per copied record would dominate,
        # so a spool that fits RECORDS_IN_MEMORY is read once and cells gathered from it.
        # Ids spooled in increasing order: 0..n-1 (no streamline dropped) means row == id.
        dense = len(keys) > 0 and int(keys[0]) == 0 and int(keys[-1]) == len(keys) - 1
        words = None
        if self.records.bytes <= RECORDS_IN_MEMORY:
            words = np.fromfile(self.records.data, dtype="<u4")
        mean_record = self.records.bytes / max(1, len(keys))
        spatial: list[dict[str, object]] = []
        outs: dict[int, ChunkSpool | ShardStream] = {}

        def order(n: int, grid: npt.NDArray[np.int64], counts: npt.NDArray[np.int64]) -> I64:
            """Open level n's output; the sharded one wants its cells in shard order."""
            entry: dict[str, object] = {
                "key": f"spatial{len(spatial)}",
                "grid_shape": [int(g) for g in grid],
                "chunk_size": [float(c) for c in (self.upper - self.lower) / grid],
                "limit": int(counts.max()),
            }
            spatial.append(entry)
            folder = self.spool / f"spatial{n}"
            if not self.sharded:
                outs[n] = ChunkSpool(folder)
                return np.arange(len(counts))
            xyz = np.stack(np.unravel_index(np.arange(len(counts)), grid, order="F"), axis=1)
            morton = compressed_morton_code(xyz, grid)
            used = counts > 0
            estimate = int(counts.sum() * mean_record + 16 * used.sum())
            spec = choose_spec(int(morton[used].max()), int(used.sum()), estimate)
            entry["sharding"] = spec.to_json()
            outs[n] = stream = ShardStream(folder, spec)
            return stream.order(morton)

        for n, grid, cells in self.index.levels(order):
            out = outs[n]
            for xyz, ids in cells:
                # Shuffled by a hash of (id, cell): the same order whichever layout is written.
                flat = int(xyz[0] + grid[0] * (xyz[1] + grid[1] * xyz[2]))
                ids = ids[np.argsort(uniform_from_ids(ids, self.seed ^ (n << 40) ^ flat))]
                rows = ids if dense else np.searchsorted(keys, ids.astype(np.uint64))
                out.add_parts(
                    self._cell_key(xyz, grid),
                    [
                        np.uint64(len(ids)).astype("<u8").tobytes(),
                        _records(words, source, starts[rows], sizes[rows]),
                        ids.astype("<u8").tobytes(),
                    ],
                    8 + 8 * len(ids) + int(sizes[rows].sum()),
                )
        os.close(source)
        for (n, out), entry in zip(outs.items(), spatial, strict=True):
            prefix = f"{KEY}/{entry['key']}"
            if isinstance(out, ShardStream):
                out.publish(self.store, prefix)
            else:
                out.publish(self.store, prefix, None, _cell_name(self.index.grids[n][0]))
        by_id: dict[str, object] = {"key": "by_id"}
        spec = self._spec(self.records) if self.sharded else None
        self.records.publish(self.store, f"{KEY}/by_id", spec, str)
        if spec is not None:
            by_id["sharding"] = spec.to_json()
        info = {
            "@type": "neuroglancer_annotations_v1",
            "dimensions": {"x": [1e-3, "m"], "y": [1e-3, "m"], "z": [1e-3, "m"]},
            "lower_bound": [float(v) for v in self.lower],
            "upper_bound": [float(v) for v in self.upper],
            "annotation_type": "POLYLINE",
            "properties": [p.to_json() for p in properties(self.scalars)],
            "relationships": [],
            "by_id": by_id,
            "spatial": spatial,
        }
        return [(f"{KEY}/info", json.dumps(info).encode())]

    def _cell_key(self, xyz: npt.NDArray[np.int64], grid: npt.NDArray[np.int64]) -> int:
        if self.sharded:
            return int(compressed_morton_code(xyz[None, :], grid)[0])
        return int(xyz[0] + grid[0] * (xyz[1] + grid[1] * xyz[2]))

    @staticmethod
    def _spec(spool: ChunkSpool) -> ShardSpec:
        keys, _, _ = spool.table()
        return choose_spec(int(keys.max()) if len(keys) else 0, len(keys), spool.bytes)


def _records(
    words: npt.NDArray[np.uint32] | None, source: int, starts: I64, sizes: I64
) -> bytes | Ranges:
    """The records at (starts, sizes) of the spool: gathered from its words when it is in
    memory (every record is whole 4-byte words), else ranges the kernel copies."""
    if words is None:
        return Ranges(source, starts, sizes)
    return words[ranges(starts // 4, (starts + sizes) // 4)].tobytes()


def _cell_name(grid: npt.NDArray[np.int64]) -> Callable[[int], str]:
    """Unsharded cell file name `x_y_z` from the flat key used when not sharded."""
    gx, gy = int(grid[0]), int(grid[1])
    return lambda flat: f"{flat % gx}_{(flat // gx) % gy}_{flat // (gx * gy)}"
