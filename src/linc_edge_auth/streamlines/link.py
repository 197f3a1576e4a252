"""Where converted layers may go, and the viewer link that shows them over their volume.

Contract:
- `Deployment` mirrors the viewer-links library's (branch `links`, not yet in main): viewer
  origin, asset bucket, served path patterns; `from_env()` reads the same variables
  (`LINC_VIEWER_URL`, `LINC_BUCKET`, `LINC_DATA_PREFIXES`). TODO: switch to
  `linc_edge_auth.asset_refs.Deployment` / `linc_edge_auth.links` once merged.
- `served_key(s3_url, deployment)` returns the key of an `s3://BUCKET/KEY` under a served
  prefix, or raises `UserError` naming what is allowed.
- `streamlines_state(...)` builds a `neuroglancer.ViewerState`: the volume (`URL|nifti:`), the
  skeleton segmentation layer with every bundle visible and coloured by orientation, and the
  annotation layer coloured by its `orientation` property; `viewer_link` encodes it with
  `neuroglancer.url_state.to_url`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import neuroglancer
from neuroglancer import url_state

from linc_edge_auth.errors import UserError

DEFAULT_VIEWER_URL = "https://neuroglancer.lincbrain.org"
DEFAULT_BUCKET = "linc-brain-mit-prod-us-east-2"
DEFAULT_DATA_PREFIXES = ("/zarr/*", "/blobs/*")
SKELETON_SHADER = "void main() {\n  emitRGB(orientation);\n}\n"
ANNOTATION_SHADER = "void main() {\n  setColor(prop_orientation());\n}\n"


@dataclass(frozen=True)
class Deployment:
    viewer_url: str = DEFAULT_VIEWER_URL
    bucket: str = DEFAULT_BUCKET
    data_prefixes: tuple[str, ...] = DEFAULT_DATA_PREFIXES

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Deployment:
        env = os.environ if env is None else env
        prefixes = env.get("LINC_DATA_PREFIXES")
        return cls(
            viewer_url=(env.get("LINC_VIEWER_URL") or DEFAULT_VIEWER_URL).rstrip("/"),
            bucket=env.get("LINC_BUCKET") or DEFAULT_BUCKET,
            data_prefixes=tuple(p for p in re.split(r"[,\s]+", prefixes) if p)
            if prefixes
            else DEFAULT_DATA_PREFIXES,
        )

    @property
    def key_prefixes(self) -> tuple[str, ...]:
        return tuple(p.strip("/").removesuffix("*") for p in self.data_prefixes)

    def data_url(self, key: str) -> str:
        return f"{self.viewer_url}/{key.lstrip('/')}"


def served_key(s3_url: str, deployment: Deployment) -> str:
    bucket, _, key = s3_url.removeprefix("s3://").partition("/")
    allowed = ", ".join(f"s3://{deployment.bucket}/{p}..." for p in deployment.key_prefixes)
    if not s3_url.startswith("s3://") or bucket != deployment.bucket:
        raise UserError(f"{s3_url}: not in the served bucket (allowed: {allowed})")
    if ".." in key.split("/") or not any(key.startswith(p) for p in deployment.key_prefixes):
        raise UserError(f"{s3_url}: outside the served prefixes (allowed: {allowed})")
    if key.rstrip("/") in {p.rstrip("/") for p in deployment.key_prefixes}:
        raise UserError(f"{s3_url}: give a folder under the prefix, not the prefix itself")
    return key


def streamlines_state(
    base_url: str,
    *,
    outputs: Sequence[str],
    segments: Sequence[int],
    volume_url: str | None = None,
    name: str = "streamlines",
) -> neuroglancer.ViewerState:
    state = neuroglancer.ViewerState()
    state.dimensions = neuroglancer.CoordinateSpace(
        names=["x", "y", "z"], units="m", scales=[1e-3] * 3
    )
    if volume_url:
        state.layers["volume"] = neuroglancer.ImageLayer(source=f"{volume_url}|nifti:")
    base = base_url.rstrip("/")
    if "skeletons" in outputs:
        layer = neuroglancer.SegmentationLayer(
            source=f"{base}/skeletons|neuroglancer-precomputed:",
            segments=[int(s) for s in segments],
            skeleton_shader=SKELETON_SHADER,
        )
        state.layers[f"{name} (bundles)"] = layer
    if "annotations" in outputs:
        state.layers[f"{name} (whole brain)"] = neuroglancer.AnnotationLayer(
            source=f"{base}/annotations|neuroglancer-precomputed:", shader=ANNOTATION_SHADER
        )
    state.layout = "xy-3d"
    return state


def viewer_link(state: neuroglancer.ViewerState, viewer_url: str) -> str:
    return str(url_state.to_url(state, prefix=f"{viewer_url.rstrip('/')}/"))
