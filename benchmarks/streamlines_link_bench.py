"""Streamlines link: bytes the stock viewer fetches until its first view has settled (issue 16.2).

For each size (LINC_BENCH_LINK_SIZES, `COUNTxPOINTS` comma-separated; default
20000x214,100000x214) a synthetic .trk with a per-point FA is converted by the CLI with a
gzipped, extensionless NIfTI blob as `--volume` and `--color-by FA`, and the printed link is
opened in Debian's Chromium (Playwright) against viewer/dist served with the data from one plain
origin that counts every byte (`local_stack.plain_viewer`). "Settled" = every layer loaded and
no data request for 4 s. The table splits the bytes by layer and sets them against what the
conversion wrote, so the growth with size can be read off (and extrapolated to 1M).
"""

from __future__ import annotations

import gzip
import importlib
import os
import tempfile
import time
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.table import print_table

REPO = Path(__file__).resolve().parents[1]
SIZES = os.environ.get("LINC_BENCH_LINK_SIZES", "20000x214,100000x214")
BLOB = "blobs/0b1c2d3e-4f50-4617-8283-94a5b6c7d8e9"


def _volume(path: Path) -> Path:
    nib: Any = importlib.import_module("nibabel")  # untyped

    ijk = np.indices((96, 112, 96)).astype(np.float32)
    r = ((ijk[0] - 48) / 40) ** 2 + ((ijk[1] - 56) / 50) ** 2 + ((ijk[2] - 48) / 40) ** 2
    affine = np.array([[-1.5, 0, 0, 72], [0, 1.5, 0, -84], [0, 0, 1.5, -60], [0, 0, 0, 1]])
    img = nib.Nifti1Image(((r < 1) * 100).astype(np.float32), affine)
    img.header.set_xyzt_units("mm")
    img.set_qform(affine, 1)
    nib.save(img, str(path))
    return path


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def _measure(tmp: Path, count: int, points: int) -> list[object]:
    from playwright.sync_api import sync_playwright

    from linc_edge_auth import cli
    from linc_edge_auth.streamlines.synth import synthesize_tractogram
    from local_stack.browser import CHROMIUM, CHROMIUM_ARGS
    from local_stack.plain_viewer import PlainViewer

    data = tmp / "data"
    (data / "blobs").mkdir(parents=True)
    volume = _volume(tmp / "volume.nii")
    (data / BLOB).write_bytes(gzip.compress(volume.read_bytes()))
    trk = synthesize_tractogram(volume, tmp / "t.trk", count=count, points=points, fa=True)
    with PlainViewer(REPO / "viewer/dist", data) as viewer:
        os.environ["LINC_VIEWER_URL"] = viewer.origin
        out = StringIO()
        started = time.perf_counter()
        with redirect_stdout(out):
            code = cli.main(
                ["streamlines", "convert", str(trk), str(data / "tracts"), "--volume",
                 str(data / BLOB), "--volume-url", f"{viewer.origin}/data/{BLOB}", "--data-url",
                 f"{viewer.origin}/data/tracts", "--bundle-key", "bundle", "--color-by", "FA"]
            )  # fmt: skip
        convert_s = time.perf_counter() - started
        assert code == 0, out.getvalue()
        link = out.getvalue().strip().splitlines()[-1]
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                str(tmp / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                headless=True, viewport={"width": 1280, "height": 800},
            )  # fmt: skip
            try:
                started = time.perf_counter()
                layers = viewer.settle(context.new_page(), link)
                settle_s = time.perf_counter() - started
            finally:
                context.close()
        errors = [e for layer in layers for e in layer["errors"]]
        assert not errors and all(layer["loaded"] for layer in layers), layers
        spatial = _size(data / "tracts/annotations") - _size(data / "tracts/annotations/by_id")
        requests = sum(1 for path, _, _ in viewer.log if "/annotations/spatial" in path)
        mb = 1e6
        return [
            f"{count:,} x {points}", f"{convert_s:.0f}", f"{spatial / mb:,.0f}",
            f"{viewer.fetched('tracts/annotations/') / mb:.1f}", f"{requests}",
            f"{viewer.fetched('tracts/skeletons/') / 1e3:.1f}", f"{viewer.fetched(BLOB) / 1e3:.0f}",
            f"{viewer.fetched() / mb:.1f}", f"{settle_s:.0f}",
        ]  # fmt: skip


def main() -> None:
    rows = []
    for size in SIZES.split(","):
        count, points = (int(v) for v in size.lower().split("x"))
        with tempfile.TemporaryDirectory(prefix="streamlines-link-bench-") as tmp:
            rows.append(_measure(Path(tmp), count, points))
    print_table(
        ["streamlines x points", "convert s", "spatial index MB", "annotations fetched MB",
         "spatial requests", "skeletons fetched KB", "volume KB", "total fetched MB", "settle s"],
        rows,
    )  # fmt: skip
