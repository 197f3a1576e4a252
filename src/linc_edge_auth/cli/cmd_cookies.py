"""`linc-edge-auth cookies`: print the stored CloudFront cookies for curl, wget or other tools.

Renews them first when they are close to expiry and LINC_API_KEY is set (`signin.current`).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from linc_edge_auth import signin
from linc_edge_auth.errors import UserError

EPILOG = """\
formats:
  header    one `Cookie: ...` line (curl -H, wget --header)
  netscape  a Netscape cookie file (curl -b FILE, wget --load-cookies FILE)

examples:
  curl -H "$(linc-edge-auth cookies)" https://VIEWER/zarr/UUID/.zattrs
  linc-edge-auth cookies --format netscape --output cookies.txt    # mode 0600
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
    parser.add_argument(
        "--output", metavar="FILE", help="write FILE (created with mode 0600), not stdout"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cookies = signin.current(args.viewer_url)
    text = cookies.netscape() if args.format == "netscape" else f"Cookie: {cookies.header()}\n"
    if args.output is None:
        print(text, end="")
        return 0
    try:
        # Created private: the values are credentials. An existing file is replaced in place.
        fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise UserError(f"--output {args.output}: {exc.strerror}") from None
    print(f"wrote the cookies for {cookies.viewer_origin} to {args.output}", file=sys.stderr)
    return 0
