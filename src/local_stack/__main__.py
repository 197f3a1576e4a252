"""`python -m local_stack`: the whole flow on this machine, until Ctrl-C.

Starts local S3 + Secrets Manager (moto), the local archive (Django + django-oauth-toolkit in
its own process), the CloudFront emulator and the issuer API on loopback, prints the sample
link and the demo logins, writes `.local-stack/stack.json`, and stops cleanly on Ctrl-C or
SIGTERM. Ports come from the options,
else LOCAL_STACK_<NAME>_PORT, else the defaults; 0 picks a free port.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from cookie_issuer.settings import MAX_COOKIE_TTL_SECONDS, MIN_COOKIE_TTL_SECONDS
from local_stack.archive.process import ArchiveStartError
from local_stack.stack import LocalStack, PortBusyError, StackConfig
from template_model import TemplateError

_PORTS = (
    ("viewer-port", 8741, "the viewer origin: CloudFront emulator (open this one)"),
    ("archive-port", 8742, "the local archive: OAuth2 provider, sign-in, /api/users/me/, JWKS"),
    ("issuer-port", 8743, "the issuer HTTP API on its own URL (scripts)"),
    ("aws-port", 8744, "moto server: S3 and Secrets Manager"),
)


def _env_port(name: str, default: int) -> int:
    variable = "LOCAL_STACK_" + name.upper().replace("-", "_")
    value = os.environ.get(variable, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) > 65535:
        raise SystemExit(f"local_stack: {variable}={value!r} is not a port number")
    return int(value)


def cookie_ttl(text: str) -> int:
    """`--cookie-ttl`: the issuer's own bounds, refused here rather than as a 503 per request."""
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or not (
        MIN_COOKIE_TTL_SECONDS <= int(value) <= MAX_COOKIE_TTL_SECONDS
    ):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a cookie lifetime the issuer accepts: give whole seconds from "
            f"{MIN_COOKIE_TTL_SECONDS} to {MAX_COOKIE_TTL_SECONDS} "
            "(the template's CookieTtlSeconds)"
        )
    return int(value)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    defaults = StackConfig()
    parser = argparse.ArgumentParser(
        prog="python -m local_stack",
        description="Run linc-edge-auth locally: real Neuroglancer, local S3, a local archive "
        "with the archive's OAuth2 provider (Django + django-oauth-toolkit), the issuer and a "
        "CloudFront emulator built from template.yaml.",
    )
    for name, default, what in _PORTS:
        variable = "LOCAL_STACK_" + name.upper().replace("-", "_")
        parser.add_argument(
            f"--{name}",
            type=int,
            default=_env_port(name, default),
            help=f"{what} (env {variable}; default {default}; 0 = any free port)",
        )
    parser.add_argument(
        "--state-dir", type=Path, default=defaults.state_dir, help="keys and stack.json"
    )
    parser.add_argument("--template", type=Path, default=defaults.template, help="SAM template")
    parser.add_argument(
        "--viewer-dist", type=Path, default=defaults.viewer_dist, help="viewer build"
    )
    parser.add_argument(
        "--cookie-ttl",
        type=cookie_ttl,
        default=defaults.cookie_ttl_seconds,
        help="the template's CookieTtlSeconds (issuer COOKIE_TTL_SECONDS; "
        f"{MIN_COOKIE_TTL_SECONDS} to {MAX_COOKIE_TTL_SECONDS})",
    )
    parser.add_argument(
        "--edge-runtime",
        choices=["lambda-edge", "cloudfront-function"],
        default=defaults.edge_runtime,
        help="the template's EdgeRuntime: the Python Lambda@Edge check or the CloudFront "
        "Function (JavaScript, run under node)",
    )
    parser.add_argument(
        "--test-only-cookie-ttl",
        type=int,
        default=None,
        metavar="SECONDS",
        help="TESTS ONLY: cookies live SECONDS (10 to 899, below the template minimum) and the "
        "edge renews at a third of that; for browser tests of cookie renewal",
    )
    parser.add_argument(
        "--viewer-host",
        default=None,
        metavar="NAME",
        help="also serve the viewer as https://NAME:PORT (the template's ViewerDomain, a "
        "self-signed certificate; the browser maps NAME to 127.0.0.1 itself, e.g. Chromium's "
        "--host-resolver-rules): for cookies on a parent domain of NAME",
    )
    parser.add_argument(
        "--viewer-host-port",
        type=int,
        default=0,
        help="the port of --viewer-host (default 0: any free port)",
    )
    parser.add_argument(
        "--legacy-cookie-domains",
        default=defaults.legacy_cookie_domains,
        metavar="DOMAINS",
        help="the template's LegacyCookieDomains: parent domains where the issuer expires the "
        "archive's old CloudFront cookies (with --viewer-host, e.g. linc.test)",
    )
    parser.add_argument("--verbose", action="store_true", help="issuer logs at INFO")
    parser.add_argument(
        "--ask-consent",
        action="store_true",
        help="register the issuer at the archive without 'skip authorization', so the archive "
        "asks each user to authorize the viewer once (to try a denied consent)",
    )
    parser.add_argument(
        "--auth-mode",
        choices=("oauth2", "jwt"),
        default=defaults.auth_mode,
        help="how the issuer signs browsers in: oauth2 (default; the archive's OAuth2 provider) "
        "or jwt (the archive's session JWT cookie, the template's AuthMode=jwt)",
    )
    parser.add_argument(
        "--no-auth",
        action="store_true",
        help="serve without signed cookies and edge function (benchmark baseline only)",
    )
    return parser.parse_args(argv)


def _banner(info: dict[str, object]) -> str:
    users, oauth = info["users"], info["archive_oauth"]
    assert isinstance(users, list) and isinstance(oauth, dict)
    logins = "\n".join(
        f"    {u['username']:<6} {u['status']:<10}   API token {u['api_token']}" for u in users
    )
    return f"""
local stack is up (Ctrl-C stops it)

  Open this sample link in Chromium or Chrome:
    {info["sample_link"]}

  Viewer (CloudFront emulator)  {info["viewer_url"]}
  Archive (OAuth2 provider)     {info["archive_url"]}  (client id {oauth["client_id"]})
  Issuer sign-in mode           {info["auth_mode"]}
  Issuer API (scripts)          {info["issuer_api_url"]}/api/permissions/s3/
  Local S3 / Secrets Manager    {info["aws_endpoint_url"]}
  Request log and counters      {info["stats_url"]}
  Stack description (JSON)      {info["_path"]}

  Demo logins at the archive (user name only, no password):
{logins}
"""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    config = StackConfig(
        viewer_port=args.viewer_port,
        archive_port=args.archive_port,
        issuer_port=args.issuer_port,
        aws_port=args.aws_port,
        state_dir=args.state_dir.resolve(),
        template=args.template.resolve(),
        viewer_dist=args.viewer_dist.resolve(),
        cookie_ttl_seconds=args.cookie_ttl,
        edge_runtime=args.edge_runtime,
        log_level="INFO" if args.verbose else "WARNING",
        enforce_signed_cookies=not args.no_auth,
        oauth_skip_authorization=not args.ask_consent,
        auth_mode=args.auth_mode,
        test_only_cookie_ttl_seconds=args.test_only_cookie_ttl,
        viewer_host=args.viewer_host,
        viewer_host_port=args.viewer_host_port,
        legacy_cookie_domains=args.legacy_cookie_domains,
    )
    stack = LocalStack(config)
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        info = stack.start()
    except (PortBusyError, FileNotFoundError, TemplateError, ArchiveStartError, ValueError) as exc:
        print(f"local_stack: {exc}", file=sys.stderr)
        return 2
    print(_banner({**info, "_path": config.state_dir / "stack.json"}), flush=True)
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        print("local stack: stopping...", flush=True)
        stack.stop()
        print("local stack: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
