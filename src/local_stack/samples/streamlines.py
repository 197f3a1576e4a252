"""A small sample tractogram over the sample volume, converted by our own converter.

Contract: `sample_streamlines(nifti)` synthesises `count` streamlines (fixed seed, so every start
writes the same objects) inside the brain of the NIfTI with
`linc_edge_auth.streamlines.synth.synthesize_tractogram`, converts them with
`linc_edge_auth.streamlines.convert` (skeletons: one segment per bundle; annotations: one
polyline per streamline) checked against the NIfTI's box, and returns `SampleStreamlines`: S3 key
-> (bytes, Content-Type) for every object under `zarr/<uuid>-streamlines/` (a served prefix),
the outputs and the skeleton segment ids. `sharded=True` writes the sharded layout (skeletons,
`by_id` and spatial levels as `neuroglancer_uint64_sharded_v1` shard files). Work files live in
a temporary folder, removed after.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from linc_edge_auth.streamlines.convert import OUTPUTS, Options, convert
from linc_edge_auth.streamlines.store import LocalStore
from linc_edge_auth.streamlines.synth import synthesize_tractogram
from linc_edge_auth.streamlines.volume import VolumeBox, read_header

STREAMLINES_UUID: Final = "7e3f1a2b-4c5d-4e6f-8a7b-9c0d1e2f3a4b"
STREAMLINES_PREFIX: Final = f"zarr/{STREAMLINES_UUID}-streamlines/"
# The same sample in the sharded layout (what large tractograms get), for the browser tests.
SHARDED_PREFIX: Final = f"zarr/{STREAMLINES_UUID}-streamlines-sharded/"
COUNT: Final = 300
BUNDLES: Final = 4
SEED: Final = 7


@dataclass(frozen=True, slots=True)
class SampleStreamlines:
    objects: dict[str, tuple[bytes, str]]
    prefix: str
    outputs: tuple[str, ...]
    segments: tuple[int, ...]
    count: int


def sample_streamlines(
    nifti: bytes,
    *,
    count: int = COUNT,
    seed: int = SEED,
    prefix: str = STREAMLINES_PREFIX,
    sharded: bool = False,
) -> SampleStreamlines:
    with tempfile.TemporaryDirectory(prefix="local-stack-streamlines-") as work:
        folder = Path(work)
        volume = folder / "volume.nii"
        volume.write_bytes(nifti)
        tractogram = synthesize_tractogram(
            volume, folder / "sample.trk", count=count, bundles=BUNDLES, seed=seed
        )
        options = Options(
            input=tractogram,
            outputs=OUTPUTS,
            volume=VolumeBox.from_header(read_header(str(volume))),
            bundle_key="bundle",
            sharded=sharded,
        )
        out = folder / "out"
        result = convert(options, LocalStore(out))
        objects: dict[str, tuple[bytes, str]] = {}
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            kind = "application/json" if path.name == "info" else "application/octet-stream"
            objects[prefix + path.relative_to(out).as_posix()] = (path.read_bytes(), kind)
    return SampleStreamlines(objects, prefix, OUTPUTS, tuple(result.segments), result.streamlines)
