"""The direct .trk reader (`trk_batches`) gives exactly what nibabel's lazy reader gives."""

from __future__ import annotations

import struct
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from nibabel.streamlines import Tractogram, TrkFile

from linc_edge_auth.errors import UserError
from linc_edge_auth.streamlines import reader, trk_batches
from linc_edge_auth.streamlines.reader import Batch

from .helpers import AFFINE, SHAPE, to_world


def write_rich_trk(path: Path, count: int = 53) -> Path:
    """Oblique LAS affine, two per-point keys (1 and 3 columns), two per-streamline keys."""
    rng = np.random.default_rng(7)
    lines, fa, rgb = [], [], []
    for _ in range(count):
        n = int(rng.integers(1, 30))  # 1-point streamlines too (the converter drops them later)
        lines.append(to_world(rng.uniform([2, 2, 2], [27, 37, 17], (n, 3))).astype(np.float32))
        fa.append(rng.random((n, 1)).astype(np.float32))
        rgb.append(rng.random((n, 3)).astype(np.float32))
    dps = {
        "bundle": rng.integers(0, 5, (count, 1)).astype(np.float32),
        "weight": rng.random((count, 2)).astype(np.float32),
    }
    t = Tractogram(lines, data_per_point={"fa": fa, "rgb": rgb}, data_per_streamline=dps,
                   affine_to_rasmm=np.eye(4))  # fmt: skip
    header = {
        "voxel_to_rasmm": AFFINE.astype(np.float32),
        "dimensions": np.array(SHAPE, np.int16),
        "voxel_sizes": np.linalg.norm(AFFINE[:3, :3], axis=0).astype(np.float32),
        "voxel_order": "".join(nib.aff2axcodes(AFFINE)),
    }
    TrkFile(t, header=header).save(str(path))
    return path


def read(
    path: Path, bundle_key: str | None, direct: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[Batch], dict[int, str]]:
    with monkeypatch.context() as m:
        if not direct:
            m.setattr(trk_batches, "plan", lambda *a: None)
        tract = reader.open_tractogram(path, bundle_key)
        return list(tract.batches(7)), tract.label_names


@pytest.mark.parametrize("bundle_key", [None, "bundle"])
def test_direct_reader_matches_nibabel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bundle_key: str | None
) -> None:
    src = write_rich_trk(tmp_path / "r.trk")
    tfile = nib.streamlines.load(str(src), lazy_load=True)
    assert trk_batches.plan(src, tfile, {"fa": 1, "rgb": 3}, {"bundle": 1, "weight": 2})
    ours, our_names = read(src, bundle_key, True, monkeypatch)
    theirs, their_names = read(src, bundle_key, False, monkeypatch)
    assert [b.start for b in ours] == [b.start for b in theirs] == list(range(0, 53, 7))
    assert our_names == their_names and (len(our_names) > 1) == bool(bundle_key)
    for a, b in zip(ours, theirs, strict=True):
        assert np.array_equal(a.lengths, b.lengths)
        assert a.points.dtype == np.float32 and np.array_equal(a.points, b.points)
        assert a.point_data.keys() == b.point_data.keys() == {"fa", "rgb"}
        assert a.streamline_data.keys() == b.streamline_data.keys() == {"bundle", "weight"}
        for k in a.point_data:
            assert a.point_data[k].shape == b.point_data[k].shape
            assert np.array_equal(a.point_data[k], b.point_data[k])
        for k in a.streamline_data:
            assert a.streamline_data[k].shape == b.streamline_data[k].shape
            assert np.array_equal(a.streamline_data[k], b.streamline_data[k])
        assert (a.labels is None) == (b.labels is None) == (bundle_key is None)
        if a.labels is not None:
            assert np.array_equal(a.labels, b.labels)


def test_direct_reader_reads_to_the_end_without_a_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = write_rich_trk(tmp_path / "r.trk", count=20)
    data = bytearray(src.read_bytes())
    data[988:992] = struct.pack("<i", 0)  # n_count: 0 means "unknown" in trk
    src.write_bytes(bytes(data))
    batches, _ = read(src, None, True, monkeypatch)
    assert sum(b.count for b in batches) == 20


def test_direct_reader_damaged_records(tmp_path: Path) -> None:
    src = write_rich_trk(tmp_path / "r.trk", count=20)
    data = src.read_bytes()
    src.write_bytes(data[:-10])  # the last streamline's properties cut short
    with pytest.raises(UserError, match=r"r.trk: unreadable or truncated near streamline 19"):
        list(reader.open_tractogram(src).batches(7))
    # The second record's point count (nibabel itself reads the first one on opening): records
    # are int32 n, n rows of 3 + 4 scalars, 3 properties.
    second = 1000 + 4 + 4 * (7 * struct.unpack_from("<i", data, 1000)[0] + 3)
    bad = bytearray(data)
    bad[second : second + 4] = struct.pack("<i", -3)
    src.write_bytes(bytes(bad))
    with pytest.raises(UserError, match=r"near streamline 1 \(negative point count -3\)"):
        list(reader.open_tractogram(src).batches(7))
