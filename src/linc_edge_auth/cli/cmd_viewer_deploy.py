"""`linc-edge-auth viewer-deploy`: publish viewer/dist to the viewer bucket (see viewer_deploy)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from linc_edge_auth.errors import UserError

EPILOG = """\
examples:
  linc-edge-auth viewer-deploy --bucket linc-edge-auth-prod-viewerbucket-abc123 \\
      --distribution-id E2EXAMPLE
  linc-edge-auth viewer-deploy --bucket BUCKET --dist viewer/dist --prune

Bucket and distribution id are the stack outputs ViewerBucketName and DistributionId.
index.html is uploaded last with Cache-Control: no-store (every navigation reaches CloudFront,
so the edge function can refresh cookies); assets/* are content-hashed and cached for a year.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "viewer-deploy",
        help="publish the viewer build to the viewer bucket",
        description="Upload the Neuroglancer build with the cache headers the login round "
        "trip needs, then invalidate / and /index.html.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--bucket", required=True, help="viewer bucket (stack output)")
    parser.add_argument("--dist", type=Path, default=Path("viewer/dist"), help="build folder")
    parser.add_argument("--distribution-id", help="CloudFront distribution to invalidate")
    parser.add_argument(
        "--prune", action="store_true", help="delete objects the build no longer has"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from linc_edge_auth.viewer_deploy import publish, stderr_progress

    try:
        uploads = publish(
            args.dist,
            args.bucket,
            boto3.client("s3"),
            prune=args.prune,
            cloudfront=boto3.client("cloudfront") if args.distribution_id else None,
            distribution_id=args.distribution_id,
            progress=stderr_progress,
        )
    except FileNotFoundError as exc:
        raise UserError(f"--dist: {exc}") from None
    except (BotoCoreError, ClientError) as exc:
        raise UserError(f"--bucket {args.bucket}: {exc}") from None
    print(f"published {len(uploads)} files to s3://{args.bucket}/")
    return 0
