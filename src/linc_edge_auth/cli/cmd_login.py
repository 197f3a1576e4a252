"""`linc-edge-auth login`: CloudFront cookies for scripts, from the issuer, with an archive API key.

The key comes from LINC_API_KEY or a prompt that does not echo; the cookies are stored with their
expiry (`linc_edge_auth.cookie_store`) and renewed by `cookies` and the Python helpers.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from typing import Any

from linc_edge_auth import cookie_store, signin
from linc_edge_auth.errors import UserError
from linc_edge_auth.issuer_client import issuer_url_from

EPILOG = f"""\
The API key is the one on your archive profile page (lincbrain.org: your name, top right,
"API key"). It is read from {signin.API_KEY_ENV} or asked for; it is sent to the issuer only and
never stored. The cookies are stored (mode 0600) in {cookie_store.path()}.

examples:
  linc-edge-auth login --issuer-url https://ISSUER-API.execute-api.us-east-1.amazonaws.com
  export {signin.API_KEY_ENV}=...; linc-edge-auth login     # no prompt; scripts renew on their own
  curl -b <(linc-edge-auth cookies --format netscape) https://VIEWER/zarr/UUID/.zattrs
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


def _issuer_url(args: argparse.Namespace) -> str:
    import os

    if args.issuer_url:
        return issuer_url_from(args.issuer_url, "--issuer-url")
    if value := os.environ.get(signin.ISSUER_URL_ENV):
        return issuer_url_from(value, signin.ISSUER_URL_ENV)
    stored = cookie_store.find(args.viewer_url)
    if stored is not None:
        return stored.issuer_url
    raise UserError(
        f"which issuer? give --issuer-url or set {signin.ISSUER_URL_ENV} (the stack's "
        "IssuerApiUrl output; the LINC team publishes it)"
    )


def _api_key() -> str:
    if key := signin.api_key_from_env():
        return key
    if not sys.stdin.isatty():
        raise UserError(f"no API key: set {signin.API_KEY_ENV} (no terminal to ask on)")
    key = getpass.getpass("Archive API key (not shown): ").strip()
    if not key:
        raise UserError("no API key given")
    return key


def run(args: argparse.Namespace) -> int:
    issuer = _issuer_url(args)
    cookies = signin.login(issuer, _api_key())
    until = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(cookies.expires))
    hours = cookies.seconds_left() / 3600
    print(
        f"signed in: cookies for {cookies.viewer_origin} valid until {until} ({hours:.1f} h), "
        f"stored in {cookie_store.path()}"
    )
    return 0
