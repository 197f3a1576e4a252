"""The printed streamlines link in real Chromium (issue 16 items 1, 2 and 5).

A synthetic tractogram with a per-point FA is converted by the CLI with a gzipped NIfTI blob
(no extension, as LINC stores it) as `--volume`, and `--color-by FA`. The link is opened in the
stock Neuroglancer build served from one plain origin (`local_stack.plain_viewer`) that counts
every byte it answers:
- it opens on the whole-brain annotation view: no skeleton object is fetched (segments start
  unselected; only the skeleton info and segment properties), the annotation layer fetches a
  fraction of its objects, and the bundles are listed with their counts;
- the annotation shader that colours by `prop_fa()` compiles (the property exists), and so does
  the skeleton shader that colours by the `fa` vertex attribute once a bundle is selected.
"""

from __future__ import annotations

import gzip
import json
import time
import urllib.parse
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
import pytest

from linc_edge_auth import cli
from linc_edge_auth.streamlines.synth import synthesize_tractogram
from local_stack.plain_viewer import LAYER_STATUS_JS, PlainViewer
from tests.local_stack.test_browser_layers import _changed_pixels, _panel_3d

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
BLOB = "blobs/5d6e7f80-91a2-4b3c-8d4e-5f60718293a4"
COUNT = 20_000  # above 10,000: the default layout is sharded (read by HTTP ranges)
SKELETON_INFOS = {"/data/tracts/skeletons/info", "/data/tracts/skeletons/segment_properties/info"}


def _volume(path: Path) -> Path:
    """A 64^3 2 mm image with a bright ellipsoid, LAS like many scanners write."""
    ijk = np.indices((64, 64, 48)).astype(np.float32)
    inside = ((ijk[0] - 32) / 26) ** 2 + ((ijk[1] - 32) / 28) ** 2 + ((ijk[2] - 24) / 20) ** 2 < 1
    affine = np.array([[-2.0, 0, 0, 64], [0, 2.0, 0, -70], [0, 0, 2.0, -40], [0, 0, 0, 1]])
    img = nib.Nifti1Image((inside * 100).astype(np.float32), affine)
    img.header.set_xyzt_units("mm")
    img.set_qform(affine, 1)
    img.set_sform(affine, 1)
    nib.save(img, str(path))
    return path


@pytest.fixture
def converted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Any:
    data = tmp_path / "data"
    (data / "blobs").mkdir(parents=True)
    volume = _volume(tmp_path / "volume.nii")
    (data / BLOB).write_bytes(gzip.compress(volume.read_bytes()))
    tract = synthesize_tractogram(volume, tmp_path / "t.trk", count=COUNT, points=40, fa=True)
    with PlainViewer(REPO / "viewer/dist", data) as viewer:
        monkeypatch.setenv("LINC_VIEWER_URL", viewer.origin)
        argv = [
            "streamlines", "convert", str(tract), str(data / "tracts"),
            "--volume", str(data / BLOB), "--volume-url", f"{viewer.origin}/data/{BLOB}",
            "--data-url", f"{viewer.origin}/data/tracts", "--bundle-key", "bundle",
            "--color-by", "FA",
        ]  # fmt: skip
        assert cli.main(argv) == 0
        link = capsys.readouterr().out.strip().splitlines()[-1]
        yield viewer, link, data


def _by_name(layers: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {layer["name"]: layer for layer in layers}


def _compiled(page: Any, name: str, timeout_s: float = 90) -> dict[str, Any]:
    """The layer's status once Neuroglancer has compiled its shader (it does on first draw)."""
    deadline = time.monotonic() + timeout_s
    while True:
        layer = _by_name(page.evaluate(LAYER_STATUS_JS))[name]
        if layer["shader_error"] != "not compiled" or time.monotonic() > deadline:
            return layer
        page.wait_for_timeout(500)


def test_link_opens_on_the_whole_brain_view(converted: Any, browser_context: Any) -> None:
    viewer, link, data = converted
    page = browser_context.new_page()
    layers = _by_name(viewer.settle(page, link))
    seen = page.evaluate("() => JSON.stringify(viewer.state.toJSON())")
    assert set(layers) == {"volume", "t (bundles)", "t (whole brain)"}, (layers, seen, link)
    assert all(layer["loaded"] and not layer["errors"] for layer in layers.values()), layers
    whole = layers["t (whole brain)"]
    assert whole["shader_error"] is None, whole  # prop_fa() compiled: the property exists
    assert "fa" in whole["properties"] and "orientation" in whole["properties"], whole

    fetched = {path for path, status, _ in viewer.log if status in (200, 206)}
    skeletons = {p for p in fetched if p.startswith("/data/tracts/skeletons/")}
    assert skeletons == SKELETON_INFOS
    assert f"/data/{BLOB}" in fetched  # the gzipped, extensionless volume was drawn
    spatial = [p for p in fetched if "/annotations/spatial" in p]
    assert spatial, sorted(fetched)
    written = sum(f.stat().st_size for f in (data / "tracts/annotations").rglob("*") if f.is_file())
    assert viewer.fetched("tracts/annotations/") < written / 2, (viewer.fetched(), written)

    # The coarse level alone draws the whole brain: hiding the layer changes the 3D panel.
    shown = _panel_3d(page)
    state = json.loads(urllib.parse.unquote(link.partition("#!")[2]))
    for layer in state["layers"]:
        layer["visible"] = layer["type"] != "annotation"
    viewer.settle(page, link.partition("#!")[0] + "#!" + urllib.parse.quote(json.dumps(state)))
    assert _changed_pixels(shown, _panel_3d(page)) > 300, "the whole-brain layer drew nothing"

    # The segment list (the bundles layer's "Seg." tab) names each bundle with its size.
    for layer in state["layers"]:
        layer["visible"] = True
        if layer["type"] == "segmentation":
            layer["tab"] = "segments"
    state["selectedLayer"] = {"layer": "t (bundles)", "visible": True}
    viewer.settle(page, link.partition("#!")[0] + "#!" + urllib.parse.quote(json.dumps(state)))
    for bundle in range(4):
        entry = page.locator(".neuroglancer-segment-list-entry", has_text=f"bundle {bundle}")
        entry.first.wait_for(timeout=20_000)
        counts = entry.first.locator(".neuroglancer-segment-list-entry-extra-property")
        assert str(COUNT // 4) in counts.all_inner_texts(), counts.all_inner_texts()


def test_selected_bundle_is_coloured_by_fa(converted: Any, browser_context: Any) -> None:
    viewer, link, _ = converted
    prefix, _, fragment = link.partition("#!")
    state = json.loads(urllib.parse.unquote(fragment))
    for layer in state["layers"]:
        if layer["type"] == "segmentation":
            layer["segments"] = ["1"]
            assert "fa - (" in layer["skeletonRendering"]["shader"]
    url = prefix + "#!" + urllib.parse.quote(json.dumps(state), safe="")
    page = browser_context.new_page()
    viewer.settle(page, url)
    got = {p for p, status, _ in viewer.log if status in (200, 206)}
    assert {p for p in got if p.startswith("/data/tracts/skeletons/")} - SKELETON_INFOS, got
    bundles = _compiled(page, "t (bundles)")
    assert bundles["loaded"] and not bundles["errors"], bundles
    assert bundles["shader_error"] is None, bundles  # the `fa` vertex attribute exists

    # The check can fail: a shader naming an attribute the skeletons lack does not compile.
    for layer in state["layers"]:
        if layer["type"] == "segmentation":
            layer["skeletonRendering"]["shader"] = "void main() { emitRGB(vec3(md, 0.0, 0.0)); }"
    viewer.settle(page, prefix + "#!" + urllib.parse.quote(json.dumps(state), safe=""))
    broken = _compiled(page, "t (bundles)")
    assert broken["shader_error"] and "md" in broken["shader_error"], broken
