"""Measurement helpers shared by the streamlines benchmark steps (each its own subprocess).

`peak_rss_kb()`: this process image's peak resident memory (VmHWM); ru_maxrss would carry the
parent's peak across exec. `tree(path)`: (bytes, files) under a folder.
"""

from __future__ import annotations

import os
import resource
from pathlib import Path


def peak_rss_kb() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def tree(path: Path) -> tuple[int, int]:
    size = files = 0
    for root, _, names in os.walk(path):
        for name in names:
            size += os.path.getsize(os.path.join(root, name))
            files += 1
    return size, files
