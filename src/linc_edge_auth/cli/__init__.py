"""Entry point of the `linc-edge-auth` command.

Each subcommand lives in its own module under `linc_edge_auth.cli` (`cmd_<name>.py`) and exposes
`register(subparsers) -> None`, which adds its parser and sets `func` (a callable taking the
parsed namespace and returning an exit code). Errors meant for the user are raised as
`UserError` and printed as one line, never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from linc_edge_auth.errors import UserError

COMMAND_MODULES: tuple[str, ...] = (
    "linc_edge_auth.cli.cmd_link",
    "linc_edge_auth.cli.cmd_login",
    "linc_edge_auth.cli.cmd_cookies",
    "linc_edge_auth.cli.cmd_logout",
    "linc_edge_auth.cli.cmd_keys",
    "linc_edge_auth.cli.cmd_oauth",
    "linc_edge_auth.cli.cmd_streamlines",
    "linc_edge_auth.cli.cmd_viewer_deploy",
    "linc_edge_auth.cli.cmd_viewer_empty",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="linc-edge-auth",
        description="Private LINC assets in Neuroglancer behind CloudFront signed cookies.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except UserError as exc:
        print(f"linc-edge-auth {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    raise SystemExit(main())
