"""The viewer state that shows converted streamlines over their volume.

Contract:
- Where layers may go and how their URLs are spelled is `linc_edge_auth.asset_refs`'s
  (`Deployment`, `locate`, `viewer_data_url`); layers, states and links are
  `linc_edge_auth.viewer_state`'s. This module only says which layers a conversion adds.
- `streamlines_layers(base_url, ...)` lists the `LayerSpec`s under a converted folder: the
  skeleton segmentation layer (`BASE/skeletons`) with only the `segments` asked for selected
  (none by default: the link opens on the whole-brain view and fetches no skeleton; every
  bundle is listed by name and count in the segment list, from the segment properties), and
  the annotation layer (`BASE/annotations`, the spatially indexed whole-brain view).
  Both are coloured by orientation, or by a scalar (`color_by`) with Neuroglancer's jet map.
- `select_bundles(names, wanted)` turns `--bundles` (labels, or segment ids) into segment ids.
- `streamlines_state(base_url, ..., volume=...)` is `viewer_state.build_state` of the volume
  layer (if any) and those layers, in `xy-3d`, with millimetre x/y/z display dimensions. The
  annotation layer's `projectionAnnotationSpacing` / `crossSectionAnnotationSpacing` (pixels
  between annotations that Neuroglancer aims for; its default is 8) are set to
  `ANNOTATION_SPACING`: Neuroglancer walks the spatial index from the coarse level down until
  the view holds (panel pixels / spacing^2) annotations, and fetches whole cells of every level
  it walks. At 8 a whole-brain 3D view walks two levels (tens of thousands of streamlines);
  at 20 it stops at the coarse subsample (measured: benchmarks/streamlines_link_bench.py), and
  zooming in or lowering the slider (Rendering tab) brings finer levels. The skeleton layer's
  segment query is `BUNDLE_QUERY`: the segment list sorts bundles by size and shows the count
  column (Neuroglancer shows a number property only when the query names it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import neuroglancer

from linc_edge_auth.errors import UserError
from linc_edge_auth.streamlines.scalars import Scalar, annotation_shader, skeleton_shader
from linc_edge_auth.viewer_state import LayerSpec, build_state

SKELETON_SHADER = "void main() {\n  emitRGB(orientation);\n}\n"
# Lines only: Neuroglancer 2.41 draws a bordered marker at every polyline vertex by default,
# which turns dense 0.4 mm streamlines into chains of beads.
ANNOTATION_SHADER = (
    "void main() {\n  setColor(prop_orientation());\n"
    "  setEndpointMarkerSize(0.0);\n  setEndpointMarkerBorderWidth(0.0);\n}\n"
)
ANNOTATION_SPACING = 20
BUNDLE_QUERY = ">streamlines"


@dataclass(frozen=True)
class ColorBy:
    scalar: Scalar
    lo: float
    hi: float


def select_bundles(names: Mapping[int, str], wanted: Sequence[str]) -> list[int]:
    """Segment ids for `--bundles`: each item a bundle label (any case) or a segment id."""
    by_label = {label.casefold(): sid for sid, label in names.items()}
    chosen: list[int] = []
    for item in (w.strip() for w in wanted):
        if not item:
            continue
        sid = by_label.get(item.casefold())
        if sid is None and item.isdigit() and int(item) in names:
            sid = int(item)
        if sid is None:
            shown = ", ".join(sorted(names.values())[:20]) + (" ..." if len(names) > 20 else "")
            raise UserError(f"--bundles: no bundle {item!r} (bundles: {shown or 'none'})")
        if sid not in chosen:
            chosen.append(sid)
    return chosen


def streamlines_layers(
    base_url: str,
    *,
    outputs: Sequence[str],
    segments: Sequence[int] = (),
    name: str = "streamlines",
    color_by: ColorBy | None = None,
) -> list[LayerSpec]:
    base = base_url.rstrip("/")
    skeleton_glsl, annotation_glsl = SKELETON_SHADER, ANNOTATION_SHADER
    if color_by is not None:
        skeleton_glsl = skeleton_shader(color_by.scalar, color_by.lo, color_by.hi)
        annotation_glsl = annotation_shader(color_by.scalar, color_by.lo, color_by.hi)
    layers = []
    if "skeletons" in outputs:
        layers.append(
            LayerSpec(
                url=f"{base}/skeletons",
                format="precomputed",
                name=f"{name} (bundles)",
                layer_type="segmentation",
                segments=tuple(int(s) for s in segments),
                skeleton_shader=skeleton_glsl,
            )
        )
    if "annotations" in outputs:
        layers.append(
            LayerSpec(
                url=f"{base}/annotations",
                format="precomputed",
                name=f"{name} (whole brain)",
                layer_type="annotation",
                shader=annotation_glsl,
            )
        )
    return layers


def streamlines_state(
    base_url: str,
    *,
    outputs: Sequence[str],
    segments: Sequence[int] = (),
    volume: LayerSpec | None = None,
    name: str = "streamlines",
    color_by: ColorBy | None = None,
) -> neuroglancer.ViewerState:
    layers = streamlines_layers(
        base_url, outputs=outputs, segments=segments, name=name, color_by=color_by
    )
    state = build_state(([volume] if volume else []) + layers, layout="xy-3d")
    for spec in layers:
        if spec.layer_type == "segmentation":
            state.layers[spec.name].segment_query = BUNDLE_QUERY
        if spec.layer_type == "annotation":
            # The Python wrapper has no field for these; the JSON keeps them (Neuroglancer's).
            layer = state.layers[spec.name].layer.to_json()
            layer["projectionAnnotationSpacing"] = ANNOTATION_SPACING
            layer["crossSectionAnnotationSpacing"] = ANNOTATION_SPACING
            state.layers[spec.name] = neuroglancer.AnnotationLayer(layer)
    state.dimensions = neuroglancer.CoordinateSpace(
        names=["x", "y", "z"], units="m", scales=[1e-3] * 3
    )
    return state
