"""Chunk parts given as `Ranges` of a spool file: the same bytes by kernel copy or by reads."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from linc_edge_auth.streamlines import annotations, convert, sharding, store
from linc_edge_auth.streamlines.sharding import ChunkSpool, Ranges, ShardSpec, ShardStream

from .helpers import to_world, write_trk


@pytest.mark.parametrize("kernel", [True, False])
def test_ranges_parts_copy_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel: bool
) -> None:
    monkeypatch.setattr(sharding, "_kernel_copy", kernel and hasattr(os, "copy_file_range"))
    source = tmp_path / "src.bin"
    data = np.random.default_rng(3).integers(0, 256, 100_000, dtype=np.uint8).tobytes()
    source.write_bytes(data)
    starts = np.array([90_000, 5, 40_000, 5, 0], np.int64)  # out of order, repeated, adjacent
    sizes = np.array([10_000, 30_000, 7, 30_000, 5], np.int64)
    want = b"head" + b"".join(data[a : a + n] for a, n in zip(starts, sizes, strict=True)) + b"tail"
    fd = os.open(source, os.O_RDONLY)
    try:
        spool = ChunkSpool(tmp_path / "spool")
        stream = ShardStream(tmp_path / "stream", ShardSpec(minishard_bits=0, shard_bits=0))
        for out in (spool, stream):
            for key in (1, 2):  # a second chunk: positions stay right after a kernel copy
                out.add_parts(key, [b"head", Ranges(fd, starts, sizes), b"tail"], len(want))
    finally:
        os.close(fd)
    _, at, size = spool.table()
    blob = spool.data.read_bytes()
    assert [blob[a : a + n] for a, n in zip(at, size, strict=True)] == [want, want]
    stream._close()
    shard = stream.done[0][1].read_bytes()
    assert shard[16 : 16 + 2 * len(want)] == want + want  # after the 16-byte shard index
    assert sharding._kernel_copy == (kernel and hasattr(os, "copy_file_range"))


@pytest.mark.parametrize("sharded", [True, False])
def test_cells_gathered_in_memory_equal_kernel_copied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sharded: bool
) -> None:
    rng = np.random.default_rng(5)
    lines = [
        to_world(rng.uniform([2, 2, 2], [27, 37, 17], (int(rng.integers(2, 12)), 3)))
        for _ in range(3000)
    ]
    src = write_trk(tmp_path / "t.trk", lines, labels=[i % 4 for i in range(3000)])
    trees = []
    for cap in (annotations.RECORDS_IN_MEMORY, 0):  # spool gathered in memory, then not
        monkeypatch.setattr(annotations, "RECORDS_IN_MEMORY", cap)
        out = tmp_path / f"out{cap}"
        opts = convert.Options(input=src, outputs=("annotations",), sharded=sharded,
                               annotation_limit=200)  # fmt: skip
        convert.convert(opts, store.LocalStore(out))
        trees.append({p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()})
    assert len(trees[0]) > 3 and trees[0] == trees[1]
