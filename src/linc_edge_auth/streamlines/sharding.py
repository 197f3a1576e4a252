"""Where chunk bytes go: one file per key, or `neuroglancer_uint64_sharded_v1` shard files.

Contract:
- `ChunkSpool(path)` collects uint64-keyed chunks on disk (`add`, `add_many`), each key once;
  memory holds 24 bytes per chunk (key, offset, size), never the bytes.
- `ChunkSpool.publish(store, prefix, spec, name)` writes every chunk: with `spec=None` as
  `prefix/name(key)` (the unsharded layouts), else as shard files `prefix/<shard>.shard` laid out
  as Neuroglancer's `sharded.md` says: hash "identity", raw minishard indices and data, a shard
  index of 2**minishard_bits (start, end) pairs relative to its end, minishard indices of
  [3, n] uint64le arrays (delta-coded keys, delta-coded starts relative to the previous chunk's
  end, sizes). Shard files are built in the spool folder and handed to `Store.put_file`.
- `choose_spec(max_key, count, total_bytes)` picks bits so that a shard holds at most about
  256 MiB and a minishard index lists about 256 chunks (Neuroglancer fetches one whole).
- `compressed_morton_code(cells, grid_shape)` is the key of a spatial cell (volume.md).
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from linc_edge_auth.streamlines.store import Store

SHARD_BYTES = 256 << 20
MINISHARD_CHUNKS = 256
I64 = npt.NDArray[np.int64]
_STEP = 4096
_PIECE = 256 << 10  # bytes per read: large enough for few calls, small for memory


@dataclass(frozen=True)
class ShardSpec:
    minishard_bits: int
    shard_bits: int
    preshift_bits: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "@type": "neuroglancer_uint64_sharded_v1",
            "hash": "identity",
            "preshift_bits": self.preshift_bits,
            "minishard_bits": self.minishard_bits,
            "shard_bits": self.shard_bits,
            "minishard_index_encoding": "raw",
            "data_encoding": "raw",
        }

    def locate(self, keys: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.uint64], ...]:
        """(shard, minishard) of each key under the identity hash."""
        hashed = keys >> np.uint64(self.preshift_bits)
        minishard = hashed & np.uint64((1 << self.minishard_bits) - 1)
        shard = (hashed >> np.uint64(self.minishard_bits)) & np.uint64((1 << self.shard_bits) - 1)
        return shard, minishard

    def shard_name(self, shard: int) -> str:
        return f"{shard:0{math.ceil(self.shard_bits / 4)}x}.shard"


def _bits(n: float) -> int:
    return max(0, math.ceil(math.log2(max(1.0, n))))


def choose_spec(max_key: int, count: int, total_bytes: int) -> ShardSpec:
    # Identity hash: the low bits of the key choose minishard then shard, so keys that are
    # dense in [0, max_key] spread evenly; sparse keys (Morton codes) spread well enough.
    shard_bits = min(_bits(total_bytes / SHARD_BYTES), _bits(count))
    key_bits = _bits(max_key + 1)
    minishard_bits = max(0, min(_bits(count / MINISHARD_CHUNKS), key_bits) - shard_bits)
    return ShardSpec(minishard_bits=minishard_bits, shard_bits=shard_bits)


def compressed_morton_code(
    cells: npt.NDArray[np.int64], grid_shape: npt.NDArray[np.int64] | list[int]
) -> npt.NDArray[np.uint64]:
    """Bits of x, y, z interleaved, each dimension only while it has bits left."""
    xyz = np.asarray(cells, np.uint64).reshape(-1, 3)
    bits = [_bits(int(g)) for g in grid_shape]
    out = np.zeros(len(xyz), np.uint64)
    j = 0
    for i in range(max(bits, default=0)):
        for d in range(3):
            if i < bits[d]:
                out |= ((xyz[:, d] >> np.uint64(i)) & np.uint64(1)) << np.uint64(j)
                j += 1
    return out


def read_ranges(fd: int, starts: I64, sizes: I64) -> Iterator[bytes]:
    """The bytes of each (start, size) range of an open file, by `os.pread`: no memory map, so
    the pages read never count as this process's memory. Adjacent ranges are read together, in
    pieces of at most _PIECE bytes; at most _STEP offsets become Python ints at once."""
    for lo in range(0, len(starts), _STEP):
        a, n = starts[lo : lo + _STEP], sizes[lo : lo + _STEP]
        joins = np.flatnonzero(a[1:] != a[:-1] + n[:-1]) + 1  # where a new run begins
        run_start = np.concatenate([[0], joins])
        run_end = np.concatenate([joins, [len(a)]])
        firsts = a[run_start].tolist()
        lengths = (a[run_end - 1] + n[run_end - 1] - a[run_start]).tolist()
        for first, length in zip(firsts, lengths, strict=True):
            for at in range(first, first + length, _PIECE):
                yield os.pread(fd, min(_PIECE, first + length - at), at)


@dataclass(frozen=True)
class Ranges:
    """Byte ranges of an open file, as one part of a chunk (`add_parts`)."""

    fd: int
    starts: I64
    sizes: I64


_kernel_copy = hasattr(os, "copy_file_range")


def write_parts(fh: Any, parts: Iterable[bytes | memoryview | Ranges]) -> None:
    """Append the parts to a buffered binary file. `Ranges` are copied file to file by the
    kernel (`os.copy_file_range`: no bytes object per range, no copy through Python), else by
    `read_ranges`; the file is left positioned at its end either way."""
    for part in parts:
        if not isinstance(part, Ranges):
            fh.write(part)
            continue
        fh.flush()
        starts, sizes = part.starts.tolist(), part.sizes.tolist()
        i = _copy_ranges(part.fd, fh.fileno(), starts, sizes) if _kernel_copy else 0
        fh.seek(0, os.SEEK_END)  # the raw position moved under the buffer: resync it
        if i < len(starts):
            fh.writelines(read_ranges(part.fd, np.array(starts[i:]), np.array(sizes[i:])))


def _copy_ranges(src: int, dst: int, starts: list[int], sizes: list[int]) -> int:
    """Copies ranges in order until the kernel refuses (a file system without it); returns
    how many were copied whole (a partly copied one is shortened to its rest in place)."""
    global _kernel_copy
    for i in range(len(starts)):
        at, left = starts[i], sizes[i]
        try:
            while left:
                done = os.copy_file_range(src, dst, left, at)
                if done <= 0:
                    raise EOFError(f"spool shorter than its table at byte {at}")
                at, left = at + done, left - done
        except OSError:
            _kernel_copy = False
            starts[i], sizes[i] = at, left
            return i
    return len(starts)


class ChunkSpool:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.data = folder / "chunks.bin"
        self._fh = open(self.data, "wb")  # noqa: SIM115 - closed in publish
        self._keys: list[npt.NDArray[np.uint64]] = []
        self._sizes: list[npt.NDArray[np.int64]] = []
        self.bytes = 0

    def add(self, key: int, data: bytes | memoryview) -> None:
        self.add_parts(key, [data], len(data))

    def add_parts(self, key: int, parts: Iterable[bytes | memoryview | Ranges], size: int) -> None:
        """One chunk of `size` bytes written piece by piece, never joined in memory."""
        before = self._fh.tell()
        write_parts(self._fh, parts)
        assert self._fh.tell() - before == size, "chunk size differs from its parts"
        self._keys.append(np.array([key], np.uint64))
        self._sizes.append(np.array([size], np.int64))
        self.bytes += size

    def add_many(
        self, keys: npt.NDArray[np.int64], data: npt.NDArray[np.uint8], offsets: I64
    ) -> None:
        """Chunk i is data[offsets[i]:offsets[i + 1]]."""
        self._fh.write(data[offsets[0] : offsets[-1]].data)
        self._keys.append(np.asarray(keys, np.uint64))
        self._sizes.append(np.diff(offsets).astype(np.int64))
        self.bytes += int(offsets[-1] - offsets[0])

    def table(self) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(keys, starts, sizes) in the order added; flushes the data file."""
        self._fh.flush()
        keys = np.concatenate(self._keys) if self._keys else np.zeros(0, np.uint64)
        sizes = np.concatenate(self._sizes) if self._sizes else np.zeros(0, np.int64)
        starts = np.zeros(len(sizes), np.int64)
        np.cumsum(sizes[:-1], out=starts[1:])
        return keys, starts, sizes

    def publish(
        self, store: Store, prefix: str, spec: ShardSpec | None, name: Callable[[int], str] = str
    ) -> None:
        keys, starts, sizes = self.table()
        self._fh.close()
        if len(keys) == 0:
            return
        source = os.open(self.data, os.O_RDONLY)
        try:
            if spec is None:
                for key, a, n in zip(keys, starts, sizes, strict=True):
                    store.put(f"{prefix}/{name(int(key))}", os.pread(source, int(n), int(a)))
                return
            shard, minishard = spec.locate(keys)
            order = np.lexsort((keys, minishard, shard))
            bounds = np.flatnonzero(np.diff(shard[order])) + 1
            for rows in np.split(order, bounds):
                path = self._write_shard(spec, keys[rows], starts[rows], sizes[rows],
                                         minishard[rows], source)  # fmt: skip
                store.put_file(f"{prefix}/{spec.shard_name(int(shard[rows[0]]))}", path)
        finally:
            os.close(source)

    def _write_shard(
        self,
        spec: ShardSpec,
        keys: npt.NDArray[np.uint64],
        starts: npt.NDArray[np.int64],
        sizes: npt.NDArray[np.int64],
        minishard: npt.NDArray[np.uint64],
        source: int,
    ) -> Path:
        """Rows sorted by (minishard, key): data in that order, then the minishard indices."""
        data_pos = np.zeros(len(sizes), np.int64)
        np.cumsum(sizes[:-1], out=data_pos[1:])
        index, blobs = shard_indices(spec, keys, minishard, data_pos, sizes)
        fd, name = tempfile.mkstemp(prefix="shard-", dir=self.folder)
        with open(fd, "wb") as out:
            out.write(index)
            out.writelines(read_ranges(source, starts, sizes))
            out.writelines(blobs)
        return Path(name)


def shard_indices(
    spec: ShardSpec,
    keys: npt.NDArray[np.uint64],
    minishard: npt.NDArray[np.uint64],
    data_pos: I64,
    sizes: I64,
) -> tuple[bytes, list[bytes]]:
    """(shard index, minishard indices) for chunks sorted by (minishard, key) whose data sit at
    `data_pos` (relative to the end of the shard index); the minishard indices go right after
    the last chunk."""
    index = np.zeros((1 << spec.minishard_bits, 2), np.uint64)
    blobs: list[bytes] = []
    pos = int(data_pos[-1] + sizes[-1]) if len(sizes) else 0
    bounds = np.flatnonzero(np.diff(minishard)) + 1
    for rows in np.split(np.arange(len(keys)), bounds) if len(keys) else []:
        k, s, d = keys[rows], sizes[rows], data_pos[rows]
        table = np.zeros((3, len(rows)), np.uint64)
        table[0] = np.diff(k, prepend=np.uint64(0))
        prev_end = np.concatenate([[0], d[:-1] + s[:-1]])
        table[1] = (d - prev_end).astype(np.uint64)
        table[2] = s.astype(np.uint64)
        blob = table.astype("<u8").tobytes()
        index[int(minishard[rows[0]])] = (pos, pos + len(blob))
        blobs.append(blob)
        pos += len(blob)
    return index.astype("<u8").tobytes(), blobs


class ShardStream:
    """Shard files written as chunks arrive in (shard, minishard, key) order: no spool copy.

    Each shard file starts with a zeroed shard index, takes the chunk bytes as they come, and on
    the next shard (or `publish`) gets its minishard indices appended and its index filled in."""

    def __init__(self, folder: Path, spec: ShardSpec) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.spec = folder, spec
        self.done: list[tuple[int, Path]] = []
        self._fh: Any = None
        self._shard = -1
        self._last: tuple[int, int, int] = (-1, -1, -1)
        self._keys: list[int] = []
        self._pos: list[int] = []
        self._sizes: list[int] = []

    def order(self, keys: npt.NDArray[np.uint64]) -> I64:
        """Ranks that put `keys` in the order `add_parts` needs."""
        shard, minishard = self.spec.locate(keys)
        return np.asarray(np.lexsort((keys, minishard, shard)).argsort(), np.int64)

    def add_parts(self, key: int, parts: Iterable[bytes | memoryview | Ranges], size: int) -> None:
        shard_a, mini_a = self.spec.locate(np.array([key], np.uint64))
        shard, mini = int(shard_a[0]), int(mini_a[0])
        assert (shard, mini, key) > self._last, "chunks out of shard order"
        self._last = (shard, mini, key)
        if shard != self._shard:
            self._close()
            fd, name = tempfile.mkstemp(prefix="shard-", dir=self.folder)
            self._fh = open(fd, "wb")  # noqa: SIM115 - closed in _close
            self._fh.write(bytes(16 << self.spec.minishard_bits))
            self._shard, self._path = shard, Path(name)
        start = self._fh.tell()
        write_parts(self._fh, parts)
        assert self._fh.tell() - start == size, "chunk size differs from its parts"
        self._keys.append(key)
        self._pos.append(start - (16 << self.spec.minishard_bits))
        self._sizes.append(size)

    def _close(self) -> None:
        if self._fh is None:
            return
        keys = np.array(self._keys, np.uint64)
        _, minishard = self.spec.locate(keys)
        index, blobs = shard_indices(self.spec, keys, minishard, np.array(self._pos, np.int64),
                                     np.array(self._sizes, np.int64))  # fmt: skip
        self._fh.writelines(blobs)
        self._fh.seek(0)
        self._fh.write(index)
        self._fh.close()
        self.done.append((self._shard, self._path))
        self._fh, self._keys, self._pos, self._sizes = None, [], [], []

    def publish(self, store: Store, prefix: str) -> None:
        self._close()
        for shard, path in self.done:
            store.put_file(f"{prefix}/{self.spec.shard_name(shard)}", path)
