"""Neuroglancer precomputed skeletons: one segment per bundle, encoded by `neuroglancer.skeleton`.

Contract:
- Segment ids start at 1 (0 is background). With labels, segment = bundle index + 1 (streamlines
  without a bundle share one last segment); without, segment k holds streamlines
  [(k-1)*group_size, k*group_size) in file order.
- Vertices stay in RAS+ mm; `info.transform` scales mm to the nanometres of Neuroglancer's
  skeleton coordinate space. Each vertex carries `orientation` (float32 x 3, |unit tangent|),
  then one float32 per scalar (`scalars.Scalar`, e.g. FA), in that order (info
  `vertex_attributes`; the precomputed encoding puts attributes after positions and edges).
- Streamlines are spooled to disk per segment and encoded one segment at a time, so memory is
  bounded by one batch plus the largest segment (`group_size` streamlines without labels).
  In group mode a segment is encoded as soon as the stream has passed it.
- `sharded=True`: the encoded skeletons go into `neuroglancer_uint64_sharded_v1` shard files
  (key: segment id, `sharding.ChunkSpool`); otherwise one file per segment.
- `finish()` returns the `info` objects (segment properties first, then the skeleton info).
  Segment properties: `label` (bundle name) and the numbers `streamlines` and `mean_length_mm`,
  which Neuroglancer's segment list shows as columns: every bundle is listed by name and size
  while none is selected.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import neuroglancer
import numpy as np
import numpy.typing as npt
from neuroglancer.skeleton import Skeleton, SkeletonSource, VertexAttributeInfo

from linc_edge_auth.streamlines.geometry import ranges, streamline_lengths, vertex_orientation
from linc_edge_auth.streamlines.reader import Batch
from linc_edge_auth.streamlines.scalars import Scalar, vertex_columns
from linc_edge_auth.streamlines.sharding import ChunkSpool, choose_spec
from linc_edge_auth.streamlines.store import Store

KEY = "skeletons"
MM_TO_NM = 1e6


def skeleton_source(scalars: Sequence[Scalar] = ()) -> SkeletonSource:
    """The `SkeletonSource` whose vertex attributes drive `Skeleton.encode`."""
    dims = neuroglancer.CoordinateSpace(names=["x", "y", "z"], units="m", scales=[1e-3] * 3)
    source = SkeletonSource(dims)
    source.vertex_attributes["orientation"] = VertexAttributeInfo(np.float32, 3)
    for scalar in scalars:
        source.vertex_attributes[scalar.id] = VertexAttributeInfo(np.float32, 1)
    return source


def skeleton_info(scalars: Sequence[Scalar] = ()) -> dict[str, object]:
    s = MM_TO_NM
    attributes = [{"id": "orientation", "data_type": "float32", "num_components": 3}]
    attributes += [{"id": c.id, "data_type": "float32", "num_components": 1} for c in scalars]
    return {
        "@type": "neuroglancer_skeletons",
        "transform": [s, 0, 0, 0, 0, s, 0, 0, 0, 0, s, 0],
        "vertex_attributes": attributes,
        "segment_properties": "segment_properties",
    }


def chain_edges(lengths: npt.NDArray[np.int64]) -> npt.NDArray[np.uint32]:
    """Edges (v, v+1) inside each streamline of a concatenation, none across streamlines."""
    total = int(lengths.sum())
    if total < 2:
        return np.zeros((0, 2), np.uint32)
    ends = np.cumsum(lengths) - 1  # last vertex of each streamline has no outgoing edge
    keep = np.ones(total - 1, dtype=bool)
    keep[ends[ends < total - 1]] = False
    first = np.nonzero(keep)[0].astype(np.uint32)
    return np.stack([first, first + 1], axis=1)


@dataclass
class SegmentStats:
    name: str
    streamlines: int = 0
    length_sum: float = 0.0


class SkeletonWriter:
    def __init__(
        self,
        store: Store,
        spool: Path,
        *,
        group_size: int,
        label_names: dict[int, str] | None = None,
        scalars: Sequence[Scalar] = (),
        sharded: bool = False,
    ) -> None:
        self.store = store
        self.spool = spool / "skeletons"
        self.spool.mkdir(parents=True, exist_ok=True)
        self.group_size = group_size
        self.label_names = label_names
        self.stats: dict[int, SegmentStats] = {}
        self.scalars = list(scalars)
        self.source = skeleton_source(self.scalars)
        self._open: set[int] = set()
        self.chunks = ChunkSpool(self.spool / "chunks") if sharded else None

    def _segment_ids(self, batch: Batch) -> npt.NDArray[np.int64]:
        if batch.labels is not None:
            # -1 (no bundle) goes to a segment after every named one; resolved in finish().
            return np.where(batch.labels >= 0, batch.labels + 1, 0).astype(np.int64)
        return batch.ids // self.group_size + 1

    def add(self, batch: Batch) -> None:
        offsets = batch.offsets
        colours = vertex_orientation(batch.points, offsets)
        columns = vertex_columns(batch, self.scalars) if self.scalars else None
        lengths_mm = streamline_lengths(batch.points, offsets)
        seg = self._segment_ids(batch)
        order = np.argsort(seg, kind="stable")
        bounds = np.flatnonzero(np.diff(seg[order])) + 1
        for group in np.split(order, bounds):
            sid = int(seg[group[0]])
            lo, hi = offsets[group], offsets[group + 1]
            idx = ranges(lo, hi)
            base = self.spool / str(sid)
            with open(f"{base}.pos", "ab") as fh:
                fh.write(batch.points[idx].tobytes())
            with open(f"{base}.rgb", "ab") as fh:
                fh.write(colours[idx].tobytes())
            with open(f"{base}.len", "ab") as fh:
                fh.write((hi - lo).astype(np.int64).tobytes())
            if columns is not None:
                with open(f"{base}.val", "ab") as fh:
                    fh.write(columns[idx].tobytes())
            st = self.stats.setdefault(sid, SegmentStats(self._name(sid)))
            st.streamlines += len(group)
            st.length_sum += float(lengths_mm[group].sum())
            self._open.add(sid)
        if batch.labels is None:
            current = int(seg[-1])
            for sid in sorted(s for s in self._open if s < current):
                self._emit(sid)

    def _name(self, sid: int) -> str:
        if self.label_names is not None:
            return self.label_names.get(sid - 1, "no bundle") if sid > 0 else "no bundle"
        first = (sid - 1) * self.group_size
        return f"streamlines {first}-{first + self.group_size - 1}"

    def _emit(self, sid: int, out_id: int | None = None) -> None:
        base = self.spool / str(sid)
        positions = np.fromfile(f"{base}.pos", dtype=np.float32).reshape(-1, 3)
        colours = np.fromfile(f"{base}.rgb", dtype=np.float32).reshape(-1, 3)
        lengths = np.fromfile(f"{base}.len", dtype=np.int64)
        attributes = {"orientation": colours}
        if self.scalars:
            values = np.fromfile(f"{base}.val", dtype=np.float32).reshape(-1, len(self.scalars))
            attributes.update({c.id: values[:, i] for i, c in enumerate(self.scalars)})
            Path(f"{base}.val").unlink()
        skeleton = Skeleton(positions, chain_edges(lengths), attributes)
        encoded = skeleton.encode(self.source)
        if self.chunks is not None:
            self.chunks.add(out_id or sid, encoded)
        else:
            self.store.put(f"{KEY}/{out_id or sid}", encoded)
        for ext in ("pos", "rgb", "len"):
            Path(f"{base}.{ext}").unlink()
        self._open.discard(sid)

    def finish(self) -> list[tuple[str, bytes]]:
        if 0 in self.stats:  # streamlines without a bundle: the id after the last bundle
            last = max(self.stats) + 1
            self.stats[last] = self.stats.pop(0)
            self._emit(0, out_id=last)
        for sid in sorted(self._open):
            self._emit(sid)
        info = skeleton_info(self.scalars)
        if self.chunks is not None:
            keys, _, _ = self.chunks.table()
            spec = choose_spec(int(keys.max()), len(keys), self.chunks.bytes)
            self.chunks.publish(self.store, KEY, spec)
            info["sharding"] = spec.to_json()
        ids = sorted(self.stats)
        counts = [self.stats[i].streamlines for i in ids]
        means = [
            round(self.stats[i].length_sum / max(1, self.stats[i].streamlines), 3) for i in ids
        ]
        props = {
            "@type": "neuroglancer_segment_properties",
            "inline": {
                "ids": [str(i) for i in ids],
                "properties": [
                    {"id": "label", "type": "label", "values": [self.stats[i].name for i in ids]},
                    {
                        "id": "streamlines",
                        "type": "number",
                        "data_type": "uint32",
                        "values": counts,
                    },
                    {
                        "id": "mean_length_mm",
                        "type": "number",
                        "data_type": "float32",
                        "values": means,
                    },
                ],
            },
        }
        return [
            (f"{KEY}/segment_properties/info", json.dumps(props).encode()),
            (f"{KEY}/info", json.dumps(info).encode()),
        ]
