"""A straightforward per-streamline converter: the comparison point of `streamlines_bench`.

Modelled on how tractograms are commonly turned into Neuroglancer layers today (and on
Neuroglancer's own `write_annotations`): load the whole file with nibabel, write one skeleton
file per streamline (segment id = index + 1), and for the annotations keep every record in
memory, write one `by_id` file per streamline and a single spatial cell holding all of them.
Written here from the format specs; no third-party converter code.

Usage: python -m benchmarks.streamlines_reference INPUT DEST  (prints a JSON line)
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.streamlines_measure import peak_rss_kb


def convert(src: Path, dest: Path) -> int:
    nibs: Any = importlib.import_module("nibabel.streamlines")
    streamlines = nibs.load(str(src)).streamlines  # the whole file in memory
    skel = dest / "skeletons"
    ann = dest / "annotations"
    (skel).mkdir(parents=True)
    (ann / "by_id").mkdir(parents=True)
    (ann / "spatial0").mkdir()
    records: list[bytes] = []
    lo, hi = np.full(3, np.inf), np.full(3, -np.inf)
    for i, pts in enumerate(streamlines):
        pts = np.asarray(pts, "<f4")
        n = len(pts)
        edges = np.stack([np.arange(n - 1), np.arange(1, n)], axis=1).astype("<u4")
        header = np.array([n, n - 1], "<u4").tobytes()
        (skel / str(i + 1)).write_bytes(header + pts.tobytes() + edges.tobytes())
        length = np.linalg.norm(np.diff(pts, axis=0), axis=1).sum(dtype=np.float32)
        record = np.uint32(n).tobytes() + pts.tobytes() + np.float32(length).tobytes() + bytes(4)
        (ann / "by_id" / str(i)).write_bytes(record)
        records.append(record)
        lo, hi = np.minimum(lo, pts.min(axis=0)), np.maximum(hi, pts.max(axis=0))
    count = len(records)
    ids = np.arange(count, dtype="<u8").tobytes()
    (ann / "spatial0" / "0_0_0").write_bytes(np.uint64(count).tobytes() + b"".join(records) + ids)
    (skel / "info").write_text(json.dumps({"@type": "neuroglancer_skeletons"}))
    info = {
        "@type": "neuroglancer_annotations_v1",
        "annotation_type": "POLYLINE",
        "lower_bound": lo.tolist(),
        "upper_bound": (hi + 1e-3).tolist(),
        "by_id": {"key": "by_id"},
        "spatial": [{"key": "spatial0", "grid_shape": [1, 1, 1],
                     "chunk_size": (hi + 1e-3 - lo).tolist(), "limit": count}],
    }  # fmt: skip
    (ann / "info").write_text(json.dumps(info))
    return count


if __name__ == "__main__":
    started = time.perf_counter()
    n = convert(Path(sys.argv[1]), Path(sys.argv[2]))
    print(json.dumps({"s": time.perf_counter() - started, "n": n, "rss": peak_rss_kb()}))
