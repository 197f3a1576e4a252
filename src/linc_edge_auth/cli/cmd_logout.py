"""`linc-edge-auth logout`: delete the cookies `login` stored (one viewer, or all)."""

from __future__ import annotations

import argparse
from typing import Any

from linc_edge_auth import cookie_store

EPILOG = """\
examples:
  linc-edge-auth logout
  linc-edge-auth logout --viewer-url https://neuroglancer.lincbrain.org
  linc-edge-auth logout --all
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "logout",
        help="delete the stored cookies",
        description="Delete the CloudFront cookies stored by `linc-edge-auth login`. Copies you\n"
        "made (cookie files, notebooks) stay valid until they expire.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--viewer-url", help="only this viewer's cookies")
    which.add_argument("--all", action="store_true", help="the cookies of every viewer")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.all:
        removed = cookie_store.delete(None)
    else:
        target = args.viewer_url
        if target is None:
            only = cookie_store.find(None)
            target = only.viewer_origin if only else None
        removed = cookie_store.delete(target) if target else []
        if target is None and cookie_store.load_all():
            print("cookies for several viewers are stored: give --viewer-url or --all")
            return 1
    for origin in removed:
        print(f"removed the cookies for {origin}")
    if not removed:
        print("no stored cookies to remove")
    return 0
