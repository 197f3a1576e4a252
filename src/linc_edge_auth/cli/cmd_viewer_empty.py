"""`linc-edge-auth viewer-empty`: delete every version in the viewer bucket before a teardown."""

from __future__ import annotations

import argparse
from typing import Any

from linc_edge_auth.errors import UserError

EPILOG = """\
example (teardown, before `sam delete`):
  linc-edge-auth viewer-empty --bucket linc-edge-auth-dev-viewerbucket-abc123 --yes

The viewer bucket is versioned: CloudFormation cannot delete it while any version or delete
marker is left. This deletes all of them, the short-link states under links/ included.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "viewer-empty",
        help="delete every object version in the viewer bucket (before sam delete)",
        description="Delete every object version and delete marker of the viewer bucket, so "
        "that the stack can be deleted. Irreversible: short links stop working.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--bucket", required=True, help="viewer bucket (stack output)")
    parser.add_argument(
        "--yes", action="store_true", help="really delete (without it nothing is touched)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.yes:
        raise UserError(
            f"this deletes every version in s3://{args.bucket}/ (short links included); "
            "add --yes to do it"
        )
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from linc_edge_auth.bucket_teardown import empty_versioned_bucket

    try:
        deleted = empty_versioned_bucket(boto3.client("s3"), args.bucket)
    except (BotoCoreError, ClientError, RuntimeError) as exc:
        raise UserError(f"--bucket {args.bucket}: {exc}") from None
    print(f"deleted {deleted} object versions and delete markers from s3://{args.bucket}/")
    return 0
