"""The multi-level spatial index of the annotation layer, built as `annotations.md` describes.

Contract:
- Grids: level 0 is one cell over [lower, upper); each next level halves the longer cell sides
  (`level_grids`), so every chunk_size divides the previous one. The finest grid is chosen up
  front (`choose_levels(total, limit) + SPARE_LEVELS` levels, at most `MAX_LEVELS`), made
  shallower on the first batch while a mean-length streamline would cross more than
  `MAX_DUPLICATION` finest cells (each crossing stores the record again); fewer may be declared.
- During the stream, `add(points, lengths, ids)` records each (finest cell, streamline id) pair
  once (a streamline is in every cell one of its vertices falls in), as int64 pairs appended to
  one spool file: 16 bytes per pair on disk, nothing per pair in memory.
- `levels()` then assigns levels coarse to fine. Every streamline has a reproducible u in [0, 1)
  (splitmix64 of its id). Level n takes the ids with u in [t(n-1), t(n)), where t(n) is chosen
  from the densest cell of the streamlines still remaining (the spec's `limit / maxCount`) and
  shrunk until no cell of level n holds more than `limit`. The finest grid takes what is left
  (its declared limit is then its real maximum). A level that would hold nothing is not
  declared; the levels stop once nothing remains.
- Memory: the counting passes hold one batch of pairs at a time plus one int64 per cell; the
  assembly of a level groups at most `PAIRS_IN_MEMORY` pairs at a time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

from linc_edge_auth.streamlines.geometry import streamline_lengths

MAX_LEVELS = 7
# Levels beyond what uniform data would need: tractograms are dense along bundles, and the
# finest grid is the only one that cannot push its excess further down.
SPARE_LEVELS = 2
MAX_DUPLICATION = 8.0  # mean streamline length / finest cell side, at most
PAIRS_IN_MEMORY = 4_000_000
I64 = npt.NDArray[np.int64]


def level_grids(
    lower: npt.NDArray[np.float64], upper: npt.NDArray[np.float64], levels: int
) -> list[tuple[I64, npt.NDArray[np.float64]]]:
    """[(grid_shape, chunk_size)] per level; each chunk_size divides the previous one."""
    size = np.maximum(upper - lower, 1e-3)
    grid = np.ones(3, np.int64)
    out = []
    for _ in range(levels):
        out.append((grid.copy(), size / grid))
        chunk = size / grid
        grid = np.where(chunk >= chunk.max() / math.sqrt(2), grid * 2, grid)
    return out


def choose_levels(total: int, limit: int, max_levels: int = MAX_LEVELS) -> int:
    """Enough levels that the finest one holds about `limit` annotations per cell if uniform."""
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


class SpatialIndex:
    def __init__(
        self,
        spool: Path,
        lower: npt.NDArray[np.float64],
        upper: npt.NDArray[np.float64],
        *,
        total: int,
        limit: int,
        seed: int,
    ) -> None:
        self.lower, self.upper = lower, upper
        self.limit, self.seed = max(1, limit), seed
        self.depth = min(MAX_LEVELS, choose_levels(total, limit) + SPARE_LEVELS)
        self.path = spool / "members.bin"
        self._fh = open(self.path, "wb")  # noqa: SIM115 - closed in levels()
        self._batches: list[int] = []  # pairs per batch, in file order
        self.max_id = -1
        self.grids: list[tuple[I64, npt.NDArray[np.float64]]] = []
        self._coarse: list[I64] = []

    def _set_grids(self, mean_length: float) -> None:
        """Grids down to `depth`, or shallower where a streamline of the first batch's mean
        length would cross more than MAX_DUPLICATION finest cells: every crossed cell stores the
        whole record again, so finer grids multiply the output (and the time to write it)."""
        grids = level_grids(self.lower, self.upper, self.depth)
        while len(grids) > 1 and mean_length / float(np.mean(grids[-1][1])) > MAX_DUPLICATION:
            grids.pop()
        self.grids = grids
        self.finest, self.chunk = self.grids[-1]
        # Level-n flat cell of every finest flat cell (grids nest: integer ratios per axis).
        xyz = np.stack(np.unravel_index(np.arange(int(np.prod(self.finest))), self.finest,
                                        order="F"), axis=1)  # fmt: skip
        for grid, _ in self.grids:
            c = xyz // (self.finest // grid)
            self._coarse.append(c[:, 0] + grid[0] * (c[:, 1] + grid[1] * c[:, 2]))

    def add(self, points: npt.NDArray[np.float32], lengths: I64, ids: I64) -> None:
        if not self.grids:
            offsets = np.concatenate([[0], np.cumsum(lengths)])
            self._set_grids(float(np.mean(streamline_lengths(points, offsets))))
        cell = ((points - self.lower) / self.chunk).astype(np.int64)  # >= 0 inside the box
        np.clip(cell, 0, self.finest - 1, out=cell)
        flat = cell[:, 0] + self.finest[0] * (cell[:, 1] + self.finest[1] * cell[:, 2])
        owner = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
        # One int64 key per (cell, streamline): a 1-D sort, not np.unique(axis=0) on rows. Runs
        # of vertices in one cell collapse first, so the sort sees cell crossings, not vertices.
        key = flat * len(lengths) + owner
        if len(key) > 1:
            key = key[np.concatenate([[True], key[1:] != key[:-1]])]
        key = np.unique(key)
        pairs = np.stack([key // len(lengths), ids[key % len(lengths)]], axis=1)
        self._fh.write(pairs.astype("<i8").tobytes())
        self._batches.append(len(pairs))
        if len(ids):
            self.max_id = max(self.max_id, int(ids.max()))

    def _pairs(self) -> Iterator[tuple[I64, I64, npt.NDArray[np.float64]]]:
        """(finest flat, id, u) per batch; within a batch each (cell, id) occurs once."""
        with open(self.path, "rb") as fh:  # read, not mapped: mapped pages count as memory
            for n in self._batches:
                chunk = np.fromfile(fh, dtype="<i8", count=2 * n).reshape(-1, 2)
                yield chunk[:, 0], chunk[:, 1], uniform_from_ids(chunk[:, 1], self.seed)

    def _in_band(self, n: int, lo: float, hi: float) -> Iterator[tuple[I64, I64]]:
        """(level-n flat cell, id) pairs of the band, each once."""
        for flat, ids, u in self._pairs():
            keep = (u >= lo) & (u < hi)
            coarse = self._coarse[n][flat[keep]]
            key = np.unique(coarse * (self.max_id + 1) + ids[keep])
            yield key // (self.max_id + 1), key % (self.max_id + 1)

    def _counts(self, n: int, lo: float, hi: float) -> I64:
        cells = int(np.prod(self.grids[n][0]))
        counts = np.zeros(cells, np.int64)
        for cell, _ in self._in_band(n, lo, hi):
            counts += np.bincount(cell, minlength=cells)
        return counts

    def _band(self, n: int, lo: float) -> tuple[float, I64]:
        """Upper end of level n's band and the per-cell counts it gives."""
        rest = self._counts(n, lo, 1.0)
        if n == len(self.grids) - 1 or rest.max() <= self.limit:
            return 1.0, rest
        hi = lo + (1.0 - lo) * self.limit / float(rest.max())
        while True:
            counts = self._counts(n, lo, hi)
            if counts.max() <= self.limit:
                return hi, counts
            hi = lo + (hi - lo) * 0.97 * self.limit / float(counts.max())

    def levels(
        self, order: Callable[[int, I64, I64], I64] | None = None
    ) -> Iterator[tuple[int, I64, list[tuple[I64, I64]]]]:
        """(level, grid, [(cell xyz, ids)]) groups, coarse to fine; empty levels skipped.

        A level may come as several groups (each of at most PAIRS_IN_MEMORY pairs). Within a
        level, cells come in flat (x fastest) order, or by `order(level, grid, counts)`: a rank
        per flat cell (how the sharded layout wants them)."""
        self._fh.close()
        lo = 0.0
        for n, (grid, _) in enumerate(self.grids):
            hi, counts = self._band(n, lo)
            if counts.sum() > 0:
                rank = order(n, grid, counts) if order else np.arange(len(counts))
                yield from self._groups(n, grid, lo, hi, counts, rank)
            lo = hi
            if lo >= 1.0:
                break

    def _groups(
        self, n: int, grid: I64, lo: float, hi: float, counts: I64, rank: I64
    ) -> Iterator[tuple[int, I64, list[tuple[I64, I64]]]]:
        span = self.max_id + 1
        flat_at = np.empty(len(rank), np.int64)
        flat_at[rank] = np.arange(len(rank))
        ranked = counts[flat_at]  # counts in output order
        running = np.cumsum(ranked)
        start, last = 0, int(np.flatnonzero(ranked)[-1]) + 1
        while start < last:
            room = running[start] - ranked[start] + PAIRS_IN_MEMORY
            stop = max(int(np.searchsorted(running, room, side="right")), start + 1)
            keys = []
            for c, i in self._in_band(n, lo, hi):
                r = rank[c]
                mine = (r >= start) & (r < stop)
                keys.append(r[mine] * span + i[mine])
            merged = np.sort(np.concatenate(keys)) if keys else np.zeros(0, np.int64)
            r, ids = merged // span, merged % span
            bounds = np.flatnonzero(np.diff(r)) + 1
            out = []
            for rows in np.split(np.arange(len(r)), bounds) if len(r) else []:
                flat = int(flat_at[r[rows[0]]])
                xyz = np.array(np.unravel_index(flat, grid, order="F"), np.int64)
                out.append((xyz, ids[rows]))
            yield n, grid, out
            start = stop
