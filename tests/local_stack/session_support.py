"""Helpers for the session-continuity browser tests: a volume with many z slabs, views on it,
what the page saw and what reached the emulator.

`slab_volume(info)` writes an OME-Zarr (one level, SLABS chunks of SLAB_DEPTH slices along z,
a different pattern per slab) into the stack's asset bucket under a fresh `zarr/<uuid>/` and
returns its path; a view on slab n (`slab_state`) needs chunks no earlier view asked for, so
each move after a cookie lifetime really fetches data with the cookies of that moment.
`PageData` records, per data response the page (Neuroglancer and its workers) received, the
status and whether our service worker answered it.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from tests.local_stack.browser_support import poll_rendered
from tests.local_stack.client import aws_client, stats

SLABS: Final = 8
SLAB_DEPTH: Final = 8
SIDE: Final = 64
JSON_TYPE: Final = "application/json"


def slab_volume(info: dict[str, Any]) -> str:
    prefix = f"zarr/{uuid.uuid4()}/"
    axes = [{"name": a, "type": "space", "unit": "millimeter"} for a in ("z", "y", "x")]
    scale = {"type": "scale", "scale": [1.0, 1.0, 1.0]}
    zattrs = {
        "multiscales": [
            {
                "version": "0.4",
                "name": "slabs",
                "axes": axes,
                "datasets": [{"path": "0", "coordinateTransformations": [scale]}],
            }
        ]
    }
    zarray = {
        "zarr_format": 2,
        "shape": [SLABS * SLAB_DEPTH, SIDE, SIDE],
        "chunks": [SLAB_DEPTH, SIDE, SIDE],
        "dtype": "|u1",
        "compressor": None,
        "fill_value": 0,
        "filters": None,
        "order": "C",
        "dimension_separator": ".",
    }
    objects = {
        prefix + ".zgroup": json.dumps({"zarr_format": 2}).encode(),
        prefix + ".zattrs": json.dumps(zattrs).encode(),
        prefix + "0/.zarray": json.dumps(zarray).encode(),
        prefix + "0/.zattrs": b"{}",
    }
    y, x = np.indices((SIDE, SIDE))
    for slab in range(SLABS):
        plane = ((x * 3 + y * 2 + slab * 29) % 200 + 40).astype(np.uint8)
        block = np.broadcast_to(plane, (SLAB_DEPTH, SIDE, SIDE))
        objects[f"{prefix}0/{slab}.0.0"] = np.ascontiguousarray(block).tobytes()
    s3 = aws_client(info, "s3")
    bucket = info["buckets"]["assets"]
    for key, body in objects.items():
        metadata = key.rsplit("/", 1)[-1].startswith(".")
        content_type = JSON_TYPE if metadata else "application/octet-stream"
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)
    return "/" + prefix


def slab_state(info: dict[str, Any], volume: str, slab: int) -> dict[str, Any]:
    viewer = info["viewer_url"].rstrip("/")
    return {
        "dimensions": {axis: [0.001, "m"] for axis in ("x", "y", "z")},
        "position": [SIDE / 2, SIDE / 2, slab * SLAB_DEPTH + SLAB_DEPTH / 2],
        "layers": [{"type": "image", "source": f"zarr2://{viewer}{volume}", "name": "slabs"}],
        "layout": "xy",
        "crossSectionScale": 0.15,
    }


def fragment(state: dict[str, Any]) -> str:
    return "#!" + json.dumps(state, separators=(",", ":"))


def slab_of(volume: str, path: str) -> int | None:
    rest = path.removeprefix(volume + "0/")
    if rest == path or not rest.endswith(".0.0"):
        return None
    return int(rest.split(".", 1)[0])


@dataclass
class PageData:
    """Data responses as the page received them (after our service worker)."""

    info: dict[str, Any]
    seen: list[tuple[float, str, int, bool]] = field(default_factory=list)
    auth: list[tuple[str, bool]] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("response", self._on_response)

    def _on_response(self, response: Any) -> None:
        origin = self.info["viewer_url"].rstrip("/")
        if not response.url.startswith(origin + "/"):
            return
        path = response.url[len(origin) :].split("?", 1)[0]
        if path.startswith("/_auth/"):
            self.auth.append((path, bool(response.from_service_worker)))
        elif any(path.startswith(p.rstrip("*")) for p in self.info["data_prefixes"]):
            self.seen.append((time.time(), path, response.status, response.from_service_worker))


def rendered_levels(page: Any, seconds: float = 25) -> int:
    """Grey levels in the middle of the slice panel, polled until data shows (or `seconds`)."""
    return poll_rendered(page, seconds, poll_ms=700)


def network_log(info: dict[str, Any]) -> list[dict[str, Any]]:
    return list(stats(info)["log"])
