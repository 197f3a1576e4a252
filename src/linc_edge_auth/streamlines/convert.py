"""The conversion pipeline: tractogram -> skeletons and/or annotations in a `Store`.

Contract: `convert(options, store)` streams the tractogram batch by batch into the writers,
checks each batch against the volume box when one is given (a streamline leaving the volume is
a `UserError`: wrong volume or wrong header), and publishes the `info` objects only after every
data object is written. Any failure calls `store.abort()` and re-raises; nothing is published.
When the annotation index needs bounds or a count the header does not give, one extra read
pass (no writes) computes them. Every scalar of the tractogram (`scalars.plan_scalars`) goes
into both writers; `Result` names them, their value ranges (for a colour map) and the bundle
label of each skeleton segment.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np
import numpy.typing as npt

from linc_edge_auth.errors import UserError
from linc_edge_auth.streamlines.annotations import AnnotationWriter
from linc_edge_auth.streamlines.reader import Tractogram, open_tractogram
from linc_edge_auth.streamlines.scalars import (
    Scalar,
    ScalarRanges,
    find_scalar,
    plan_scalars,
    update_ranges,
)
from linc_edge_auth.streamlines.skeletons import SkeletonWriter
from linc_edge_auth.streamlines.store import Store
from linc_edge_auth.streamlines.volume import VolumeBox

OUTPUTS = ("skeletons", "annotations")
SHARD_ABOVE = 10_000  # up to this many streamlines, one file per object is simpler to inspect


@dataclass
class Options:
    input: Path
    outputs: tuple[str, ...] = OUTPUTS
    volume: VolumeBox | None = None
    batch_size: int = 5000
    group_size: int = 1000
    bundle_key: str | None = None
    color_by: str | None = None  # checked before any write: a scalar of the tractogram
    annotation_limit: int = 2000
    sharded: bool | None = None  # None: sharded above SHARD_ABOVE streamlines (or unknown count)
    tolerance_mm: float = 1.0
    progress: TextIO | None = None


@dataclass
class Result:
    streamlines: int = 0
    points: int = 0
    skipped: int = 0  # 1-point streamlines: no line to draw (Neuroglancer's writer refuses them)
    sharded: bool = False
    segments: list[int] = field(default_factory=list)
    segment_names: dict[int, str] = field(default_factory=dict)
    scalars: list[Scalar] = field(default_factory=list)
    ranges: ScalarRanges = field(default_factory=ScalarRanges)
    objects: int = 0
    seconds: float = 0.0


class Progress:
    """One self-overwriting line on a terminal; silent when `stream` is None."""

    def __init__(self, stream: TextIO | None, total: int | None) -> None:
        self.stream, self.total, self.last = stream, total, 0.0

    def update(self, done: int, store: Store, final: bool = False) -> None:
        now = time.monotonic()
        if self.stream is None or (now - self.last < 0.2 and not final):
            return
        self.last = now
        of = f" / {self.total:,}" if self.total else ""
        end = "\n" if final else ""
        self.stream.write(f"\rstreamlines {done:,}{of}  objects written {store.writes:,}{end}")
        self.stream.flush()


def _scan(
    tract: Tractogram, batch_size: int
) -> tuple[int, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    count, lo, hi = 0, np.full(3, np.inf), np.full(3, -np.inf)
    for batch in tract.batches(batch_size):
        count += batch.count
        if len(batch.points):
            lo = np.minimum(lo, batch.points.min(axis=0))
            hi = np.maximum(hi, batch.points.max(axis=0))
    return count, lo, hi


def _index_box(
    opts: Options, tract: Tractogram
) -> tuple[int | None, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(count, lower, upper) of the annotation grid: from the volume or the file's header when
    they give it (no extra read; the tolerance as margin), else from one counting pass (exact).
    A vertex outside the box still lands in the nearest border cell."""
    total = tract.declared_count
    box = opts.volume.world_bounds() if opts.volume is not None else tract.reference_box
    margin = opts.tolerance_mm
    if total is None or box is None:
        total, lo, hi = _scan(tract, opts.batch_size)
        box, margin = ((lo, hi), 0.0) if box is None else (box, margin)
    lower = np.asarray(box[0], np.float64) - margin
    upper = np.asarray(box[1], np.float64) + margin + 1e-3
    return total, lower, upper


def _check_inside(
    opts: Options, start: int, points: npt.NDArray[np.float32], lengths: npt.NDArray[np.int64]
) -> None:
    assert opts.volume is not None
    outside = opts.volume.outside(points, opts.tolerance_mm)
    if outside.any():
        first = int(np.argmax(outside))
        which = start + int(np.searchsorted(np.cumsum(lengths), first, side="right"))
        x, y, z = (float(v) for v in points[first])
        raise UserError(
            f"{opts.input}: streamline {which} leaves the volume at ({x:.1f}, {y:.1f}, {z:.1f}) mm;"
            " is --volume the image it was tracked on?"
        )


def convert(opts: Options, store: Store) -> Result:
    started = time.monotonic()
    unknown = set(opts.outputs) - set(OUTPUTS)
    if unknown or not opts.outputs:
        raise UserError(f"--outputs: expected some of {', '.join(OUTPUTS)}")
    if opts.group_size < 1:
        raise UserError(f"--group-size {opts.group_size}: expected a positive number")
    tract = open_tractogram(opts.input, opts.bundle_key)
    result = Result(scalars=plan_scalars(tract.per_point, tract.per_streamline))
    try:
        if opts.color_by:
            find_scalar(result.scalars, opts.color_by)
        with tempfile.TemporaryDirectory(
            prefix=".linc-streamlines-", dir=store.scratch
        ) as spool_dir:
            spool = Path(spool_dir)
            writers: list[SkeletonWriter | AnnotationWriter] = []
            total = tract.declared_count
            lower = upper = None
            if "annotations" in opts.outputs:
                total, lower, upper = _index_box(opts, tract)
            sharded = opts.sharded
            if sharded is None:
                sharded = total is None or total > SHARD_ABOVE
            result.sharded = sharded
            if "skeletons" in opts.outputs:
                labels = tract.label_names if opts.bundle_key else None
                writers.append(
                    SkeletonWriter(store, spool, group_size=opts.group_size, label_names=labels,
                                   sharded=sharded, scalars=result.scalars)
                )  # fmt: skip
            if lower is not None and upper is not None and total:
                writers.append(
                    AnnotationWriter(
                        store, spool, lower=lower, upper=upper, total=total,
                        limit=opts.annotation_limit, sharded=sharded, scalars=result.scalars,
                    )
                )  # fmt: skip
            progress = Progress(opts.progress, total)
            for batch in tract.batches(opts.batch_size):
                if opts.volume is not None:
                    _check_inside(opts, batch.start, batch.points, batch.lengths)
                kept = batch.without_short()
                result.skipped += batch.count - kept.count
                for writer in writers:
                    if kept.count:
                        writer.add(kept)
                if kept.count:
                    update_ranges(result.ranges, kept, result.scalars)
                result.streamlines += kept.count
                result.points += len(kept.points)
                progress.update(result.streamlines, store)
            if result.streamlines == 0:
                what = "streamlines" if not result.skipped else "streamlines of 2 or more points"
                raise UserError(f"{opts.input}: the tractogram has no {what}")
            infos: list[tuple[str, bytes]] = []
            for writer in writers:
                infos.extend(writer.finish())
                if isinstance(writer, SkeletonWriter):
                    result.segments = sorted(writer.stats)
                    result.segment_names = {i: st.name for i, st in writer.stats.items()}
            store.publish(infos)
            progress.update(result.streamlines, store, final=True)
    except BaseException:
        store.abort()
        raise
    result.objects = store.writes
    result.seconds = time.monotonic() - started
    return result


def progress_stream(flag: bool) -> TextIO | None:
    """stderr when asked for, or when stderr is a terminal."""
    return sys.stderr if flag or sys.stderr.isatty() else None
