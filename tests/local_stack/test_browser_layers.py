"""Every sample layer loads through the signed-cookie path, in real Chromium (issues 6 and 7).

- A link built by the CLI (`linc-edge-auth link`, a subprocess pointed at the running stack with
  LINC_VIEWER_URL / LINC_BUCKET / LINC_DATA_PREFIXES) on the OME-Zarr and the NIfTI: every layer
  loads without error and every data request it makes is answered 200.
- The printed sample link (OME-Zarr, NIfTI, streamline skeletons and polylines): the same, the
  skeleton and annotation objects come back 200 with CloudFront cookies, and each streamlines
  layer changes the 3D panel compared with the same state with that layer `visible: false`.
Each test signs in on a fresh profile, so every object is fetched (and logged) once; the
visibility variants are fragment-only navigations (Neuroglancer follows `hashchange`).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from tests.local_stack.client import data_entries, reset_stats, stats

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM_SETTLE_S = 30
# Layer state from Neuroglancer's own objects: name, whether every data source finished
# loading, and the error of each one that failed (window.viewer is set by the stock build).
LAYER_STATUS_JS = """() => viewer.layerManager.managedLayers.map(m => ({
  name: m.name,
  loaded: m.layer !== null && m.layer.dataSources.every(d => d.loadState !== undefined),
  errors: m.layer === null ? [] : m.layer.dataSources
    .filter(d => d.loadState !== undefined && d.loadState.error !== undefined)
    .map(d => String(d.loadState.error.message || d.loadState.error)),
}))"""


def _state_of(url: str) -> dict[str, Any]:
    state: dict[str, Any] = json.loads(urllib.parse.unquote(url.split("#!", 1)[1]))
    return state


def _url_of(info: dict[str, Any], state: dict[str, Any]) -> str:
    text = json.dumps(state, separators=(",", ":"))
    return info["viewer_url"] + "#!" + urllib.parse.quote(text, safe="")


def _cli_link(info: dict[str, Any]) -> str:
    env = {
        **os.environ,
        "LINC_VIEWER_URL": info["viewer_url"],
        "LINC_BUCKET": info["buckets"]["assets"],
        "LINC_DATA_PREFIXES": ",".join(info["data_prefixes"]),
    }
    bucket = info["buckets"]["assets"]
    cli = Path(sys.executable).with_name("linc-edge-auth")
    result = subprocess.run(
        [
            str(cli), "link", "--format", "zarr", "--format", "nifti",
            "--name", "brain (OME-Zarr)", "--name", "brain (NIfTI)",
            f"s3://{bucket}{info['assets']['zarr']}", f"s3://{bucket}{info['assets']['nifti']}",
        ],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _signed_in(info: dict[str, Any], context: Any, url: str) -> Any:
    """A fresh tab on `url`, signed in as alice at the archive stand-in on the way."""
    page = context.new_page()
    page.goto(url)
    page.wait_for_url(info["archive_login_url"] + "**", timeout=20_000)
    page.wait_for_selector("#username", timeout=20_000)
    page.fill("#username", "alice")
    page.click("#sign-in")
    page.wait_for_selector(".neuroglancer-layer-item", timeout=30_000)
    return page


def _show(page: Any, url: str) -> list[dict[str, Any]]:
    """Go to `url` (fragment-only when already on the viewer) and wait until layers load."""
    page.goto(url)
    deadline = time.monotonic() + CHROMIUM_SETTLE_S
    while True:
        layers: list[dict[str, Any]] = page.evaluate(LAYER_STATUS_JS)
        if (layers and all(layer["loaded"] for layer in layers)) or time.monotonic() > deadline:
            return layers
        page.wait_for_timeout(250)


def _panel_3d(page: Any) -> bytes:
    """The 3D panel (the right one in xy-3d), once two shots a second apart are identical."""
    panels = page.locator(".neuroglancer-rendered-data-panel")
    boxes = [panels.nth(i).bounding_box() for i in range(panels.count())]
    right = max(range(len(boxes)), key=lambda i: boxes[i]["x"])
    previous = b""
    deadline = time.monotonic() + CHROMIUM_SETTLE_S
    while time.monotonic() < deadline:
        page.wait_for_timeout(1000)
        shot: bytes = panels.nth(right).screenshot()
        if shot == previous:
            break
        previous = shot
    return previous


def _changed_pixels(a: bytes, b: bytes) -> int:
    from PIL import Image, ImageChops

    first = Image.open(io.BytesIO(a)).convert("RGB")
    second = Image.open(io.BytesIO(b)).convert("RGB")
    assert first.size == second.size
    diff = ImageChops.difference(first, second).convert("L").point(lambda v: 255 if v > 24 else 0)
    return int(diff.histogram()[255])


def _assert_data_ok(info: dict[str, Any], prefixes: list[str]) -> list[dict[str, Any]]:
    data = data_entries(stats(info))
    for prefix in prefixes:
        mine = [e for e in data if e["path"].startswith(prefix)]
        assert any(e["status"] in (200, 206) for e in mine), (prefix, data)
    # Neuroglancer may probe keys that do not exist; S3 behind OAC answers those 403. Nothing
    # that exists may be refused: every refused path must be absent from the bucket too.
    refused = [e for e in data if e["status"] not in (200, 206)]
    assert all(e["path"].endswith(("/.zarray", "/zarr.json")) for e in refused), refused
    assert all(e["cloudfront_cookies"] for e in data)
    return data


def test_cli_link_on_the_sample_volume_loads_every_layer(
    local_stack: dict[str, Any], browser_context: Any
) -> None:
    url = _cli_link(local_stack)
    state = _state_of(url)
    assert [layer["name"] for layer in state["layers"]] == ["brain (OME-Zarr)", "brain (NIfTI)"]
    reset_stats(local_stack)
    signed_in = _signed_in(local_stack, browser_context, url)
    layers = _show(signed_in, url)
    assert [layer["name"] for layer in layers] == ["brain (OME-Zarr)", "brain (NIfTI)"]
    assert all(layer["loaded"] and not layer["errors"] for layer in layers), layers
    _panel_3d(signed_in)  # let the chunks arrive
    assets = local_stack["assets"]
    data = _assert_data_ok(local_stack, [assets["zarr"], assets["nifti"]])
    assert any(e["path"] == assets["nifti"] and e["status"] in (200, 206) for e in data)


def test_sample_link_draws_streamlines_over_the_volume(
    local_stack: dict[str, Any], browser_context: Any
) -> None:
    state = _state_of(local_stack["sample_link"])
    names = [layer["name"] for layer in state["layers"]]
    kinds = [layer["type"] for layer in state["layers"]]
    assert kinds == ["image", "image", "segmentation", "annotation"], names
    reset_stats(local_stack)
    signed_in = _signed_in(local_stack, browser_context, local_stack["sample_link"])
    layers = _show(signed_in, local_stack["sample_link"])
    assert [layer["name"] for layer in layers] == names
    assert all(layer["loaded"] and not layer["errors"] for layer in layers), layers
    shown = _panel_3d(signed_in)
    if out := os.environ.get("LOCAL_STACK_SCREENSHOT"):  # for a human: every layer together
        Path(out).write_bytes(signed_in.screenshot())
    assets = local_stack["assets"]
    tracts = assets["streamlines"]
    data = _assert_data_ok(
        local_stack,
        [assets["zarr"], assets["nifti"], tracts + "skeletons/", tracts + "annotations/"],
    )
    got = {e["path"] for e in data if e["status"] == 200}
    for segment in assets["streamlines_segments"]:
        assert f"{tracts}skeletons/{segment}" in got, sorted(got)
    assert tracts + "annotations/info" in got

    def without(*hidden: str) -> bytes:
        variant = json.loads(json.dumps(state))
        for layer in variant["layers"]:
            if layer["type"] in hidden:
                layer["visible"] = False
        _show(signed_in, _url_of(local_stack, variant))
        return _panel_3d(signed_in)

    neither = without("segmentation", "annotation")
    skeletons_only = without("annotation")
    polylines_only = without("segmentation")
    assert _changed_pixels(skeletons_only, neither) > 300, "the skeleton layer drew nothing"
    assert _changed_pixels(polylines_only, neither) > 300, "the annotation layer drew nothing"
    assert _changed_pixels(shown, neither) > 300
    # Hidden layers really are off: the same state twice gives the same picture.
    assert _changed_pixels(without("segmentation", "annotation"), neither) < 50
