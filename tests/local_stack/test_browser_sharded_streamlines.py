"""Neuroglancer 2.41 reads the sharded streamlines layout, in real Chromium (issue 16 item 4).

The local stack serves the sample tractogram twice: one file per object, and sharded
(`neuroglancer_uint64_sharded_v1` skeletons, annotation `by_id` and spatial levels). The sample
link's streamlines layers are pointed at the sharded copy, with one bundle segment selected and
one annotation selected by id (Neuroglancer looks it up in the sharded `by_id` index):
- every layer loads without error, and every data request is answered 200/206 with cookies;
- the selection panel shows the selected annotation's properties (read from `by_id`);
- the selected bundle's skeleton is drawn (the 3D panel changes against no segment selected).
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.local_stack.client import data_entries, stats
from tests.local_stack.test_browser_layers import (
    CHROMIUM_SETTLE_S,
    _assert_data_ok,
    _changed_pixels,
    _panel_3d,
    _show,
    _signed_in,
    _state_of,
    _url_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ANNOTATION_ID = 17
SELECTION_TEXT_JS = """() => Array.from(document.querySelectorAll(
  '.neuroglancer-selection-details-layer')).map(e => e.innerText).join('\\n')"""


def _sharded_state(info: dict[str, Any], segments: list[str]) -> dict[str, Any]:
    state = _state_of(info["sample_link"])
    plain, sharded = info["assets"]["streamlines"], info["assets"]["streamlines_sharded"]
    annotation_layer = ""
    for layer in state["layers"]:
        if layer["type"] not in ("segmentation", "annotation"):
            continue
        text = json.dumps(layer["source"])
        assert plain in text, text
        layer["source"] = json.loads(text.replace(plain, sharded))
        if layer["type"] == "segmentation":
            layer["segments"] = segments
        else:
            annotation_layer = layer["name"]
    state["selection"] = {
        "layers": {annotation_layer: {"annotationId": str(ANNOTATION_ID), "annotationSource": 0}},
        "visible": True,
    }
    return state


def test_sharded_layout_loads_selects_by_id_and_draws_a_bundle(
    local_stack: dict[str, Any], browser_context: Any
) -> None:
    sharded = local_stack["assets"]["streamlines_sharded"]
    segment = str(local_stack["assets"]["streamlines_segments"][1])
    url = _url_of(local_stack, _sharded_state(local_stack, [segment]))
    page = _signed_in(local_stack, browser_context, url)
    layers = _show(page, url)
    assert all(layer["loaded"] and not layer["errors"] for layer in layers), layers

    # The selected annotation comes from the sharded by_id index: its properties are shown.
    deadline = time.monotonic() + CHROMIUM_SETTLE_S
    text = ""
    while time.monotonic() < deadline:
        text = page.evaluate(SELECTION_TEXT_JS)
        if "length_mm" in text or "length (mm)" in text:
            break
        page.wait_for_timeout(250)
    assert "length" in text and "Loading" not in text, text
    shown = _panel_3d(page)

    data = _assert_data_ok(local_stack, [sharded + "skeletons/", sharded + "annotations/by_id/"])
    got = {e["path"] for e in data if e["status"] in (200, 206)}
    assert any(p.startswith(sharded + "skeletons/") and p.endswith(".shard") for p in got), got
    assert any(p.startswith(sharded + "annotations/by_id/") and p.endswith(".shard")
               for p in got), got  # fmt: skip
    assert any(p.startswith(sharded + "annotations/spatial") and p.endswith(".shard")
               for p in got), got  # fmt: skip
    assert all(e["cloudfront_cookies"] for e in data_entries(stats(local_stack)))

    # The bundle is drawn from its shard: hiding the annotations, segment vs no segment.
    def skeletons_only(segments: list[str]) -> bytes:
        state = _sharded_state(local_stack, segments)
        for layer in state["layers"]:
            if layer["type"] == "annotation":
                layer["visible"] = False
        _show(page, _url_of(local_stack, state))
        return _panel_3d(page)

    assert _changed_pixels(skeletons_only([segment]), skeletons_only([])) > 300
    assert shown
