"""`linc-edge-auth streamlines convert|synth`: tractograms as Neuroglancer layers.

`convert INPUT DEST` writes skeletons (one segment per bundle) and/or whole-brain annotations to
a local folder or to `s3://BUCKET/PREFIX/` under a served prefix, then prints a viewer link with
the volume and the streamlines layers (S3 destinations, or a local one given `--data-url`).
The link opens on the whole-brain annotation view with no bundle selected (`--bundles` selects
some) and colours by orientation, or by a scalar of the file (`--color-by FA`).
`synth VOLUME OUTPUT` writes a synthetic tractogram aligned with a NIfTI volume.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from linc_edge_auth.errors import UserError
from linc_edge_auth.extras import require


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("streamlines", help="tractograms as Neuroglancer layers")
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True

    conv = sub.add_parser("convert", help=".trk/.tck/.trx -> skeletons + annotations, and a link")
    conv.add_argument("input", type=Path, help="tractogram: .trk, .tck or .trx")
    conv.add_argument("dest", help="local folder, or s3://BUCKET/zarr/... (a served prefix)")
    conv.add_argument(
        "--volume",
        help="the NIfTI it was tracked on: s3://BUCKET/KEY (shown in the link) or a path",
    )
    conv.add_argument("--volume-url", help="volume to show in the link when --volume is a path")
    conv.add_argument(
        "--outputs", default="skeletons,annotations", help="skeletons, annotations or both"
    )
    conv.add_argument("--bundle-key", help="per-streamline bundle label (trx: 'groups')")
    conv.add_argument(
        "--bundles", help="bundles selected in the link: labels or segment ids, comma-separated"
    )
    conv.add_argument(
        "--color-by", help="colour the link by a per-point or per-streamline value (e.g. FA)"
    )
    conv.add_argument("--group-size", type=int, default=1000, help="streamlines per segment")
    conv.add_argument("--batch-size", type=int, default=5000, help="streamlines in memory")
    conv.add_argument("--tolerance-mm", type=float, default=1.0, help="slack outside the volume")
    conv.add_argument(
        "--layout",
        choices=("auto", "sharded", "files"),
        default="auto",
        help="sharded files, or one file per object (auto: sharded above 10,000 streamlines)",
    )
    conv.add_argument("--workers", type=int, default=8, help="parallel S3 uploads")
    conv.add_argument("--overwrite", action="store_true", help="replace a local destination")
    conv.add_argument("--data-url", help="URL the destination is served at (local folders)")
    conv.add_argument("--progress", action="store_true", help="progress on stderr (default: TTY)")
    conv.set_defaults(func=run_convert)

    syn = sub.add_parser("synth", help="a synthetic tractogram aligned with a NIfTI volume")
    syn.add_argument("volume", type=Path)
    syn.add_argument("output", type=Path, help=".trk or .tck")
    syn.add_argument("--count", type=int, default=2000)
    syn.add_argument("--points", type=int, default=32)
    syn.add_argument("--bundles", type=int, default=4)
    syn.add_argument("--seed", type=int, default=0)
    syn.add_argument("--fa", action="store_true", help="add a per-point FA value (.trk)")
    syn.set_defaults(func=run_synth)


def run_synth(args: argparse.Namespace) -> int:
    require("nibabel", "streamlines", "streamlines synth")
    from linc_edge_auth.streamlines.synth import synthesize_tractogram

    out = synthesize_tractogram(
        args.volume, args.output, count=args.count, points=args.points,
        bundles=args.bundles, seed=args.seed, fa=args.fa,
    )  # fmt: skip
    print(out)
    return 0


def run_convert(args: argparse.Namespace) -> int:
    require("nibabel", "streamlines", "streamlines convert")
    from linc_edge_auth.asset_refs import Deployment, locate, viewer_data_url
    from linc_edge_auth.streamlines import convert, layers, scalars, store, volume
    from linc_edge_auth.viewer_state import LayerSpec, resolve_layer, viewer_link

    deployment = Deployment.from_env()
    client = None
    dest: store.Store
    base_url: str | None = args.data_url
    if args.dest.startswith("s3://"):
        key = locate(args.dest, deployment)
        client = store.s3_client()
        dest_store: store.Store = store.S3Store(
            deployment.bucket, key, client, workers=max(1, args.workers)
        )
        # The destination is a folder of precomputed sources (skeletons/, annotations/).
        base_url = base_url or viewer_data_url(deployment, key, "precomputed")
    elif "://" in args.dest:
        raise UserError(f"{args.dest}: expected a local folder or s3://BUCKET/PREFIX")
    else:
        dest_store = store.LocalStore(Path(args.dest), overwrite=args.overwrite)
    dest = dest_store
    volume_layer = None
    if args.volume_url:
        volume_layer = LayerSpec(url=args.volume_url, format="nifti", name="volume")
    box = None
    try:
        if args.volume:
            if args.volume.startswith("s3://"):
                served = resolve_layer(args.volume, deployment, name="volume", fmt="nifti")
                volume_layer = volume_layer or served
                client = client or store.s3_client()
            box = volume.VolumeBox.from_header(volume.read_header(args.volume, client))
        opts = convert.Options(
            input=args.input,
            outputs=tuple(o.strip() for o in args.outputs.split(",") if o.strip()),
            volume=box,
            batch_size=args.batch_size,
            group_size=args.group_size,
            bundle_key=args.bundle_key,
            color_by=args.color_by,
            tolerance_mm=args.tolerance_mm,
            sharded={"auto": None, "sharded": True, "files": False}[args.layout],
            progress=convert.progress_stream(args.progress),
        )
    except BaseException:
        dest.abort()
        raise
    if box is not None and box.note:
        print(f"note: {box.note}", file=__import__("sys").stderr)
    result = convert.convert(opts, dest)
    skipped = f", {result.skipped:,} one-point streamlines skipped" if result.skipped else ""
    layout = "sharded" if result.sharded else "one file per object"
    print(
        f"{result.streamlines:,} streamlines, {result.points:,} points -> {dest.location}"
        f" ({len(result.segments)} segments, {result.objects:,} objects, {layout},"
        f" {result.seconds:.1f} s{skipped})"
    )
    if base_url:
        segments = layers.select_bundles(result.segment_names, (args.bundles or "").split(","))
        color_by = None
        if args.color_by:
            scalar = scalars.find_scalar(result.scalars, args.color_by)
            color_by = layers.ColorBy(scalar, *result.ranges.range(scalar.id))
        state = layers.streamlines_state(
            base_url, outputs=opts.outputs, segments=segments, volume=volume_layer,
            name=args.input.stem, color_by=color_by,
        )  # fmt: skip
        print(viewer_link(state, deployment))
    return 0
