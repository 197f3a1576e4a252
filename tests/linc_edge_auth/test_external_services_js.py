"""`external_services.js` (the web app's serviceURL with our two placeholders) under Node, against
the Python builder: for the same asset, the state JSON in the URL it makes is byte for byte the
one `linc_edge_auth.viewer_state` (what `linc-edge-auth link` uses) makes; and the docs carry
that very function.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from linc_edge_auth import external_services as es
from linc_edge_auth.asset_refs import Deployment
from linc_edge_auth.viewer_state import LayerSpec, build_state, viewer_link

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "src/linc_edge_auth/external_services.js"
DOCS = ROOT / "docs/external-services.md"
NODE = shutil.which("node")
if NODE is None:
    if os.environ.get("CI") == "true":
        raise RuntimeError("node is required in CI for the External Services function test")
    pytestmark = pytest.mark.skip(
        reason="NO NODE.JS ON THIS MACHINE: external_services.js untested"
    )

B = "linc-brain-mit-prod-us-east-2"
Z = "0b5b0a8e-4e6f-4a52-9a2c-2f3d1c0e9f10"
BLOB = "blobs/3f2/a1c/3f2a1c9e-1b2d-4c3e-8f40-5a6b7c8d9e0f"
NAMES = [
    "sub-MR1_sample-slab1_SPIM",
    'odd "name" & 50% #1 +x',
    "back\\slash/?=:;,",
    "caf\u00e9 \u00fcber \u4e2d\u6587",
    "emoji \U0001f9e0 brain",
    "tab\there\u2028line",
    "\x7fdel<>'`",
]
CASES = [
    (f"sub-1/micr/{name}.ome.zarr", f"https://{B}.s3.amazonaws.com/zarr/{Z}/", "zarr")
    for name in NAMES
] + [
    (f"sub-1/dwi/{name}.nii.gz", f"https://{B}.s3.amazonaws.com/{BLOB}", "nifti") for name in NAMES
]


def run_node(calls: list[dict[str, Any]]) -> list[str]:
    program = (
        f"const {{ serviceURL }} = require({json.dumps(str(SCRIPT))});"
        "const calls = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(calls.map((c) => serviceURL(c.endpoint, c.data))));"
    )
    done = subprocess.run(
        [str(NODE), "-e", program],
        input=json.dumps(calls),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result: list[str] = json.loads(done.stdout)
    return result


def fragment_json(url: str) -> str:
    return urllib.parse.unquote(urllib.parse.urlsplit(url).fragment.removeprefix("!"))


@pytest.mark.parametrize("viewer", ["https://neuroglancer.lincbrain.org", "https://ng.example.org"])
def test_node_function_gives_the_python_state_byte_for_byte(viewer: str) -> None:
    deployment = Deployment(viewer_url=viewer)
    calls, expected = [], []
    for asset_path, s3_url, fmt in CASES:
        (entry,) = es.matching(es.entries(deployment), asset_path)
        data = {
            "dandisetId": "000003",
            "dandisetVersion": "draft",
            "assetUrl": s3_url.rstrip("/"),
            "assetDandiUrl": "https://api.lincbrain.org/api/assets/x/download/",
            "assetS3Url": s3_url.rstrip("/"),  # trimEnd(asset.url, '/'), as the web app does
            "assetPath": asset_path,
        }
        calls.append({"endpoint": entry["endpoint"], "data": data})
        key = urllib.parse.urlsplit(s3_url).path
        url = viewer + key  # the zarr S3 URL keeps its trailing slash, as the entry does
        name = asset_path.rsplit("/", 1)[-1]
        expected.append(
            viewer_link(build_state([LayerSpec(url=url, format=fmt, name=name)]), deployment)
        )
    urls = run_node(calls)
    assert len(urls) == len(CASES)
    for url, reference, (asset_path, _, _) in zip(urls, expected, CASES, strict=True):
        assert url.startswith(viewer + "/#!")
        assert fragment_json(url) == fragment_json(reference), asset_path
        # ...and what the Python mirror of the web app renders, character for character.
        call = calls[urls.index(url)]
        assert url == es.render(
            call["endpoint"], asset_path=asset_path, asset_s3_url=call["data"]["assetS3Url"]
        )
        name = json.loads(fragment_json(url))["layers"][0]["name"]
        assert name == asset_path.rsplit("/", 1)[-1]


def test_docs_carry_the_tested_function() -> None:
    """The doc's TypeScript is the tested function with the web app's typed signature."""
    js = SCRIPT.read_text()
    body = js[js.index("function serviceURL(") : js.index("\nif (typeof module")].rstrip()
    typed = body.replace(
        "function serviceURL(endpoint, data) {",
        "function serviceURL(endpoint: string, data: {\n"
        "  dandisetId: string,\n"
        "  dandisetVersion: string,\n"
        "  assetUrl: string,\n"
        "  assetDandiUrl: string,\n"
        "  assetS3Url: string,\n"
        "  assetPath: string,\n"
        "}) {",
        1,
    )
    assert typed != body
    assert typed in DOCS.read_text()
