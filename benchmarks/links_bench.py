"""Cost of building viewer links (no network): `python -m benchmarks links_bench`.

Prints a table: layers per state, microseconds per link, and the URL length against
CloudFront's 8,192-byte URL limit (the state rides in the fragment, which never reaches
CloudFront, but users paste links into places with similar limits).
"""

from __future__ import annotations

import functools
import timeit

from linc_edge_auth.asset_refs import Deployment
from linc_edge_auth.viewer_state import build_state, resolve_layer, viewer_link

BUCKET = "linc-brain-mit-prod-us-east-2"


def one_link(count: int, deployment: Deployment) -> str:
    refs = [f"s3://{BUCKET}/zarr/0b5b0a8e-4e6f-4a52-9a2c-{i:012d}/" for i in range(count)]
    specs = [resolve_layer(ref, deployment) for ref in refs]
    return viewer_link(build_state(specs), deployment)


def main() -> None:
    deployment = Deployment()
    print(f"{'layers':>6} {'us/link':>10} {'url bytes':>10}")
    for count in (1, 2, 8, 32):
        runs = 200
        seconds = timeit.timeit(functools.partial(one_link, count, deployment), number=runs)
        size = len(one_link(count, deployment).encode())
        print(f"{count:>6} {seconds / runs * 1e6:>10.1f} {size:>10}")


if __name__ == "__main__":
    main()
