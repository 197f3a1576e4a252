"""Converter: coordinates, skeleton encoding, annotation index, readers (.trk, .tck, .trx)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from neuroglancer import CoordinateSpace
from neuroglancer.write_annotations import AnnotationWriter as NgAnnotationWriter

from linc_edge_auth.streamlines import annotations, convert, reader, store, volume
from linc_edge_auth.streamlines.geometry import streamline_lengths, streamline_rgb
from tests.linc_edge_auth.streamlines.helpers import (
    AFFINE,
    SHAPE,
    decode_polyline_cell,
    decode_skeleton,
    make_volume,
    to_world,
    write_tck,
    write_trk,
)

VOXELS = [
    np.array([[5, 10, 4], [6, 10, 4], [7, 10, 4], [8, 10, 4]], np.float64),  # along i
    np.array([[10, 5, 5], [10, 6, 5], [10, 7, 5]], np.float64),  # along j
    np.array([[12, 20, 3], [13, 21, 4], [14, 22, 5], [15, 23, 6], [16, 24, 7]], np.float64),
]


@pytest.fixture
def vol(tmp_path: Path) -> volume.VolumeBox:
    path = make_volume(tmp_path / "vol.nii.gz")
    return volume.VolumeBox.from_header(volume.read_header(str(path)))


def run(tmp_path: Path, src: Path, vol: volume.VolumeBox | None, **kw: object) -> Path:
    out = tmp_path / "out"
    opts = convert.Options(input=src, volume=vol, **kw)  # type: ignore[arg-type]
    convert.convert(opts, store.LocalStore(out))
    return out


def test_neuroglancer_affine_is_the_qform(vol: volume.VolumeBox) -> None:
    np.testing.assert_allclose(vol.affine, AFFINE, atol=1e-5)
    assert vol.note is None


@pytest.mark.parametrize("fmt", ["trk", "trk-labels", "tck", "trx"])
def test_vertices_land_on_the_voxels_they_were_tracked_at(
    tmp_path: Path, vol: volume.VolumeBox, fmt: str
) -> None:
    world = [to_world(v) for v in VOXELS]
    if fmt.startswith("trk"):
        src = write_trk(tmp_path / "t.trk", world, labels=[7, 3, 7])
    elif fmt == "tck":
        src = write_tck(tmp_path / "t.tck", world)
    else:
        src = write_trx(tmp_path / "t.trx", world)
    key = "bundle" if fmt == "trk-labels" else None
    out = run(tmp_path, src, vol, bundle_key=key, group_size=10)
    info = json.loads((out / "skeletons/info").read_text())
    assert info["@type"] == "neuroglancer_skeletons"
    assert info["transform"] == [1e6, 0, 0, 0, 0, 1e6, 0, 0, 0, 0, 1e6, 0]  # mm -> nm
    seen = []
    for seg in sorted(p for p in (out / "skeletons").iterdir() if p.name.isdigit()):
        pos, _, _ = decode_skeleton(seg.read_bytes())
        seen.append(vol.to_voxel(pos))
    got = np.concatenate(seen)
    want = np.concatenate([VOXELS[0], VOXELS[2], VOXELS[1]] if key else VOXELS)
    np.testing.assert_allclose(got, want, atol=1e-3)


def write_trx(path: Path, streamlines: list[np.ndarray]) -> Path:
    import trx.trx_file_memmap as tmm
    from nibabel.streamlines import Tractogram

    vol_path = make_volume(path.with_name("ref.nii.gz"))
    trx = tmm.TrxFile.from_tractogram(
        Tractogram(streamlines, affine_to_rasmm=np.eye(4)), reference=str(vol_path)
    )
    trx.groups = {
        "left": np.array([0, 2], np.uint32),
        "right": np.array([1], np.uint32),
    }
    tmm.save(trx, str(path))
    return path


def test_trx_groups_become_segments(tmp_path: Path, vol: volume.VolumeBox) -> None:
    src = write_trx(tmp_path / "t.trx", [to_world(v) for v in VOXELS])
    out = run(tmp_path, src, vol, bundle_key="groups")
    props = json.loads((out / "skeletons/segment_properties/info").read_text())
    assert props["@type"] == "neuroglancer_segment_properties"
    inline = props["inline"]
    assert inline["ids"] == ["1", "2"]
    by_id = {p["id"]: p for p in inline["properties"]}
    assert by_id["label"]["values"] == ["left", "right"]
    assert by_id["streamlines"]["values"] == [2, 1]


def test_skeleton_round_trip_edges_and_orientation(tmp_path: Path, vol: volume.VolumeBox) -> None:
    world = [to_world(v) for v in VOXELS]
    out = run(tmp_path, write_trk(tmp_path / "t.trk", world), vol, group_size=2)
    pos1, edges1, (rgb1,) = decode_skeleton((out / "skeletons/1").read_bytes())
    pos2, edges2, (rgb2,) = decode_skeleton((out / "skeletons/2").read_bytes())
    np.testing.assert_allclose(pos1, np.concatenate(world[:2]), atol=1e-4)
    np.testing.assert_allclose(pos2, world[2], atol=1e-4)
    # 4-point + 3-point streamlines: 3 + 2 edges, none joining vertex 3 to vertex 4.
    assert edges1.tolist() == [[0, 1], [1, 2], [2, 3], [4, 5], [5, 6]]
    assert edges2.tolist() == [[0, 1], [1, 2], [2, 3], [3, 4]]
    np.testing.assert_allclose(rgb1[:4], [[1, 0, 0]] * 4, atol=1e-6)  # along i = along -x
    np.testing.assert_allclose(rgb1[4:], [[0, 1, 0]] * 3, atol=1e-6)
    d = np.abs(AFFINE[:3, :3] @ [1, 1, 1])
    np.testing.assert_allclose(rgb2[2], d / np.linalg.norm(d), atol=1e-5)
    props = json.loads((out / "skeletons/segment_properties/info").read_text())["inline"]
    lengths = props["properties"][2]["values"]
    assert lengths[0] == pytest.approx((3 * 2.0 + 2 * 1.5) / 2, abs=1e-3)


def test_polyline_record_matches_neuroglancers_writer() -> None:
    pts = np.array([[0, 0, 0], [1, 2, 3], [4, 4, 4.5]], np.float32)
    mine, rec = annotations.encode_polylines(pts, np.array([0, 3]))
    space = CoordinateSpace(names=["x", "y", "z"], units="m", scales=[1e-3] * 3)
    ng = NgAnnotationWriter(space, "polyline", properties=annotations.PROPERTIES)
    length = float(streamline_lengths(pts, np.array([0, 3]))[0])
    rgb = tuple(int(c) for c in streamline_rgb(pts, np.array([0, 3]))[0])
    ng.add_polyline(pts, length_mm=length, orientation=rgb)
    assert mine.tobytes() == ng.annotations[0].encoded
    assert rec.tolist() == [0, len(ng.annotations[0].encoded)]


def test_spatial_index_holds_every_streamline_once(tmp_path: Path, vol: volume.VolumeBox) -> None:
    rng = np.random.default_rng(1)
    world = []
    for _ in range(600):
        a, b = rng.uniform([4, 4, 4], [25, 35, 15], size=(2, 3))
        world.append(to_world(np.linspace(a, b, 6)))
    out = run(tmp_path, write_trk(tmp_path / "t.trk", world), vol, annotation_limit=50)
    info = json.loads((out / "annotations/info").read_text())
    assert info["annotation_type"] == "POLYLINE"
    assert len(info["spatial"]) >= 2
    span = np.subtract(info["upper_bound"], info["lower_bound"])
    level_of: dict[int, int] = {}
    for n, level in enumerate(info["spatial"]):
        np.testing.assert_allclose(np.multiply(level["grid_shape"], level["chunk_size"]), span)
        most = 0
        for cell in (out / "annotations" / level["key"]).iterdir():
            entries = decode_polyline_cell(cell.read_bytes())
            most = max(most, len(entries))
            lo = np.add(
                info["lower_bound"],
                [int(c) for c in cell.name.split("_")] * np.array(level["chunk_size"]),
            )
            for aid, pts, length, rgb in entries:
                assert level_of.setdefault(aid, n) == n  # one level per streamline
                np.testing.assert_allclose(pts, world[aid], atol=1e-4)
                two = np.array([0, len(pts)])
                assert length == pytest.approx(streamline_lengths(world[aid], two)[0], rel=1e-5)
                assert rgb == tuple(streamline_rgb(world[aid], two)[0])
                inside = ((pts >= lo - 1e-3) & (pts <= lo + level["chunk_size"] + 1e-3)).all(axis=1)
                assert inside.any()  # listed only in cells it passes through
        assert level["limit"] == most
    assert sorted(level_of) == list(range(600))
    assert sum(1 for v in level_of.values() if v == 0) < 150  # level 0 is a subsample
    by_id = (out / "annotations/by_id/17").read_bytes()
    assert by_id[:4] == (6).to_bytes(4, "little") and len(by_id) == 4 + 72 + 8


def test_counting_pass_without_volume_sets_bounds(tmp_path: Path) -> None:
    world = [to_world(v) for v in VOXELS]
    out = run(tmp_path, write_tck(tmp_path / "t.tck", world), None)
    info = json.loads((out / "annotations/info").read_text())
    allpts = np.concatenate(world)
    np.testing.assert_allclose(info["lower_bound"], allpts.min(axis=0), atol=1e-4)
    assert (np.array(info["upper_bound"]) > allpts.max(axis=0)).all()


def test_reader_batches_are_bounded(tmp_path: Path) -> None:
    world = [to_world(VOXELS[0])] * 25
    tract = reader.open_tractogram(write_trk(tmp_path / "t.trk", world))
    sizes = [b.count for b in tract.batches(10)]
    assert sizes == [10, 10, 5]
    assert tract.declared_count == 25 and SHAPE
