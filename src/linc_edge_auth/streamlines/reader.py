"""Read a tractogram as a stream of bounded batches, in world coordinates (RAS+, millimetres).

Contract:
- `open_tractogram(path, bundle_key=None)` returns a `Tractogram` whose `batches(size)` yields
  `Batch`es of at most `size` streamlines, in file order, never holding more than one batch.
- `.trk` and `.tck` go through `nibabel.streamlines.load(path, lazy_load=True)`, which already
  applies the trk header's `voxel_to_rasmm` (voxel order and voxel sizes included), so points
  arrive in RAS+ mm; `.tck` stores RAS+ mm natively. A plain `.trk` is then read batch by batch
  from its bytes (`trk_batches`: the same values, keys, labels and errors, far fewer objects).
  `.trx` goes through trx-python (memory mapped; its positions are RAS+ mm by the TRX spec),
  imported lazily.
- Bundles: `bundle_key` names a per-streamline value (trk `data_per_streamline`, trx
  `data_per_streamline`) or, for trx, `"groups"` uses the file's groups. Each batch then carries
  one integer label per streamline (`-1` = no bundle) and `Tractogram.label_names` names them.
- Scalars: every per-point value (trk/tck `data_per_point`, trx `data_per_vertex`) and
  per-streamline value (`data_per_streamline`) rides along: `Tractogram.per_point` /
  `per_streamline` map each key to its component count, and each batch carries
  `point_data[key]` (P, k) and `streamline_data[key]` (n, k) as float32 (`without_short` keeps
  them aligned). A value whose length disagrees with its streamline is a `UserError`.
- Every read problem (unknown extension, bad header, truncated data, non-finite points, zero
  streamlines) is a `UserError` naming the file.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from linc_edge_auth.errors import UserError
from linc_edge_auth.extras import missing
from linc_edge_auth.streamlines import trk_batches

SUFFIXES = (".trk", ".tck", ".trx")
# What nibabel and trx-python raise on damaged files; anything else is a bug worth a traceback.
_READ_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    OSError,
    EOFError,
    KeyError,
    IndexError,
    TypeError,
    __import__("struct").error,
)


@dataclass
class Batch:
    start: int  # index of the first streamline of the batch in the file
    points: npt.NDArray[np.float32]  # (P, 3) RAS+ mm, all streamlines concatenated
    lengths: npt.NDArray[np.int64]  # (n,) points per streamline
    labels: npt.NDArray[np.int64] | None = None  # (n,) bundle index, -1 for none
    index: npt.NDArray[np.int64] | None = None  # (n,) file index when not start + arange(n)
    point_data: dict[str, npt.NDArray[np.float32]] = field(default_factory=dict)  # (P, k)
    streamline_data: dict[str, npt.NDArray[np.float32]] = field(default_factory=dict)  # (n, k)

    @property
    def count(self) -> int:
        return int(self.lengths.shape[0])

    @property
    def ids(self) -> npt.NDArray[np.int64]:
        """Index of each streamline in the file (the annotation id)."""
        if self.index is not None:
            return self.index
        return self.start + np.arange(self.count, dtype=np.int64)

    def without_short(self, min_points: int = 2) -> Batch:
        """The streamlines with at least `min_points` points, keeping their file index."""
        keep = self.lengths >= min_points
        if keep.all():
            return self
        vertex = np.repeat(keep, self.lengths)
        labels = self.labels[keep] if self.labels is not None else None
        return Batch(
            self.start, self.points[vertex], self.lengths[keep], labels, self.ids[keep],
            {k: v[vertex] for k, v in self.point_data.items()},
            {k: v[keep] for k, v in self.streamline_data.items()},
        )  # fmt: skip

    @property
    def offsets(self) -> npt.NDArray[np.int64]:
        out = np.zeros(self.count + 1, dtype=np.int64)
        np.cumsum(self.lengths, out=out[1:])
        return out


@dataclass
class Tractogram:
    path: Path
    declared_count: int | None  # from the header, when the format records it
    _iter: Any = field(repr=False)
    label_names: dict[int, str] = field(default_factory=dict)
    # RAS+ mm box of the header's reference grid (trk, trx), when it describes a real grid.
    reference_box: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None = None
    per_point: dict[str, int] = field(default_factory=dict)  # key -> components
    per_streamline: dict[str, int] = field(default_factory=dict)

    def batches(self, size: int) -> Iterator[Batch]:
        if size < 1:
            raise UserError(f"--batch-size {size}: expected a positive number")
        return self._iter(size)  # type: ignore[no-any-return]


def open_tractogram(path: str | Path, bundle_key: str | None = None) -> Tractogram:
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in SUFFIXES:
        raise UserError(f"{p}: unknown tractogram type {suffix!r} (expected .trk, .tck or .trx)")
    if not p.is_file():
        raise UserError(f"{p}: no such file")
    if suffix == ".trx":
        return _open_trx(p, bundle_key)
    return _open_nibabel(p, bundle_key)


def reference_box(
    affine: Any, dimensions: Any
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None:
    """World box of a voxel grid (voxel centres at integers), or None for a placeholder grid."""
    try:
        aff = np.asarray(affine, np.float64).reshape(4, 4)
        dims = np.asarray(dimensions, np.float64).reshape(3)
    except (TypeError, ValueError):
        return None
    if (dims < 2).any() or not np.isfinite(aff).all() or abs(np.linalg.det(aff[:3, :3])) < 1e-9:
        return None
    corners = np.array(np.meshgrid(*[[-0.5, d - 0.5] for d in dims], indexing="ij")).reshape(3, -1)
    world = aff[:3, :3] @ corners + aff[:3, 3:4]
    return world.min(axis=1), world.max(axis=1)


def _check_points(path: Path, start: int, pts: npt.NDArray[np.float32]) -> None:
    if not np.isfinite(pts).all():
        raise UserError(f"{path}: non-finite coordinates near streamline {start}")


def _damaged(path: Path, index: int, exc: BaseException) -> UserError:
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return UserError(f"{path}: unreadable or truncated near streamline {index} ({detail})")


def _open_nibabel(path: Path, bundle_key: str | None) -> Tractogram:
    nibs: Any = importlib.import_module("nibabel.streamlines")

    try:
        tfile = nibs.load(str(path), lazy_load=True)
    except _READ_ERRORS as exc:
        raise UserError(f"{path}: not a readable tractogram ({exc})") from exc
    except Exception as exc:  # nibabel's HeaderError/DataError derive from Exception only
        raise UserError(f"{path}: not a readable tractogram ({exc})") from exc
    declared = tfile.header.get(nibs.Field.NB_STREAMLINES)
    try:
        declared_count = int(declared) if declared not in (None, "") else None
    except (TypeError, ValueError):
        declared_count = None
    if declared_count == 0 and path.suffix.lower() == ".trk":
        declared_count = None  # trk writes 0 when the count is unknown
    names: dict[int, str] = {}
    label_of: dict[float, int] = {}
    dpp_keys = _components(path, tfile.tractogram.data_per_point)
    dps_keys = _components(path, tfile.tractogram.data_per_streamline)

    direct = trk_batches.plan(path, tfile, dpp_keys, dps_keys)
    if direct is not None and bundle_key:
        _per_streamline(path, tfile, bundle_key)  # the same error when the key is missing

    def iterate(size: int) -> Iterator[Batch]:
        if direct is not None:
            yield from _iterate_direct(
                path, tfile.header, direct, size, bundle_key, names, label_of
            )
            return
        pts: list[npt.NDArray[np.float32]] = []
        labels: list[int] = []
        dpp: dict[str, list[npt.NDArray[np.float32]]] = {k: [] for k in dpp_keys}
        dps: dict[str, list[npt.NDArray[np.float32]]] = {k: [] for k in dps_keys}
        start = index = 0
        # Iterating the LazyTractogram itself yields points *without* affine_to_rasmm (voxmm
        # for .trk; checked in tests), so zip the RAS+ mm streamlines with the value generators.
        streams, affine = _raw_streams(tfile)
        values = iter(_per_streamline(path, tfile, bundle_key)) if bundle_key else None
        point_iters = {k: iter(tfile.tractogram.data_per_point[k]) for k in dpp_keys}
        line_iters = {k: iter(tfile.tractogram.data_per_streamline[k]) for k in dps_keys}
        while True:
            try:
                streamline = next(streams)
                value = next(values) if values is not None else None
                for k, it in point_iters.items():
                    dpp[k].append(np.asarray(next(it), np.float32).reshape(len(streamline), -1))
                for k, it in line_iters.items():
                    dps[k].append(np.asarray(next(it), np.float32).reshape(1, -1))
            except StopIteration:
                break
            except Exception as exc:
                raise _damaged(path, index, exc) from exc
            if value is not None:
                key = float(np.asarray(value).ravel()[0])
                if key not in label_of:
                    label_of[key] = len(label_of)
                    names[label_of[key]] = f"{bundle_key} {key:g}"
                labels.append(label_of[key])
            pts.append(np.asarray(streamline, dtype=np.float32).reshape(-1, 3))
            index += 1
            if len(pts) == size:
                yield _batch(path, start, pts, labels if bundle_key else None, affine, dpp, dps)
                start, pts, labels = index, [], []
                dpp, dps = {k: [] for k in dpp_keys}, {k: [] for k in dps_keys}
        if pts:
            yield _batch(path, start, pts, labels if bundle_key else None, affine, dpp, dps)

    box = None
    if path.suffix.lower() == ".trk":
        box = reference_box(tfile.header.get(nibs.Field.VOXEL_TO_RASMM),
                            tfile.header.get(nibs.Field.DIMENSIONS))  # fmt: skip
    tract = Tractogram(path, declared_count, iterate, names, box)
    tract.per_point, tract.per_streamline = dpp_keys, dps_keys
    return tract


def _components(path: Path, data: Any) -> dict[str, int]:
    """{key: components} of a lazy data dict, from its first item (each access is a fresh pass)."""
    out: dict[str, int] = {}
    for key in data:
        try:
            first = next(iter(data[key]), None)
        except Exception as exc:
            raise _damaged(path, 0, exc) from exc
        if first is not None:
            arr = np.asarray(first)
            out[str(key)] = int(arr.shape[-1]) if arr.ndim >= 1 and arr.size else 1
    return out


def _raw_streams(tfile: Any) -> tuple[Iterator[Any], npt.NDArray[np.float64] | None]:
    """The file's streamlines before nibabel's per-streamline affine, and that affine.

    nibabel's lazy `streamlines` applies `affine_to_rasmm` one streamline at a time (a quarter
    of the read time on 214-point files); applying it once per batch is the same arithmetic.
    Falls back to the public iterator when nibabel's lazy internals are not as expected."""
    tract = tfile.tractogram
    raw, affine = getattr(tract, "_streamlines", None), getattr(tract, "_affine_to_apply", None)
    if callable(raw) and isinstance(affine, np.ndarray) and affine.shape == (4, 4):
        return iter(raw()), None if np.allclose(affine, np.eye(4)) else affine
    return iter(tfile.streamlines), None


def _per_streamline(path: Path, tfile: Any, key: str) -> Any:
    data = tfile.tractogram.data_per_streamline
    if key not in data:
        known = ", ".join(sorted(data)) or "none"
        raise UserError(f"{path}: no per-streamline {key!r} (has: {known})")
    return data[key]


def _batch(
    path: Path,
    start: int,
    pts: list[npt.NDArray[np.float32]],
    labels: list[int] | None,
    affine: npt.NDArray[np.float64] | None = None,
    dpp: dict[str, list[npt.NDArray[np.float32]]] | None = None,
    dps: dict[str, list[npt.NDArray[np.float32]]] | None = None,
) -> Batch:
    lengths = np.fromiter((len(p) for p in pts), dtype=np.int64, count=len(pts))
    points = np.concatenate(pts) if pts else np.zeros((0, 3), np.float32)
    if affine is not None:
        points = (points @ affine[:3, :3].T + affine[:3, 3]).astype(np.float32)  # as nibabel
    _check_points(path, start, points)
    lab = np.asarray(labels, dtype=np.int64) if labels is not None else None
    point_data = {k: np.concatenate(v) for k, v in (dpp or {}).items()}
    line_data = {k: np.concatenate(v) for k, v in (dps or {}).items()}
    return Batch(start, points, lengths, lab, None, point_data, line_data)


def _iterate_direct(
    path: Path,
    header: Any,
    plan: trk_batches.Plan,
    size: int,
    bundle_key: str | None,
    names: dict[int, str],
    label_of: dict[float, int],
) -> Iterator[Batch]:
    """`_open_nibabel`'s batches, read by `trk_batches`: the same values, labels and errors."""
    try:
        for start, rows, props, lengths in trk_batches.voxmm_batches(path, header, size):
            points = np.ascontiguousarray(rows[:, :3])
            if plan.affine is not None:
                points = trk_batches.apply_affine(plan.affine, points)
            _check_points(path, start, points)
            labels = None
            if bundle_key:
                values = props[:, plan.line_slices[bundle_key].start].astype(np.float64)
                uniq, first, inverse = np.unique(values, return_index=True, return_inverse=True)
                for j in np.argsort(first, kind="stable"):
                    key = float(uniq[j])
                    if key not in label_of:
                        label_of[key] = len(label_of)
                        names[label_of[key]] = f"{bundle_key} {key:g}"
                labels = np.array([label_of[float(v)] for v in uniq], np.int64)[inverse]
            point_data = {k: rows[:, 3:][:, s] for k, s in plan.point_slices.items()}
            line_data = {k: props[:, s] for k, s in plan.line_slices.items()}
            yield Batch(start, points, lengths, labels, None, point_data, line_data)
    except trk_batches.TrkDamaged as exc:
        raise _damaged(path, exc.index, exc) from exc
    except OSError as exc:
        raise _damaged(path, 0, exc) from exc


def _import_trx() -> Any:
    try:
        return importlib.import_module("trx.trx_file_memmap")
    except ImportError as exc:
        raise UserError(missing("trx", ".trx input (or convert it to .trk)")) from exc


def _open_trx(path: Path, bundle_key: str | None) -> Tractogram:
    tmm = _import_trx()
    try:
        trx = tmm.load(str(path))
        seq = trx.streamlines
        # Memory-mapped arrays: slice them per batch, never convert them whole.
        offsets, lengths, data = seq._offsets, seq._lengths, seq._data
    except Exception as exc:
        raise UserError(f"{path}: not a readable TRX file ({exc})") from exc
    total = int(lengths.shape[0])
    names: dict[int, str] = {}
    groups: list[npt.NDArray[np.int64]] = []
    per_streamline = None
    if bundle_key == "groups":
        for n, (name, idx) in enumerate(sorted(trx.groups.items())):
            names[n] = str(name)
            groups.append(np.sort(np.asarray(idx, dtype=np.int64)))
        if not groups:
            raise UserError(f"{path}: --bundle-key groups, but the file has no groups")
    elif bundle_key:
        if bundle_key not in trx.data_per_streamline:
            known = ", ".join(sorted(trx.data_per_streamline)) or "none"
            raise UserError(f"{path}: no per-streamline {bundle_key!r} (has: groups, {known})")
        per_streamline = trx.data_per_streamline[bundle_key]
    label_of: dict[float, int] = {}
    dpv = {str(k): v for k, v in trx.data_per_vertex.items()}
    dps = {str(k): v for k, v in trx.data_per_streamline.items()}
    point_keys = {k: _trx_components(v._data) for k, v in dpv.items()}
    line_keys = {k: _trx_components(v) for k, v in dps.items()}

    def iterate(size: int) -> Iterator[Batch]:
        for start in range(0, total, size):
            stop = min(total, start + size)
            lo = int(offsets[start])
            hi = int(offsets[stop - 1] + lengths[stop - 1])
            try:
                points = np.asarray(data[lo:hi], dtype=np.float32).reshape(-1, 3)
            except Exception as exc:
                raise _damaged(path, start, exc) from exc
            if points.shape[0] != int(lengths[start:stop].sum()):
                raise _damaged(path, start, ValueError("positions shorter than offsets say"))
            _check_points(path, start, points)
            labels = None
            if groups:
                labels = np.full(stop - start, -1, dtype=np.int64)
                ids = np.arange(start, stop, dtype=np.int64)
                for n, idx in enumerate(groups):
                    pos = np.searchsorted(idx, ids).clip(max=max(len(idx) - 1, 0))
                    labels[(idx[pos] == ids) if len(idx) else slice(0, 0)] = n
            elif per_streamline is not None:
                values = np.asarray(per_streamline[start:stop]).reshape(stop - start, -1)[:, 0]
                labels = np.empty(stop - start, dtype=np.int64)
                for i, v in enumerate(values.tolist()):
                    if v not in label_of:
                        label_of[v] = len(label_of)
                        names[label_of[v]] = f"{bundle_key} {v:g}"
                    labels[i] = label_of[v]
            try:
                point_data = {
                    k: np.asarray(v._data[lo:hi], np.float32).reshape(len(points), -1)
                    for k, v in dpv.items()
                }
                line_data = {
                    k: np.asarray(v[start:stop], np.float32).reshape(stop - start, -1)
                    for k, v in dps.items()
                }
            except Exception as exc:
                raise _damaged(path, start, exc) from exc
            batch_lengths = np.asarray(lengths[start:stop], dtype=np.int64)
            yield Batch(start, points, batch_lengths, labels, None, point_data, line_data)

    box = reference_box(trx.header.get("VOXEL_TO_RASMM"), trx.header.get("DIMENSIONS"))
    tract = Tractogram(path, total, iterate, names, box)
    tract.per_point, tract.per_streamline = point_keys, line_keys
    return tract


def _trx_components(array: Any) -> int:
    shape = np.shape(array)
    return int(shape[1]) if len(shape) > 1 else 1
