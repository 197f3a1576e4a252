"""The sample link the local stack prints: every sample layer, built by
`linc_edge_auth.viewer_state`.

Contract: `sample_state(deployment, assets, tracts)` resolves the sample OME-Zarr and NIfTI
with `viewer_state.resolve_layer` (as `s3://BUCKET/KEY` references, so the allow-list check
runs), adds the streamlines layers of `linc_edge_auth.streamlines.layers.streamlines_layers`
(skeleton bundles and whole-brain polylines), and builds one `xy-3d` state with
`viewer_state.build_state`, reading the zarr metadata from the in-memory sample objects (no
network) to pin `|zarr2:`. The NIfTI is drawn in magenta over the grey OME-Zarr with the same
contrast, so any misalignment shows as a double edge; the view is centred on the volume in
millimetres. `sample_link(...)` is `viewer_state.viewer_link` of that state.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import replace
from typing import Final

import neuroglancer

from linc_edge_auth.asset_refs import Deployment, viewer_data_url
from linc_edge_auth.streamlines.layers import streamlines_layers
from linc_edge_auth.viewer_state import Fetcher, build_state, resolve_layer, viewer_link
from local_stack.samples.assets import SampleAssets
from local_stack.samples.streamlines import SampleStreamlines

ZARR_LAYER: Final = "sample brain (OME-Zarr)"
NIFTI_LAYER: Final = "sample brain (NIfTI)"
TRACTS_NAME: Final = "sample tracts"
NIFTI_SHADER: Final = (
    "#uicontrol invlerp normalized\nvoid main() {\n"
    "  float v = normalized();\n  emitRGB(vec3(v, 0.2 * v, v));\n}\n"
)


def memory_fetcher(deployment: Deployment, objects: dict[str, tuple[bytes, str]]) -> Fetcher:
    """fetch(url) for URLs on the viewer domain, answered from the objects about to be uploaded."""
    origin = deployment.viewer_url + "/"

    def fetch(url: str) -> bytes | None:
        if not url.startswith(origin):
            return None
        found = objects.get(urllib.parse.unquote(url[len(origin) :]))
        return found[0] if found else None

    return fetch


def sample_state(
    deployment: Deployment, assets: SampleAssets, tracts: SampleStreamlines
) -> neuroglancer.ViewerState:
    bucket = deployment.bucket
    zarr = resolve_layer(f"s3://{bucket}/{assets.zarr_prefix}", deployment, name=ZARR_LAYER)
    nifti = resolve_layer(
        f"s3://{bucket}/{assets.blob_key}", deployment, name=NIFTI_LAYER, fmt="nifti"
    )
    nifti = replace(nifti, shader=NIFTI_SHADER, contrast=assets.contrast)
    base = viewer_data_url(deployment, tracts.prefix, "precomputed")
    tract_layers = streamlines_layers(
        base, outputs=tracts.outputs, segments=tracts.segments, name=TRACTS_NAME
    )
    objects = {**assets.objects, **tracts.objects}
    state = build_state(
        [zarr, nifti, *tract_layers], layout="xy-3d", fetch=memory_fetcher(deployment, objects)
    )
    # Millimetre display axes, centred on the volume.
    state.dimensions = neuroglancer.CoordinateSpace(
        names=["x", "y", "z"], units="m", scales=[1e-3] * 3
    )
    state.position = list(assets.centre_mm)
    state.cross_section_scale = 0.25
    state.projection_scale = 160
    return state


def sample_link(deployment: Deployment, assets: SampleAssets, tracts: SampleStreamlines) -> str:
    return viewer_link(sample_state(deployment, assets, tracts), deployment)
