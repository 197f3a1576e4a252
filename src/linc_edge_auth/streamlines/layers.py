"""The viewer state that shows converted streamlines over their volume.

Contract:
- Where layers may go and how their URLs are spelled is `linc_edge_auth.asset_refs`'s
  (`Deployment`, `locate`, `viewer_data_url`); layers, states and links are
  `linc_edge_auth.viewer_state`'s. This module only says which layers a conversion adds.
- `streamlines_layers(base_url, ...)` lists the `LayerSpec`s under a converted folder: the
  skeleton segmentation layer (`BASE/skeletons`, every bundle visible, coloured by orientation)
  and the annotation layer (`BASE/annotations`, coloured by its `orientation` property).
- `streamlines_state(base_url, ..., volume=...)` is `viewer_state.build_state` of the volume
  layer (if any) and those layers, in `xy-3d`, with millimetre x/y/z display dimensions.
"""

from __future__ import annotations

from collections.abc import Sequence

import neuroglancer

from linc_edge_auth.viewer_state import LayerSpec, build_state

SKELETON_SHADER = "void main() {\n  emitRGB(orientation);\n}\n"
# Lines only: Neuroglancer 2.41 draws a bordered marker at every polyline vertex by default,
# which turns dense 0.4 mm streamlines into chains of beads.
ANNOTATION_SHADER = (
    "void main() {\n  setColor(prop_orientation());\n"
    "  setEndpointMarkerSize(0.0);\n  setEndpointMarkerBorderWidth(0.0);\n}\n"
)


def streamlines_layers(
    base_url: str, *, outputs: Sequence[str], segments: Sequence[int], name: str = "streamlines"
) -> list[LayerSpec]:
    base = base_url.rstrip("/")
    layers = []
    if "skeletons" in outputs:
        layers.append(
            LayerSpec(
                url=f"{base}/skeletons",
                format="precomputed",
                name=f"{name} (bundles)",
                layer_type="segmentation",
                segments=tuple(int(s) for s in segments),
                skeleton_shader=SKELETON_SHADER,
            )
        )
    if "annotations" in outputs:
        layers.append(
            LayerSpec(
                url=f"{base}/annotations",
                format="precomputed",
                name=f"{name} (whole brain)",
                layer_type="annotation",
                shader=ANNOTATION_SHADER,
            )
        )
    return layers


def streamlines_state(
    base_url: str,
    *,
    outputs: Sequence[str],
    segments: Sequence[int],
    volume: LayerSpec | None = None,
    name: str = "streamlines",
) -> neuroglancer.ViewerState:
    layers = streamlines_layers(base_url, outputs=outputs, segments=segments, name=name)
    state = build_state(([volume] if volume else []) + layers, layout="xy-3d")
    state.dimensions = neuroglancer.CoordinateSpace(
        names=["x", "y", "z"], units="m", scales=[1e-3] * 3
    )
    return state
