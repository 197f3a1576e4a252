"""`linc-edge-auth link ASSET [ASSET ...]`: print a Neuroglancer link on the viewer domain.

One asset gives a single-layer viewer (use case 1), several give one viewer with a layer each
(use case 2). Per-layer options (--name, --type, --format, --shader, --range) are given once
for all assets or once per asset, in order.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, TypeVar, cast

from edge_auth import short_links
from linc_edge_auth import archive, signin
from linc_edge_auth.asset_refs import (
    DEFAULT_BUCKET,
    DEFAULT_DATA_PREFIXES,
    DEFAULT_VIEWER_URL,
    FORMATS,
    Deployment,
)
from linc_edge_auth.cookie_store import same_viewer
from linc_edge_auth.errors import UserError
from linc_edge_auth.fetch import http_fetcher
from linc_edge_auth.issuer_client import store_state
from linc_edge_auth.viewer_state import (
    LAYOUTS,
    Fetcher,
    LayerType,
    ViewerState,
    build_state,
    compact_state_json,
    resolve_layer,
    state_json,
    viewer_link,
)

T = TypeVar("T")
EXAMPLE_BLOB = "blobs/3f2/a1c/3f2a1c9e-1b2d-4c3e-8f40-5a6b7c8d9e0f"
EXAMPLE_ZARR = "0b5b0a8e-4e6f-4a52-9a2c-2f3d1c0e9f10"

EPILOG = f"""\
ASSET forms (each checked against the deployment's bucket and data prefixes):
  s3://BUCKET/KEY
      s3://{DEFAULT_BUCKET}/zarr/0b5b0a8e-4e6f-4a52-9a2c-2f3d1c0e9f10/
  https://BUCKET.s3.amazonaws.com/KEY  (also BUCKET.s3.REGION.amazonaws.com,
  s3.REGION.amazonaws.com/BUCKET/KEY and other S3 URL styles)
      https://{DEFAULT_BUCKET}.s3.amazonaws.com/blobs/3f2/a1c/3f2a1c9e-1b2d-4c3e-8f40-5a6b7c8d9e0f
  a URL already on the viewer domain
      {DEFAULT_VIEWER_URL}/zarr/0b5b0a8e-4e6f-4a52-9a2c-2f3d1c0e9f10/
  an archive asset by dandiset and path (needs the [archive] extra)
      dandi://linc/000003@draft/sub-MR1/micr/sub-MR1_sample-slab1_SPIM.ome.zarr
  an archive asset by id, on --archive (default linc)
      asset:9c1f6a7e-2b3d-4e5f-8a9b-0c1d2e3f4a5b
      https://api.lincbrain.org/api/assets/9c1f6a7e-2b3d-4e5f-8a9b-0c1d2e3f4a5b/

Formats come from the name (.zarr/.ome.zarr, .nii/.nii.gz, precomputed `info`), from the
archive path, or from the zarr/ prefix; LINC blobs/ keys have no extension: refer to them
through the archive or give --format.

Neuroglancer's own spellings of a source work too (URL|zarr:, URL|nifti:, zarr://URL, ...).

--short stores the state on the viewer under /links/ (readable with the CloudFront cookies
only, like data) through the issuer, with your archive API key (LINC_API_KEY, or a prompt), and
prints https://VIEWER/#!https://VIEWER/links/<sha256>.json: as short for any state. The same
state always gets the same link; states up to 1 MiB.

--centre reads the metadata with the cookies of `linc-edge-auth login`.

Archive API keys are read from {{INSTANCE}}_API_KEY (e.g. LINC_API_KEY), as the dandi client does.
Deployment settings: --viewer-url/LINC_VIEWER_URL, --bucket/LINC_BUCKET,
--data-prefixes/LINC_DATA_PREFIXES (LINC production defaults).

examples:
  linc-edge-auth link s3://{DEFAULT_BUCKET}/zarr/0b5b0a8e-4e6f-4a52-9a2c-2f3d1c0e9f10/
  linc-edge-auth link --short --centre {DEFAULT_VIEWER_URL}/zarr/{EXAMPLE_ZARR}/
  linc-edge-auth link --name dMRI --name HiP-CT --format nifti --format zarr \\
      https://{DEFAULT_BUCKET}.s3.amazonaws.com/{EXAMPLE_BLOB} \\
      s3://{DEFAULT_BUCKET}/zarr/0b5b0a8e-4e6f-4a52-9a2c-2f3d1c0e9f10/
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "link",
        help="print a Neuroglancer link to private assets on the viewer domain",
        description="Print a shareable Neuroglancer link, one layer per ASSET, on the viewer\n"
        "domain, where CloudFront signed cookies give archive members access.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("assets", nargs="+", metavar="ASSET", help="asset reference (forms below)")
    layer = parser.add_argument_group("per layer (once for all, or once per ASSET)")
    layer.add_argument("--name", action="append", help="layer name (default: the file name)")
    layer.add_argument(
        "--type", action="append", choices=("image", "segmentation"), help="layer type (image)"
    )
    layer.add_argument("--format", action="append", choices=FORMATS, help="override the format")
    layer.add_argument("--shader", action="append", help="image layer shader (GLSL)")
    layer.add_argument(
        "--range", action="append", metavar="LOW,HIGH", help="image contrast range, e.g. 0,1000"
    )
    view = parser.add_argument_group("viewer")
    view.add_argument("--layout", choices=LAYOUTS, help="4panel for one layer, xy-3d for more")
    view.add_argument(
        "--centre",
        action="store_true",
        help="read OME-Zarr metadata to centre on the first layer (with the cookies of "
        "`linc-edge-auth login`)",
    )
    view.add_argument(
        "--legacy-sources", action="store_true", help="write zarr://URL instead of URL|zarr:"
    )
    out = view.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the state JSON, not the URL")
    out.add_argument(
        "--short",
        action="store_true",
        help="store the state on the viewer (members only) and print a short link to it",
    )
    view.add_argument(
        "--issuer-url", help="issuer for --short (LINC_ISSUER_URL; default: the one of `login`)"
    )
    deploy = parser.add_argument_group("deployment")
    deploy.add_argument(
        "--viewer-url", help=f"viewer origin (LINC_VIEWER_URL, {DEFAULT_VIEWER_URL})"
    )
    deploy.add_argument("--bucket", help=f"asset bucket (LINC_BUCKET, {DEFAULT_BUCKET})")
    deploy.add_argument(
        "--data-prefixes",
        help=f"served path patterns (LINC_DATA_PREFIXES, {','.join(DEFAULT_DATA_PREFIXES)})",
    )
    deploy.add_argument(
        "--archive",
        help="archive for asset:<id>: a dandi instance name or an API URL "
        f"(LINC_ARCHIVE, {archive.DEFAULT_ARCHIVE})",
    )
    parser.set_defaults(func=run)


def _per_asset(values: list[T] | None, count: int, flag: str) -> list[T | None]:
    if not values:
        return [None] * count
    if len(values) == 1:
        return [values[0]] * count
    if len(values) == count:
        return list(values)
    raise UserError(f"{flag}: given {len(values)} times for {count} assets (give it 1 or {count})")


def _parse_range(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        raise UserError(f"--range {text!r}: expected LOW,HIGH, e.g. 0,1000") from None
    return lo, hi


def deployment_from(args: argparse.Namespace) -> Deployment:
    return Deployment.from_sources(
        {"viewer_url": args.viewer_url, "bucket": args.bucket, "data_prefixes": args.data_prefixes}
    )


def _warn(message: str) -> None:
    print(f"linc-edge-auth link: warning: {message}", file=sys.stderr)


def metadata_fetcher(deployment: Deployment) -> Fetcher:
    """Reads metadata with the stored cookies; says why when the link cannot be centred."""
    cookie: str | None = None
    try:
        cookie = signin.current(deployment.viewer_url).header()
    except UserError as exc:
        _warn(f"{exc}; reading metadata without cookies")

    def refused(url: str) -> None:
        _warn(
            f"the viewer refused to read {url} (HTTP 403): the link is not centred; "
            f"run `linc-edge-auth login` for {deployment.viewer_url}"
        )

    return http_fetcher(cookie=cookie, on_refused=refused)


def run(args: argparse.Namespace) -> int:
    deployment = deployment_from(args)
    count = len(args.assets)
    archive_name = args.archive or os.environ.get("LINC_ARCHIVE") or archive.DEFAULT_ARCHIVE
    archive_source = "--archive" if args.archive else "LINC_ARCHIVE"
    columns: Sequence[list[Any]] = [
        _per_asset(args.name, count, "--name"),
        _per_asset(args.type, count, "--type"),
        _per_asset(args.format, count, "--format"),
        _per_asset(args.shader, count, "--shader"),
        _per_asset(args.range, count, "--range"),
    ]
    layers = []
    for ref, name, layer_type, fmt, shader, contrast in zip(args.assets, *columns, strict=True):
        spec = resolve_layer(
            ref,
            deployment,
            name=name,
            fmt=fmt,
            layer_type=cast(LayerType, layer_type or "image"),
            archive_name=archive_name,
            archive_source=archive_source,
        )
        layers.append(replace(spec, shader=shader, contrast=_parse_range(contrast)))
    fetch = metadata_fetcher(deployment) if args.centre else None
    state = build_state(layers, layout=args.layout, fetch=fetch, legacy_sources=args.legacy_sources)
    if args.short:
        print(short_link(state, deployment, args.issuer_url))
    else:
        print(state_json(state) if args.json else viewer_link(state, deployment))
    return 0


def short_link(state: ViewerState, deployment: Deployment, issuer_flag: str | None) -> str:
    """Stores the state through the issuer (API key) and returns the short link it answers."""
    issuer = signin.issuer_url(issuer_flag, deployment.viewer_url)
    data = compact_state_json(state).encode("utf-8")
    link = store_state(issuer, signin.api_key_or_prompt(), data)
    if not same_viewer(link.state_url, deployment.viewer_url):
        raise UserError(
            f"the issuer at {issuer} stores links for {link.url.split('/#!')[0]}, not for "
            f"{deployment.viewer_url}: give the matching --issuer-url or --viewer-url"
        )
    # Spelled on the viewer origin the user named (the local stack signs https, serves http).
    return short_links.short_link(deployment.viewer_url, link.link_id)
