"""Neuroglancer viewer links for private LINC assets (use cases 1 and 2).

Contract:
- `resolve_layer(ref, deployment, ...)` turns one asset reference (S3 URL, viewer-domain URL or
  archive reference, plain or in Neuroglancer's source spellings) into a `LayerSpec`: the data
  URL on the viewer domain, the format, a display name (the file name, never a bare UUID) and
  the layer type (`image`, `segmentation`, or `annotation` for a precomputed annotation source).
- A `LayerSpec` may carry layer options: `shader` + `contrast` (image; `shader` also annotation),
  `segments` + `skeleton_shader` (segmentation: the ids shown and how their skeletons are
  drawn). An option on a layer type it does not apply to is a `UserError`.
- `build_state(layers, ...)` makes a `neuroglancer.ViewerState` with one layer per spec, the
  layout (`4panel` for one layer, `xy-3d` for several, unless given) and, when a `fetch`
  callable is supplied, `dimensions` + `position` at the centre of the first OME-Zarr layer.
- `viewer_link(state, deployment)` is the shareable `https://VIEWER/#!...` URL, encoded by
  `neuroglancer.url_state.to_url`, so `neuroglancer.parse_url` reads it back.
- Sources use the Neuroglancer 2.41 pipeline syntax it writes back itself: `URL|zarr:`
  (`|zarr2:`/`|zarr3:` once the metadata says which), `URL|nifti:`,
  `URL|neuroglancer-precomputed:`; `legacy_sources=True` writes `zarr://URL` etc. instead.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, Literal, get_args

import neuroglancer
from neuroglancer import url_state

from linc_edge_auth import archive
from linc_edge_auth.asset_refs import (
    Deployment,
    Format,
    default_layer_name,
    locate,
    resolve_format,
    split_source,
    viewer_data_url,
)
from linc_edge_auth.errors import UserError

LayerType = Literal["image", "segmentation", "annotation"]
LAYER_TYPES: Final[tuple[LayerType, ...]] = get_args(LayerType)
LAYOUTS: Final = tuple(sorted(neuroglancer.viewer_state.data_panel_layout_types))
# fetch(url) -> bytes, or None when the object does not exist.
Fetcher = Callable[[str], bytes | None]
ViewerState = neuroglancer.ViewerState

_PIPELINE_SCHEME: Final[dict[Format, str]] = {
    "zarr": "zarr",
    "nifti": "nifti",
    "precomputed": "neuroglancer-precomputed",
}
_LEGACY_SCHEME: Final[dict[Format, str]] = {
    "zarr": "zarr",
    "nifti": "nifti",
    "precomputed": "precomputed",
}
# OME-NGFF unit names -> (SI base unit, factor), the spatial and time units the spec lists.
_SI_PREFIX: Final = {
    "": 1.0, "kilo": 1e3, "hecto": 1e2, "deca": 1e1, "deci": 1e-1, "centi": 1e-2,
    "milli": 1e-3, "micro": 1e-6, "nano": 1e-9, "pico": 1e-12,
}  # fmt: skip


@dataclass(frozen=True)
class LayerSpec:
    url: str  # data URL on the viewer domain
    format: Format
    name: str
    layer_type: LayerType = "image"
    shader: str | None = None
    contrast: tuple[float, float] | None = None
    zarr_version: int | None = None
    segments: tuple[int, ...] = ()  # segmentation: the segment ids shown
    skeleton_shader: str | None = None  # segmentation: GLSL for its skeletons

    def source(self, *, legacy: bool = False) -> str:
        if legacy:
            return f"{_LEGACY_SCHEME[self.format]}://{self.url}"
        scheme = _PIPELINE_SCHEME[self.format]
        if self.format == "zarr" and self.zarr_version is not None:
            scheme = f"zarr{self.zarr_version}"
        return f"{self.url}|{scheme}:"


def resolve_layer(
    ref: str,
    deployment: Deployment,
    *,
    name: str | None = None,
    fmt: str | None = None,
    layer_type: LayerType = "image",
    archive_name: str = archive.DEFAULT_ARCHIVE,
    archive_source: str = "--archive",
) -> LayerSpec:
    """One asset reference -> a layer on the viewer domain (archive lookups go over the network).

    Neuroglancer's own spellings (`URL|zarr:`, `zarr://URL`, ...) give the same layer as the
    plain URL; the format they name stands in for `fmt` and must agree with it when both are set.
    """
    archive_path: str | None = None
    target, named = split_source(ref)
    if named is not None and fmt is not None and fmt != named:
        raise UserError(f"{ref}: the source says {named}, --format says {fmt}")
    fmt = fmt or named
    if archive.is_archive_ref(target):
        asset = archive.resolve(
            target, archive=archive_name, bucket=deployment.bucket, archive_source=archive_source
        )
        archive_path, target = asset.path, asset.s3_url
    key = locate(target, deployment)
    found = resolve_format(key, archive_path=archive_path, override=fmt, ref=ref)
    if layer_type not in LAYER_TYPES:
        raise UserError(f"--type {layer_type!r}: expected one of {', '.join(LAYER_TYPES)}")
    if layer_type == "annotation" and found != "precomputed":
        raise UserError(f"{ref}: an annotation layer needs a precomputed source, not {found}")
    return LayerSpec(
        url=viewer_data_url(deployment, key, found),
        format=found,
        name=name or default_layer_name(archive_path, key, found),
        layer_type=layer_type,
    )


def _unique_names(layers: Sequence[LayerSpec]) -> list[LayerSpec]:
    seen: dict[str, int] = {}
    out = []
    for layer in layers:
        count = seen.get(layer.name, 0) + 1
        seen[layer.name] = count
        out.append(layer if count == 1 else replace(layer, name=f"{layer.name} ({count})"))
    return out


def _make_layer(spec: LayerSpec, legacy: bool) -> neuroglancer.Layer:
    source = spec.source(legacy=legacy)
    if spec.layer_type != "segmentation" and (spec.segments or spec.skeleton_shader):
        raise UserError(f"{spec.name}: segments and skeleton shaders apply to segmentation layers")
    if spec.layer_type == "segmentation":
        if spec.shader or spec.contrast:
            raise UserError(f"{spec.name}: --shader and --range apply to image layers only")
        seg = neuroglancer.SegmentationLayer(source=source, segments=list(spec.segments))
        if spec.skeleton_shader:
            seg.skeleton_shader = spec.skeleton_shader
        return seg
    if spec.layer_type == "annotation":
        if spec.format != "precomputed" or spec.contrast:
            raise UserError(f"{spec.name}: annotation layers take a precomputed source, no --range")
        annotations = neuroglancer.AnnotationLayer(source=source)
        if spec.shader:
            annotations.shader = spec.shader
        return annotations
    layer = neuroglancer.ImageLayer(source=source)
    if spec.shader:
        layer.shader = spec.shader
    if spec.contrast:
        lo, hi = spec.contrast
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise UserError(f"--range {lo},{hi}: expected two finite numbers, low < high")
        # `normalized` is the invlerp control of Neuroglancer's default image shader.
        layer.shader_controls = {"normalized": {"range": [lo, hi]}}
    return layer


def build_state(
    layers: Sequence[LayerSpec],
    *,
    layout: str | None = None,
    fetch: Fetcher | None = None,
    legacy_sources: bool = False,
) -> neuroglancer.ViewerState:
    if not layers:
        raise UserError("give at least one asset")
    chosen = layout or ("4panel" if len(layers) == 1 else "xy-3d")
    if chosen not in LAYOUTS:
        raise UserError(f"--layout {chosen!r}: expected one of {', '.join(LAYOUTS)}")
    specs = _unique_names(layers)
    centre = None
    if fetch is not None:
        specs = [_with_zarr_version(s, fetch) for s in specs]
        centre = zarr_centre(specs[0], fetch) if specs[0].format == "zarr" else None
    state = neuroglancer.ViewerState()
    for spec in specs:
        state.layers[spec.name] = _make_layer(spec, legacy_sources)
    state.layout = chosen
    if centre is not None:
        names, scales, units, position = centre
        state.dimensions = neuroglancer.CoordinateSpace(names=names, scales=scales, units=units)
        state.position = position
    return state


def viewer_link(state: neuroglancer.ViewerState, deployment: Deployment) -> str:
    return str(url_state.to_url(state, prefix=f"{deployment.viewer_url}/"))


def state_json(state: neuroglancer.ViewerState) -> str:
    return str(url_state.to_json_dump(state, indent=2))


def compact_state_json(state: neuroglancer.ViewerState) -> str:
    """The state as stored for a short link (the issuer re-serialises it the same way)."""
    return json.dumps(state.to_json(), separators=(",", ":"), ensure_ascii=False)


# --- optional metadata: zarr version and the centre of an OME-Zarr --------------------------


def _json_at(fetch: Fetcher, url: str) -> dict[str, Any] | None:
    try:
        body = fetch(url)
    except OSError as exc:
        raise UserError(f"{url}: could not read metadata ({exc})") from exc
    if body is None:
        return None
    try:
        value = json.loads(body)
    except ValueError as exc:
        raise UserError(f"{url}: metadata is not JSON") from exc
    return value if isinstance(value, dict) else None


def _with_zarr_version(spec: LayerSpec, fetch: Fetcher) -> LayerSpec:
    if spec.format != "zarr" or spec.zarr_version is not None:
        return spec
    if _json_at(fetch, spec.url + "zarr.json") is not None:
        return replace(spec, zarr_version=3)
    for name in (".zattrs", ".zgroup", ".zarray"):
        if _json_at(fetch, spec.url + name) is not None:
            return replace(spec, zarr_version=2)
    return spec


def _ome_unit(unit: str | None) -> tuple[str, float]:
    if not unit:
        return "", 1.0
    for base, symbol in (("meter", "m"), ("second", "s")):
        if unit.endswith(base) and unit[: -len(base)] in _SI_PREFIX:
            return symbol, _SI_PREFIX[unit[: -len(base)]]
    return "", 1.0


def zarr_centre(
    spec: LayerSpec, fetch: Fetcher
) -> tuple[list[str], list[float], list[str], list[float]] | None:
    """(names, scales, units, position) at the centre of level 0 of an OME-Zarr, or None.

    Spatial axes first in x, y, z order (the display order), channel axes left to the layer.
    """
    if spec.zarr_version == 3:
        meta = _json_at(fetch, spec.url + "zarr.json") or {}
        attrs = meta.get("attributes", {}).get("ome", {})
    else:
        attrs = _json_at(fetch, spec.url + ".zattrs") or {}
    multiscales = attrs.get("multiscales")
    if not (isinstance(multiscales, list) and multiscales and isinstance(multiscales[0], dict)):
        return None
    ms = multiscales[0]
    axes = ms.get("axes") or []
    datasets = ms.get("datasets") or []
    if not axes or not datasets:
        return None
    level = datasets[0]
    array_url = spec.url + str(level.get("path", "0")).strip("/") + "/"
    array_meta = _json_at(fetch, array_url + ("zarr.json" if spec.zarr_version == 3 else ".zarray"))
    shape = (array_meta or {}).get("shape")
    if not isinstance(shape, list) or len(shape) != len(axes):
        return None
    scale = [1.0] * len(axes)
    translation = [0.0] * len(axes)
    for t in level.get("coordinateTransformations", []):
        if t.get("type") == "scale":
            scale = [float(v) for v in t["scale"]]
        elif t.get("type") == "translation":
            translation = [float(v) for v in t["translation"]]
    order = {"x": 0, "y": 1, "z": 2}
    picked = [i for i, a in enumerate(axes) if isinstance(a, dict) and a.get("type") != "channel"]
    picked.sort(key=lambda i: (order.get(str(axes[i].get("name")), 3), i))
    names, scales, units, position = [], [], [], []
    for i in picked:
        unit, factor = _ome_unit(axes[i].get("unit"))
        names.append(str(axes[i]["name"]))
        scales.append(scale[i] * factor)
        units.append(unit)
        position.append(translation[i] / scale[i] + shape[i] / 2)
    return names, scales, units, position
