"""Benchmarks: `make bench` runs every `benchmarks/*_bench.py` module's `main()`."""
