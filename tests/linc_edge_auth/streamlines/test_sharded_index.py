"""Sharded output and the spatial index (issue 16 items 4 and 6).

The shard reader and the Morton code here are written from Neuroglancer's `sharded.md` and
`volume.md`, independently of `linc_edge_auth.streamlines.sharding`: the sharded output of a
conversion must decode to exactly the objects of the unsharded output of the same file.
"""

from __future__ import annotations

import itertools
import json
import struct
from pathlib import Path

import numpy as np
import pytest

from linc_edge_auth.errors import UserError
from linc_edge_auth.streamlines import convert, layers, store
from linc_edge_auth.streamlines.synth import synthesize_tractogram
from tests.linc_edge_auth.streamlines.helpers import (
    decode_polyline_cell,
    decode_skeleton,
    make_volume,
    to_world,
    write_trk,
)


def read_sharded(folder: Path, spec: dict[str, object]) -> dict[int, bytes]:
    """Every chunk of a sharded folder, from the spec: shard index, minishard indices, data."""
    assert spec["@type"] == "neuroglancer_uint64_sharded_v1" and spec["hash"] == "identity"
    assert spec.get("minishard_index_encoding", "raw") == "raw"
    assert spec.get("data_encoding", "raw") == "raw"
    mbits, sbits, pre = (int(spec[k]) for k in ("minishard_bits", "shard_bits", "preshift_bits"))  # type: ignore[call-overload]
    width = -(-sbits // 4)
    names = {p.name for p in folder.iterdir()} - {"info", "segment_properties"}
    chunks: dict[int, bytes] = {}
    for shard in range(1 << sbits):
        name = format(shard, "x").zfill(width) + ".shard"
        if name not in names:
            continue
        names.discard(name)
        blob = (folder / name).read_bytes()
        index_end = 16 << mbits
        spans: list[tuple[int, int]] = []
        for mini in range(1 << mbits):
            start, end = struct.unpack_from("<QQ", blob, 16 * mini)
            if start == end:
                continue
            n = (end - start) // 24
            table = np.frombuffer(blob, "<u8", 3 * n, index_end + start).reshape(3, n)
            keys = np.cumsum(table[0].astype(np.uint64))
            pos = index_end
            for i in range(n):
                pos += int(table[1, i])
                size = int(table[2, i])
                key = int(keys[i])
                hashed = key >> pre
                assert hashed & ((1 << mbits) - 1) == mini, "chunk in the wrong minishard"
                assert (hashed >> mbits) & ((1 << sbits) - 1) == shard, "chunk in the wrong shard"
                assert key not in chunks
                assert pos + size <= len(blob)
                chunks[key] = blob[pos : pos + size]
                spans.append((pos, pos + size))
                pos += size
        spans.sort()
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), "overlap"
    assert not names, f"files that are not shards: {names}"
    return chunks


def morton(x: int, y: int, z: int, grid: list[int]) -> int:
    bits = [max(0, (g - 1).bit_length()) for g in grid]
    out, j = 0, 0
    for i in range(max(bits)):
        for d, v in enumerate((x, y, z)):
            if i < bits[d]:
                out |= ((v >> i) & 1) << j
                j += 1
    return out


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The same synthetic file converted unsharded and sharded, with a small per-cell limit."""
    tmp = tmp_path_factory.mktemp("sharded")
    vol = make_volume(tmp / "vol.nii.gz")
    trk = synthesize_tractogram(vol, tmp / "t.trk", count=1500, points=24, bundles=3, seed=3)
    outs = []
    for sharded in (False, True):
        opts = convert.Options(input=trk, sharded=sharded, annotation_limit=60, group_size=97,
                               batch_size=400)  # fmt: skip
        out = tmp / ("sharded" if sharded else "files")
        convert.convert(opts, store.LocalStore(out))
        outs.append(out)
    return trk, outs[0], outs[1]


def test_sharded_skeletons_decode_to_the_unsharded_ones(pair: tuple[Path, Path, Path]) -> None:
    _, files, sharded = pair
    info = json.loads((sharded / "skeletons/info").read_text())
    assert "sharding" not in json.loads((files / "skeletons/info").read_text())
    chunks = read_sharded(sharded / "skeletons", info["sharding"])
    plain = {int(p.name): p.read_bytes() for p in (files / "skeletons").iterdir() if p.is_file()
             and p.name.isdigit()}  # fmt: skip
    assert len(plain) == 16  # 1500 streamlines / 97 per segment
    assert chunks == plain
    decode_skeleton(chunks[16])  # a real skeleton, whole


def test_sharded_by_id_holds_every_streamline(pair: tuple[Path, Path, Path]) -> None:
    _, files, sharded = pair
    info = json.loads((sharded / "annotations/info").read_text())
    chunks = read_sharded(sharded / "annotations/by_id", info["by_id"]["sharding"])
    plain = {int(p.name): p.read_bytes() for p in (files / "annotations/by_id").iterdir()}
    assert sorted(chunks) == list(range(1500))
    assert chunks == plain
    (n,) = struct.unpack_from("<I", chunks[1234])
    scalars = len(info["properties"]) - 2  # synth's per-streamline `bundle` is one (float32)
    assert n == 24 and len(chunks[1234]) == 4 + 24 * 12 + 8 + 4 * scalars


def test_sharded_spatial_levels_match_the_cell_files(pair: tuple[Path, Path, Path]) -> None:
    _, files, sharded = pair
    info = json.loads((sharded / "annotations/info").read_text())
    plain_info = json.loads((files / "annotations/info").read_text())
    assert [{k: v for k, v in e.items() if k != "sharding"} for e in info["spatial"]] == \
        plain_info["spatial"]  # fmt: skip
    for level in info["spatial"]:
        chunks = read_sharded(sharded / "annotations" / level["key"], level["sharding"])
        cells = {}
        for path in (files / "annotations" / level["key"]).iterdir():
            x, y, z = (int(v) for v in path.name.split("_"))
            cells[morton(x, y, z, level["grid_shape"])] = path.read_bytes()
        assert chunks == cells


def test_index_levels_respect_the_limit_and_hold_each_streamline_once(
    pair: tuple[Path, Path, Path],
) -> None:
    _, files, _ = pair
    info = json.loads((files / "annotations/info").read_text())
    levels = info["spatial"]
    assert len(levels) >= 3, levels  # 1500 streamlines, 60 per cell: several levels
    level_of: dict[int, int] = {}
    lower = np.array(info["lower_bound"])
    for n, level in enumerate(levels):
        counts = []
        grid = np.array(level["grid_shape"])
        chunk = np.array(level["chunk_size"])
        np.testing.assert_allclose(grid * chunk, np.array(info["upper_bound"]) - lower)
        for path in (files / "annotations" / level["key"]).iterdir():
            cell = np.array([int(v) for v in path.name.split("_")])
            records = decode_polyline_cell(path.read_bytes(), len(info["properties"]) - 2)
            counts.append(len(records))
            for aid, pts, _, _ in records:
                assert level_of.setdefault(aid, n) == n, f"{aid} at two levels"
                inside = np.all(np.floor((pts - lower) / chunk).clip(0, grid - 1) == cell, axis=1)
                assert inside.any(), f"{aid} in a cell none of its vertices is in"
        assert counts and sum(counts) > 0, f"level {n} declared empty"
        assert level["limit"] == max(counts)
        if n < len(levels) - 1:
            assert max(counts) <= 60, (n, max(counts))
    assert sorted(level_of) == list(range(1500))


def test_one_point_streamlines_are_skipped_and_counted(tmp_path: Path) -> None:
    make_volume(tmp_path / "vol.nii.gz")
    line = to_world(np.linspace([5, 5, 5], [20, 30, 12], 10))
    dot = to_world(np.array([[10.0, 10.0, 10.0]]))
    trk = write_trk(tmp_path / "t.trk", [line, dot, line + 1, dot, line + 2])
    opts = convert.Options(input=trk, group_size=2)
    result = convert.convert(opts, store.LocalStore(tmp_path / "out"))
    assert (result.streamlines, result.skipped, result.points) == (3, 2, 30)
    out = tmp_path / "out"
    assert sorted(int(p.name) for p in (out / "annotations/by_id").iterdir()) == [0, 2, 4]
    pos, edges, _ = decode_skeleton((out / "skeletons/1").read_bytes())  # ids 0, 1: one line
    assert len(pos) == 10 and len(edges) == 9
    only_dots = write_trk(tmp_path / "d.trk", [dot, dot])
    with pytest.raises(UserError, match="2 or more points"):
        convert.convert(convert.Options(input=only_dots), store.LocalStore(tmp_path / "o2"))


def test_header_box_spares_the_counting_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_volume(tmp_path / "vol.nii.gz")
    trk = write_trk(tmp_path / "t.trk", [to_world(np.linspace([5, 5, 5], [20, 30, 12], 10))])

    def no_scan(*_: object) -> None:
        raise AssertionError("the file was read twice")

    monkeypatch.setattr(convert, "_scan", no_scan)
    convert.convert(convert.Options(input=trk), store.LocalStore(tmp_path / "out"))
    info = json.loads((tmp_path / "out/annotations/info").read_text())
    # The trk's reference grid (30 x 40 x 20 voxels, LAS) plus the 1 mm tolerance.
    np.testing.assert_allclose(info["lower_bound"], [0.0, -71.75, -42.5], atol=1e-3)


def test_default_annotation_shader_draws_no_vertex_markers() -> None:
    assert "setEndpointMarkerSize(0.0)" in layers.ANNOTATION_SHADER
    assert "setEndpointMarkerBorderWidth(0.0)" in layers.ANNOTATION_SHADER
