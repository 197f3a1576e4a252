"""Scalars ride into both layers (issue 16.5); the link selects no bundle unless asked (16.2)."""

from __future__ import annotations

import json
from pathlib import Path

import neuroglancer
import numpy as np
import pytest
from neuroglancer import CoordinateSpace
from neuroglancer.write_annotations import AnnotationWriter as NgAnnotationWriter
from nibabel.streamlines import Tractogram, TrkFile

from linc_edge_auth import cli
from linc_edge_auth.errors import UserError
from linc_edge_auth.streamlines import annotations, convert, layers, scalars, store
from linc_edge_auth.streamlines.geometry import streamline_lengths, streamline_rgb
from tests.linc_edge_auth.streamlines.helpers import (
    AFFINE,
    SHAPE,
    decode_skeleton,
    make_volume,
    to_world,
)

VOXELS = [
    np.array([[5, 10, 4], [6, 10, 4], [7, 10, 4], [8, 10, 4]], np.float64),
    np.array([[10, 5, 5], [10, 6, 5], [10, 7, 5]], np.float64),
    np.array([[12, 20, 3], [13, 21, 4], [14, 22, 5], [15, 23, 6], [16, 24, 7]], np.float64),
]
WORLD = [to_world(v) for v in VOXELS]
FA = [np.linspace(0.1, 0.4, len(v)).astype(np.float32) for v in VOXELS]
PEAKS = [np.arange(3 * len(v), dtype=np.float32).reshape(-1, 3) for v in VOXELS]
WEIGHT = np.array([2.5, -1.0, 7.0], np.float32)
BUNDLE = np.array([3, 7, 3], np.float32)


def write_trk_scalars(path: Path) -> Path:
    t = Tractogram(
        WORLD,
        data_per_point={"FA": [f[:, None] for f in FA], "peaks": PEAKS},
        data_per_streamline={"weight": WEIGHT[:, None], "bundle": BUNDLE[:, None]},
        affine_to_rasmm=np.eye(4),
    )
    header = {
        "voxel_to_rasmm": AFFINE.astype(np.float32),
        "dimensions": np.array(SHAPE, np.int16),
        "voxel_sizes": np.linalg.norm(AFFINE[:3, :3], axis=0).astype(np.float32),
        "voxel_order": "LAS",
    }
    TrkFile(t, header=header).save(str(path))
    return path


def write_trx_scalars(path: Path) -> Path:
    import trx.trx_file_memmap as tmm

    ref = make_volume(path.with_name("ref.nii.gz"))
    t = Tractogram(
        WORLD,
        data_per_point={"FA": [f[:, None] for f in FA], "peaks": PEAKS},
        data_per_streamline={"weight": WEIGHT[:, None], "bundle": BUNDLE[:, None]},
        affine_to_rasmm=np.eye(4),
    )
    tmm.save(tmm.TrxFile.from_tractogram(t, reference=str(ref)), str(path))
    return path


WRITERS = {"trk": write_trk_scalars, "trx": write_trx_scalars}


def test_scalar_ids_follow_neuroglancer_rules() -> None:
    plan = scalars.plan_scalars(
        {"FA": 1, "peaks": 2, "orientation": 1, "2nd-order": 1}, {"Mean FA": 1, "fa": 1}
    )
    ids = [s.id for s in plan]
    assert ids == ["s_2nd_order", "fa", "orientation_", "peaks_0", "peaks_1", "mean_fa", "fa_"]
    assert all(__import__("re").match(r"^[a-z][a-zA-Z0-9_]*$", i) for i in ids)
    assert scalars.find_scalar(plan, "FA").id == "fa"
    assert scalars.find_scalar(plan, "peaks").id == "peaks_0"
    with pytest.raises(UserError, match=r"--color-by 'md': the tractogram has no such value"):
        scalars.find_scalar(plan, "md")


@pytest.mark.parametrize("fmt", ["trk", "trx"])
def test_scalars_in_skeletons_and_annotations(tmp_path: Path, fmt: str) -> None:
    src = WRITERS[fmt](tmp_path / f"t.{fmt}")
    out = tmp_path / "out"
    result = convert.convert(convert.Options(input=src, bundle_key="bundle"), store.LocalStore(out))
    ids = [s.id for s in result.scalars]
    assert ids == ["fa", "peaks_0", "peaks_1", "peaks_2", "bundle", "weight"]
    assert result.ranges.range("fa") == pytest.approx((0.1, 0.4))
    assert result.ranges.range("weight") == (-1.0, 7.0)

    info = json.loads((out / "skeletons/info").read_text())
    assert [a["id"] for a in info["vertex_attributes"]] == ["orientation", *ids]
    assert all(a["data_type"] == "float32" for a in info["vertex_attributes"])
    # Bundle 3 (segment 1) holds streamlines 0 and 2, in file order.
    _, _, attrs = decode_skeleton((out / "skeletons/1").read_bytes(), (3, 1, 1, 1, 1, 1, 1))
    fa, p0, _, p2, bundle, weight = (a[:, 0] for a in attrs[1:])
    np.testing.assert_allclose(fa, np.concatenate([FA[0], FA[2]]))
    np.testing.assert_allclose(p0, np.concatenate([PEAKS[0][:, 0], PEAKS[2][:, 0]]))
    np.testing.assert_allclose(p2, np.concatenate([PEAKS[0][:, 2], PEAKS[2][:, 2]]))
    np.testing.assert_allclose(weight, [2.5] * 4 + [7.0] * 5)
    np.testing.assert_allclose(bundle, [3.0] * 9)

    ainfo = json.loads((out / "annotations/info").read_text())
    props = [p["id"] for p in ainfo["properties"]]
    assert props == ["length_mm", *ids, "orientation"]
    assert "FA (mean over the streamline)" in ainfo["properties"][1]["description"]
    # Each record equals what Neuroglancer's own Python writer encodes for the same values.
    space = CoordinateSpace(names=["x", "y", "z"], units="m", scales=[1e-3] * 3)
    ng = NgAnnotationWriter(space, "polyline", properties=annotations.properties(result.scalars))
    for i, pts in enumerate(WORLD):
        two = np.array([0, len(pts)])
        ng.add_polyline(
            pts,
            length_mm=float(streamline_lengths(pts, two)[0]),
            fa=float(FA[i].astype(np.float64).mean()),
            peaks_0=float(PEAKS[i][:, 0].mean()),
            peaks_1=float(PEAKS[i][:, 1].mean()),
            peaks_2=float(PEAKS[i][:, 2].mean()),
            weight=float(WEIGHT[i]),
            bundle=float(BUNDLE[i]),
            orientation=tuple(int(c) for c in streamline_rgb(pts, two)[0]),
        )
        assert (out / f"annotations/by_id/{i}").read_bytes() == ng.annotations[i].encoded


def test_no_scalars_keeps_the_plain_layout(tmp_path: Path) -> None:
    t = Tractogram(WORLD, affine_to_rasmm=np.eye(4))
    src = tmp_path / "t.tck"
    __import__("nibabel").streamlines.TckFile(t).save(str(src))
    result = convert.convert(convert.Options(input=src), store.LocalStore(tmp_path / "o"))
    assert result.scalars == []
    info = json.loads((tmp_path / "o/skeletons/info").read_text())
    assert [a["id"] for a in info["vertex_attributes"]] == ["orientation"]
    record = (tmp_path / "o/annotations/by_id/1").read_bytes()
    assert len(record) == 4 + 12 * 3 + 8


def test_select_bundles() -> None:
    names = {1: "AF_L", 2: "AF_R", 3: "CST_L"}
    assert layers.select_bundles(names, [""]) == []
    assert layers.select_bundles(names, ["af_r", " 3", "AF_R"]) == [2, 3]
    with pytest.raises(UserError, match=r"--bundles: no bundle 'UF' \(bundles: AF_L, AF_R, CST"):
        layers.select_bundles(names, ["UF"])


def _link_state(out: str) -> neuroglancer.ViewerState:
    return neuroglancer.parse_url(out.strip().splitlines()[-1])


def test_cli_link_selects_nothing_and_colours_by_fa(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINC_VIEWER_URL", "https://v.example")
    src = write_trk_scalars(tmp_path / "t.trk")
    base = ["streamlines", "convert", str(src), "--bundle-key", "bundle", "--data-url"]
    assert cli.main([*base, "https://v.example/zarr/t", str(tmp_path / "a")]) == 0
    state = _link_state(capsys.readouterr().out)
    bundles, whole = state.layers["t (bundles)"], state.layers["t (whole brain)"]
    assert list(bundles.segments) == []  # opening the link fetches no skeleton
    assert (
        "prop_orientation()" in whole.shader and "emitRGB(orientation)" in bundles.skeleton_shader
    )

    argv = [*base, "https://v.example/zarr/u", str(tmp_path / "b"), "--color-by", "FA"]
    assert cli.main([*argv, "--bundles", "bundle 7"]) == 0
    state = _link_state(capsys.readouterr().out)
    bundles, whole = state.layers["t (bundles)"], state.layers["t (whole brain)"]
    assert list(bundles.segments) == [2]
    assert "colormapJet(clamp((prop_fa() - (1.000000e-01)) / 3.000000e-01" in whole.shader
    assert "emitRGB(colormapJet(clamp((fa - (1.000000e-01))" in bundles.skeleton_shader


def test_cli_unknown_color_by_fails_before_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_trk_scalars(tmp_path / "t.trk")
    code = cli.main(["streamlines", "convert", str(src), str(tmp_path / "o"), "--color-by", "MD"])
    err = capsys.readouterr().err
    assert code == 2 and "--color-by 'MD': the tractogram has no such value (has: FA" in err, err
    assert not (tmp_path / "o").exists() and not list(tmp_path.glob(".o.partial-*"))
