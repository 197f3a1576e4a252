"""Streamlines: our converter vs nibabel's full load (the floor) and a per-streamline converter.

For each shape (POINTS points per streamline, STREAMLINES streamlines; default whole-brain-like:
500,000 x 214, and 500,000 x 8) a synthetic .trk is generated in a temp folder at bench time,
then each step runs in its own subprocess and reports its own peak memory (VmHWM):
- nibabel full load (`nib.streamlines.load`, not lazy): the reading floor;
- our `convert` for annotations, for skeletons, and for both (default layout: sharded at this
  size);
- `streamlines_reference`: one skeleton file and one `by_id` file per streamline, one spatial
  cell, everything in memory (how a straightforward converter does it).
Ratios are against the nibabel load measured in the same run (a shared machine's noise cancels
better in ratios). LINC_BENCH_STREAMLINES and LINC_BENCH_POINTS (comma-separated) change sizes;
LINC_BENCH_REFERENCE=0 skips the reference.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.streamlines_measure import tree
from benchmarks.table import print_table

STREAMLINES = int(os.environ.get("LINC_BENCH_STREAMLINES", "500000"))
POINTS = [int(p) for p in os.environ.get("LINC_BENCH_POINTS", "214,8").split(",")]
# The reference writes (and the bench then deletes) two files per streamline: minutes at 500k.
REFERENCE = os.environ.get("LINC_BENCH_REFERENCE", "1") != "0"

_MAKE = """
import numpy as np, nibabel as nib, sys
from linc_edge_auth.streamlines.synth import synthesize_tractogram
d = np.zeros((160, 192, 160), np.float32); d[20:140, 20:172, 20:140] = 1   # 1 mm, brain-sized
img = nib.Nifti1Image(d, np.diag([1.0, 1.0, 1.0, 1.0])); img.header.set_xyzt_units("mm")
img.set_qform(img.affine, 1); nib.save(img, sys.argv[1])
synthesize_tractogram(sys.argv[1], sys.argv[2], count=int(sys.argv[3]), points=int(sys.argv[4]),
                      bundles=64)
print("{}")
"""
_LOAD = """
import json, sys, time
from benchmarks.streamlines_measure import peak_rss_kb
import nibabel as nib
t = time.perf_counter()
n = len(nib.streamlines.load(sys.argv[1]).streamlines)
print(json.dumps({"s": time.perf_counter() - t, "n": n, "rss": peak_rss_kb()}))
"""
_CONVERT = """
import json, sys, time
from pathlib import Path
from benchmarks.streamlines_measure import peak_rss_kb
from linc_edge_auth.streamlines import convert, store
opts = convert.Options(input=Path(sys.argv[1]), outputs=tuple(sys.argv[3].split(",")))
t = time.perf_counter()
r = convert.convert(opts, store.LocalStore(Path(sys.argv[2])))
print(json.dumps({"s": time.perf_counter() - t, "n": r.streamlines, "rss": peak_rss_kb()}))
"""


def _run(args: list[str]) -> dict[str, float]:
    out = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=True).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def _row(name: str, step: dict[str, float], floor: float, dest: Path | None) -> list[object]:
    size, files = tree(dest) if dest is not None else (0, 0)
    return [
        name,
        f"{step['s']:.1f}",
        f"{step['s'] / floor:.2f}",
        f"{step['rss'] / 1024:.0f}",
        f"{size / 1e6:,.0f}" if dest is not None else "-",
        f"{files:,}" if dest is not None else "-",
    ]


def bench(tmp: Path, points: int) -> None:
    vol, trk = tmp / "vol.nii.gz", tmp / f"bench{points}.trk"
    _run(["-c", _MAKE, str(vol), str(trk), str(STREAMLINES), str(points)])
    load = _run(["-c", _LOAD, str(trk)])
    floor = load["s"]
    rows = [_row("nibabel full load (floor)", load, floor, None)]
    for outputs in ("annotations", "skeletons", "skeletons,annotations"):
        dest = tmp / f"ours-{outputs.replace(',', '+')}"
        step = _run(["-c", _CONVERT, str(trk), str(dest), outputs])
        rows.append(_row(f"ours: {outputs.replace(',', ' + ')}", step, floor, dest))
        shutil.rmtree(dest)
    if REFERENCE:
        dest = tmp / "reference"
        step = _run(["-m", "benchmarks.streamlines_reference", str(trk), str(dest)])
        rows.append(_row("per-streamline reference: both", step, floor, dest))
        shutil.rmtree(dest)
    print(
        f"\n{STREAMLINES:,} streamlines x {points} points, .trk {trk.stat().st_size / 1e6:,.0f} MB"
    )
    print_table(["step", "seconds", "x nibabel load", "peak RSS MB", "output MB", "files"], rows)
    trk.unlink()


def main() -> None:
    for points in POINTS:
        with tempfile.TemporaryDirectory(prefix="streamlines-bench-") as tmp:
            bench(Path(tmp), points)
