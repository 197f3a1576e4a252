"""`linc-edge-auth cookies`: print the stored CloudFront cookies for curl, wget or other tools.

Renews them first when they are close to expiry and LINC_API_KEY is set (`signin.current`).
"""

from __future__ import annotations

import argparse
from typing import Any

from linc_edge_auth import signin

EPILOG = """\
formats:
  header    one `Cookie: ...` line (curl -H, wget --header)
  netscape  a Netscape cookie file (curl -b FILE, wget --load-cookies FILE)

examples:
  curl -H "$(linc-edge-auth cookies)" https://VIEWER/zarr/UUID/.zattrs
  (umask 077; linc-edge-auth cookies --format netscape > cookies.txt)
  wget --load-cookies cookies.txt https://VIEWER/blobs/AAA/BBB/UUID
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "cookies",
        help="print the stored cookies as a Cookie header or a Netscape cookie file",
        description="Print the CloudFront cookies stored by `linc-edge-auth login`.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--format", choices=("header", "netscape"), default="header")
    parser.add_argument("--viewer-url", help="which viewer (when cookies for several are stored)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cookies = signin.current(args.viewer_url)
    if args.format == "netscape":
        print(cookies.netscape(), end="")
    else:
        print(f"Cookie: {cookies.header()}")
    return 0
