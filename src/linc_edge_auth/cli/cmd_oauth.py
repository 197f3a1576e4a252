"""`linc-edge-auth oauth`: the issuer's OAuth2 secrets, straight into Secrets Manager.

`oauth set-client-secret` reads the client secret the archive's Django admin showed (from stdin
when it is a pipe, else a no-echo prompt) and stores it with `put_secret_value`. `oauth seal-key
--rotate` generates a fresh AES-256 cookie-sealing key in memory and stores it first, keeping
the previous key second (cookies sealed just before the rotation still open; the one before is
dropped). The secret comes from `--secret-id`, or from the outputs of `--stack-name`
(OAuthClientSecretArn / SealingKeySecretArn). Neither value is ever printed, logged or written
to disk.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from cookie_issuer.sealed_cookie import SealError, new_key_text, parse_keys
from linc_edge_auth.cli.cmd_keys import _region, stack_outputs
from linc_edge_auth.errors import UserError

MAX_SECRET_CHARS = 1024

EPILOG = """\
examples:
  # after registering the viewer in the archive's Django admin (docs/deploying.md)
  linc-edge-auth oauth set-client-secret --stack-name linc-edge-auth-prod   # prompts, no echo
  linc-edge-auth oauth seal-key --rotate --stack-name linc-edge-auth-prod
"""


def _target(parser: argparse.ArgumentParser) -> None:
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--stack-name", help="find the secret in this stack's outputs")
    target.add_argument("--secret-id", help="the secret's name or ARN")
    parser.add_argument(
        "--region",
        default=None,
        help="AWS region (default: AWS_REGION / AWS_DEFAULT_REGION, else us-east-1)",
    )


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "oauth",
        help="OAuth2 client secret and cookie sealing key of the issuer",
        description="Store the issuer's OAuth2 secrets in Secrets Manager (never on disk).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="oauth_command", metavar="ACTION")
    sub.required = True
    client = sub.add_parser(
        "set-client-secret",
        help="store the client secret (stdin or a no-echo prompt)",
        description="Store the OAuth2 client secret of the issuer's Application at the archive.",
    )
    _target(client)
    client.set_defaults(func=set_client_secret_command)
    seal = sub.add_parser(
        "seal-key",
        help="generate the cookie sealing key (--rotate)",
        description="Generate a new cookie sealing key in memory and store it (the previous "
        "key is kept second, so cookies sealed just before still open).",
    )
    _target(seal)
    seal.add_argument("--rotate", action="store_true", help="required: make and store a new key")
    seal.set_defaults(func=seal_key_command)


def _secret_id(args: argparse.Namespace, output: str) -> str:
    if args.secret_id:
        return str(args.secret_id)
    outputs = stack_outputs(args.stack_name, _region(args))
    secret_id = outputs.get(output)
    if not secret_id:
        raise UserError(
            f"stack {args.stack_name!r} has no output {output}: deploy the current template first"
        )
    return secret_id


def _client(args: argparse.Namespace) -> Any:
    import boto3

    return boto3.client("secretsmanager", region_name=_region(args))


def _put(args: argparse.Namespace, secret_id: str, value: str) -> str:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response = _client(args).put_secret_value(SecretId=secret_id, SecretString=value)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        raise UserError(f"cannot store the secret in {secret_id}: {code}") from None
    except BotoCoreError as exc:
        raise UserError(f"cannot reach Secrets Manager: {type(exc).__name__}") from None
    return str(response["ARN"])


def _read_client_secret() -> str:
    if sys.stdin.isatty():
        value = getpass.getpass("Client secret (from the archive's Django admin): ")
    else:
        value = sys.stdin.readline()
    value = value.strip()
    if not value:
        raise UserError("no client secret given (paste it at the prompt, or pipe it on stdin)")
    if len(value) > MAX_SECRET_CHARS or any(ch.isspace() for ch in value):
        raise UserError("that does not look like a client secret (one line, no spaces)")
    return value


def set_client_secret_command(args: argparse.Namespace) -> int:
    secret_id = _secret_id(args, "OAuthClientSecretArn")
    stored = _put(args, secret_id, _read_client_secret())
    print(f"client secret stored (secret {stored})", file=sys.stderr)
    return 0


def _previous_key(args: argparse.Namespace, secret_id: str) -> str | None:
    """The newest key in the secret now, when it holds a valid one."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        current = _client(args).get_secret_value(SecretId=secret_id).get("SecretString") or ""
    except (ClientError, BotoCoreError):
        return None  # empty or unreadable: nothing to keep
    try:
        parse_keys(current)
    except SealError:
        return None
    return current.split(",")[0].strip()


def seal_key_command(args: argparse.Namespace) -> int:
    if not args.rotate:
        raise UserError(
            "pass --rotate: a new key replaces the current one (cookies sealed before the "
            "previous rotation stop opening, so users sign in again)"
        )
    secret_id = _secret_id(args, "SealingKeySecretArn")
    previous = _previous_key(args, secret_id)
    value = new_key_text() if previous is None else f"{new_key_text()},{previous}"
    stored = _put(args, secret_id, value)
    kept = " (previous key kept second)" if previous else ""
    print(f"new sealing key stored{kept} (secret {stored})", file=sys.stderr)
    return 0
