"""Neuroglancer states and links: round trip through neuroglancer's own parser."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import neuroglancer
import pytest

from linc_edge_auth.asset_refs import Deployment
from linc_edge_auth.errors import UserError
from linc_edge_auth.fetch import http_fetcher
from linc_edge_auth.viewer_state import (
    LayerSpec,
    build_state,
    resolve_layer,
    state_json,
    viewer_link,
)

B = "linc-brain-mit-prod-us-east-2"
Z = "0b5b0a8e-4e6f-4a52-9a2c-2f3d1c0e9f10"
BLOB = "blobs/3f2/a1c/3f2a1c9e-1b2d-4c3e-8f40-5a6b7c8d9e0f"
LINC = Deployment()


def test_single_zarr_link_round_trips() -> None:
    spec = resolve_layer(f"s3://{B}/zarr/{Z}/", LINC, name="slab 1")
    url = viewer_link(build_state([spec]), LINC)
    assert url.startswith("https://neuroglancer.lincbrain.org/#!")
    state = neuroglancer.parse_url(url)
    assert state.layout.type == "4panel"
    (layer,) = state.layers
    assert layer.name == "slab 1"
    assert layer.type == "image"
    assert layer.source[0].url == f"https://neuroglancer.lincbrain.org/zarr/{Z}/|zarr:"


def test_many_layers_share_one_viewer() -> None:
    specs = [
        resolve_layer(f"s3://{B}/{BLOB}", LINC, fmt="nifti", name="dMRI"),
        resolve_layer(f"s3://{B}/zarr/{Z}/", LINC, name="HiP-CT", layer_type="segmentation"),
    ]
    state = neuroglancer.parse_url(viewer_link(build_state(specs), LINC))
    assert state.layout.type == "xy-3d"
    assert [(la.name, la.type) for la in state.layers] == [
        ("dMRI", "image"),
        ("HiP-CT", "segmentation"),
    ]
    assert state.layers["dMRI"].source[0].url == (
        f"https://neuroglancer.lincbrain.org/{BLOB}|nifti:"
    )


def test_layout_shader_and_contrast() -> None:
    spec = LayerSpec(
        url=f"https://neuroglancer.lincbrain.org/zarr/{Z}/",
        format="zarr",
        name="a",
        shader="#uicontrol invlerp normalized\nvoid main() { emitGrayscale(normalized()); }",
        contrast=(10.0, 900.0),
    )
    state = neuroglancer.parse_url(viewer_link(build_state([spec], layout="xy"), LINC))
    assert state.layout.type == "xy"
    layer = state.layers["a"]
    assert layer.shader.startswith("#uicontrol invlerp normalized")
    assert list(layer.shader_controls["normalized"].range) == [10.0, 900.0]


def test_bad_layer_options_are_user_errors() -> None:
    spec = LayerSpec(url="https://v/zarr/x/", format="zarr", name="a")
    with pytest.raises(UserError, match="--layout 'grid'"):
        build_state([spec], layout="grid")
    with pytest.raises(UserError, match=r"--range 5\.0,1\.0"):
        build_state([LayerSpec(**{**spec.__dict__, "contrast": (5.0, 1.0)})])
    seg = LayerSpec(**{**spec.__dict__, "layer_type": "segmentation", "shader": "x"})
    with pytest.raises(UserError, match="image layers only"):
        build_state([seg])
    with pytest.raises(UserError, match="at least one asset"):
        build_state([])


def test_skeleton_segmentation_and_annotation_layers_round_trip() -> None:
    base = "https://neuroglancer.lincbrain.org/zarr/tracts/t"
    skeletons = LayerSpec(
        url=f"{base}/skeletons",
        format="precomputed",
        name="bundles",
        layer_type="segmentation",
        segments=(3, 1, 2),
        skeleton_shader="void main() { emitRGB(orientation); }",
    )
    points = LayerSpec(
        url=f"{base}/annotations",
        format="precomputed",
        name="whole brain",
        layer_type="annotation",
        shader="void main() { setColor(prop_orientation()); }",
    )
    state = neuroglancer.parse_url(viewer_link(build_state([skeletons, points]), LINC))
    seg, ann = state.layers["bundles"], state.layers["whole brain"]
    assert seg.type == "segmentation" and sorted(seg.segments) == [1, 2, 3]
    assert seg.skeleton_shader == "void main() { emitRGB(orientation); }"
    assert seg.source[0].url == f"{base}/skeletons|neuroglancer-precomputed:"
    assert ann.type == "annotation" and ann.shader.startswith("void main() { setColor(")
    assert ann.source[0].url == f"{base}/annotations|neuroglancer-precomputed:"
    legacy = json.loads(state_json(build_state([skeletons], legacy_sources=True)))
    assert legacy["layers"][0]["source"][0]["url"] == f"precomputed://{base}/skeletons"


def test_layer_options_for_other_layer_types_are_refused() -> None:
    image = LayerSpec(url="https://v/zarr/x/", format="zarr", name="a")
    with pytest.raises(UserError, match="apply to segmentation layers"):
        build_state([LayerSpec(**{**image.__dict__, "segments": (1,)})])
    with pytest.raises(UserError, match="apply to segmentation layers"):
        build_state([LayerSpec(**{**image.__dict__, "skeleton_shader": "x"})])
    ann = LayerSpec(url="https://v/a/", format="precomputed", name="a", layer_type="annotation")
    with pytest.raises(UserError, match="no --range"):
        build_state([LayerSpec(**{**ann.__dict__, "contrast": (0.0, 1.0)})])
    with pytest.raises(UserError, match="precomputed source"):
        build_state([LayerSpec(**{**ann.__dict__, "format": "zarr"})])


def test_resolve_annotation_layer_needs_precomputed() -> None:
    spec = resolve_layer(f"s3://{B}/zarr/tracts/t/annotations/info", LINC, layer_type="annotation")
    assert (spec.layer_type, spec.format, spec.name) == ("annotation", "precomputed", "annotations")
    assert spec.url == "https://neuroglancer.lincbrain.org/zarr/tracts/t/annotations/"
    with pytest.raises(UserError, match="annotation layer needs a precomputed source, not zarr"):
        resolve_layer(f"s3://{B}/zarr/{Z}/", LINC, layer_type="annotation")
    with pytest.raises(
        UserError, match="--type 'mesh': expected one of image, segmentation, annot"
    ):
        resolve_layer(f"s3://{B}/zarr/{Z}/", LINC, layer_type="mesh")  # type: ignore[arg-type]


def test_duplicate_names_are_made_unique() -> None:
    spec = LayerSpec(url="https://v/zarr/x/", format="zarr", name="same")
    state = build_state([spec, spec])
    assert [la.name for la in state.layers] == ["same", "same (2)"]


def test_legacy_sources_and_json() -> None:
    spec = resolve_layer(f"s3://{B}/{BLOB}", LINC, fmt="nifti")
    state = build_state([spec], legacy_sources=True)
    data = json.loads(state_json(state))
    assert data["layers"][0]["source"][0]["url"] == (
        f"nifti://https://neuroglancer.lincbrain.org/{BLOB}"
    )
    assert data["layers"][0]["name"] == "nifti-3f2a1c9e"


# --- optional metadata through a loopback HTTP server ------------------------------------

OME_V2 = {
    f"/zarr/{Z}/.zattrs": {
        "multiscales": [
            {
                "version": "0.4",
                "axes": [
                    {"name": "c", "type": "channel"},
                    {"name": "z", "type": "space", "unit": "micrometer"},
                    {"name": "y", "type": "space", "unit": "micrometer"},
                    {"name": "x", "type": "space", "unit": "micrometer"},
                ],
                "datasets": [
                    {
                        "path": "0",
                        "coordinateTransformations": [
                            {"type": "scale", "scale": [1, 2.0, 0.5, 0.5]},
                            {"type": "translation", "translation": [0, 100.0, 0, 0]},
                        ],
                    }
                ],
            }
        ]
    },
    f"/zarr/{Z}/.zgroup": {"zarr_format": 2},
    f"/zarr/{Z}/0/.zarray": {"shape": [2, 40, 300, 200], "zarr_format": 2},
}
V3 = "3c3c3c3c-0000-4000-8000-000000000003"
OME_V3 = {
    f"/zarr/{V3}/zarr.json": {
        "zarr_format": 3,
        "node_type": "group",
        "attributes": {
            "ome": {
                "version": "0.5",
                "multiscales": [
                    {
                        "axes": [
                            {"name": "z", "type": "space", "unit": "millimeter"},
                            {"name": "y", "type": "space", "unit": "millimeter"},
                            {"name": "x", "type": "space", "unit": "millimeter"},
                        ],
                        "datasets": [
                            {
                                "path": "s0",
                                "coordinateTransformations": [
                                    {"type": "scale", "scale": [0.1, 0.1, 0.1]}
                                ],
                            }
                        ],
                    }
                ],
            }
        },
    },
    f"/zarr/{V3}/s0/zarr.json": {"zarr_format": 3, "node_type": "array", "shape": [10, 20, 30]},
}


@pytest.fixture(scope="module")
def data_server() -> Iterator[str]:
    files = {k: json.dumps(v).encode() for k, v in {**OME_V2, **OME_V3}.items()}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/broken":
                self.send_error(500)
                return
            body = files.get(self.path)
            if body is None:
                self.send_error(403)  # what CloudFront/S3 answers for a missing private key
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_centre_of_an_ome_zarr_v2(data_server: str) -> None:
    local = Deployment(viewer_url=data_server)
    spec = resolve_layer(f"{data_server}/zarr/{Z}/", local)
    state = neuroglancer.parse_url(viewer_link(build_state([spec], fetch=http_fetcher()), local))
    assert state.layers[0].source[0].url == f"{data_server}/zarr/{Z}/|zarr2:"
    dims = state.dimensions.to_json()
    assert list(dims) == ["x", "y", "z"]  # channel axis left to the layer, display order
    assert dims["z"] == [pytest.approx(2e-6), "m"]
    assert dims["x"] == [pytest.approx(0.5e-6), "m"]
    # centre of level 0 in voxels of level 0: translation/scale + shape/2
    assert list(state.position) == pytest.approx([100.0, 150.0, 70.0])


def test_centre_of_an_ome_zarr_v3(data_server: str) -> None:
    local = Deployment(viewer_url=data_server)
    spec = resolve_layer(f"{data_server}/zarr/{V3}/", local)
    state = build_state([spec], fetch=http_fetcher())
    assert state.layers[0].source[0].url.endswith("|zarr3:")
    assert state.dimensions.to_json()["x"] == [pytest.approx(1e-4), "m"]
    assert list(state.position) == pytest.approx([15.0, 10.0, 5.0])


def test_no_metadata_means_no_position(data_server: str) -> None:
    local = Deployment(viewer_url=data_server)
    spec = resolve_layer(f"{data_server}/zarr/ffffffff-0000-4000-8000-000000000000/", local)
    state = build_state([spec], fetch=http_fetcher())
    assert state.position is None
    assert state.layers[0].source[0].url.endswith("|zarr:")


def test_fetcher_reports_server_errors(data_server: str) -> None:
    fetch = http_fetcher()
    assert fetch(f"{data_server}/missing") is None
    with pytest.raises(UserError, match="HTTP 500"):
        fetch(f"{data_server}/broken")
    with pytest.raises(UserError, match="only be fetched over http"):
        fetch("file:///etc/passwd")
