"""`linc-edge-auth login`: CloudFront cookies for scripts, from the issuer, with an archive API key.

The key comes from LINC_API_KEY or a prompt that does not echo; the cookies are stored with their
expiry (`linc_edge_auth.cookie_store`) and renewed by `cookies` and the Python helpers.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from linc_edge_auth import cookie_store, signin

EPILOG = f"""\
The API key is the one on your archive profile page (lincbrain.org: your name, top right,
"API key"). It is read from {signin.API_KEY_ENV} or asked for; it is sent to the issuer only and
never stored. The cookies are stored (mode 0600) in {cookie_store.path()}.

examples:
  linc-edge-auth login --issuer-url https://ISSUER-API.execute-api.us-east-1.amazonaws.com
  export {signin.API_KEY_ENV}=...; linc-edge-auth login     # no prompt; scripts renew on their own
  linc-edge-auth login --viewer-url https://neuroglancer.lincbrain.org   # sign in again
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "login",
        help="get CloudFront cookies for scripts with your archive API key",
        description="Ask the issuer for CloudFront cookies with your archive API key and store\n"
        "them for `linc-edge-auth cookies` and the Python helpers.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--issuer-url",
        help=f"the issuer API ({signin.ISSUER_URL_ENV}; default: the issuer of the stored cookies)",
    )
    parser.add_argument(
        "--viewer-url", help="which stored viewer to sign in again to (when several are stored)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    issuer = signin.issuer_url(args.issuer_url, args.viewer_url)
    cookies = signin.login(issuer, signin.api_key_or_prompt())
    until = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(cookies.expires))
    hours = cookies.seconds_left() / 3600
    print(
        f"signed in: cookies for {cookies.viewer_origin} valid until {until} ({hours:.1f} h), "
        f"stored in {cookie_store.path()}"
    )
    return 0
