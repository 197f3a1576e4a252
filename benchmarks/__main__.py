"""Run every benchmark module (`*_bench.py`) in this folder, or those named on the command line."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path


def main() -> int:
    available = sorted(p.stem for p in Path(__file__).parent.glob("*_bench.py"))
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", choices=[*available, []], help="benchmarks to run")
    args = parser.parse_args()
    for name in args.names or available:
        print(f"\n== {name} ==", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
