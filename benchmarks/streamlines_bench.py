"""Streamlines: conversion throughput vs nibabel reading alone, and peak memory (VmHWM).

A synthetic .trk of STREAMLINES curves (POINTS points each) is generated in a temp folder first.
Each measurement runs in its own subprocess and reports its VmHWM, that step's own peak. The ratio
(convert time / nibabel lazy-read time) survives a noisy shared machine better than absolutes.
Set LINC_BENCH_STREAMLINES to change the size (default 1,000,000).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.table import print_table

STREAMLINES = int(os.environ.get("LINC_BENCH_STREAMLINES", "1000000"))
POINTS = 8

_MAKE = """
import numpy as np, nibabel as nib, sys
from linc_edge_auth.streamlines.synth import synthesize_tractogram
d = np.zeros((64, 64, 48), np.float32); d[8:56, 8:56, 6:42] = 1
img = nib.Nifti1Image(d, np.diag([2.0, 2.0, 2.0, 1.0])); img.header.set_xyzt_units("mm")
img.set_qform(img.affine, 1); nib.save(img, sys.argv[1])
synthesize_tractogram(sys.argv[1], sys.argv[2], count=int(sys.argv[3]), points=int(sys.argv[4]))
print("{}")
"""
_READ = """
import json, resource, sys, time
def _hwm():
    # VmHWM belongs to this process image; ru_maxrss would carry the parent's peak across exec.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
import nibabel as nib
t = time.perf_counter(); n = 0
for s in nib.streamlines.load(sys.argv[1], lazy_load=True).streamlines:
    n += 1
print(json.dumps({"s": time.perf_counter() - t, "n": n,
                  "rss": _hwm()}))
"""
_CONVERT = """
import json, resource, sys, time
def _hwm():
    # VmHWM belongs to this process image; ru_maxrss would carry the parent's peak across exec.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
from pathlib import Path
from linc_edge_auth.streamlines import convert, store
opts = convert.Options(input=Path(sys.argv[1]), outputs=tuple(sys.argv[3].split(",")))
t = time.perf_counter()
r = convert.convert(opts, store.LocalStore(Path(sys.argv[2])))
print(json.dumps({"s": time.perf_counter() - t, "n": r.streamlines, "objects": r.objects,
                  "rss": _hwm()}))
"""


def _run(code: str, *args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="streamlines-bench-") as tmp:
        vol, trk = Path(tmp) / "vol.nii.gz", Path(tmp) / "bench.trk"
        _run(_MAKE, str(vol), str(trk), str(STREAMLINES), str(POINTS))
        size_mb = trk.stat().st_size / 1e6
        read = _run(_READ, str(trk))
        rows: list[list[object]] = [
            ["nibabel lazy read only", f"{read['n'] / read['s']:,.0f}", f"{read['s']:.1f}",
             "1.00", f"{read['rss'] / 1024:.0f}", "-"],
        ]  # fmt: skip
        for outputs in ("skeletons", "annotations"):
            dest = Path(tmp) / outputs.replace(",", "+")
            conv = _run(_CONVERT, str(trk), str(dest), outputs)
            rows.append(
                [f"convert: {outputs}", f"{conv['n'] / conv['s']:,.0f}", f"{conv['s']:.1f}",
                 f"{conv['s'] / read['s']:.2f}", f"{conv['rss'] / 1024:.0f}",
                 f"{int(conv['objects']):,}"]
            )  # fmt: skip
        print(f"{STREAMLINES:,} streamlines x {POINTS} points, .trk {size_mb:.0f} MB")
        print_table(
            ["step", "streamlines/s", "seconds", "time vs read", "peak RSS MB", "objects"], rows
        )
