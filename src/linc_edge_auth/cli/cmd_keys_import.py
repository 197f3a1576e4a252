"""`linc-edge-auth keys import`: trust an existing CloudFront public key in a free key slot.

Contract: `import_command(args)` reads a public key PEM file (`--public-key`), accepts only what
CloudFront accepts for signed cookies (`cookie_issuer.signing.cloudfront_key_problem`, as
`keys check`; a private key is refused without echoing it), checks with `--stack-name` that
the slot is free, and finds the CloudFront public key in this account that holds the same key
material (`--key-id` names it; otherwise it is looked up with `ListPublicKeys`). It prints that
id on stdout for the template parameter `PublicKeyId<SLOT>` and writes nothing anywhere.

Why an id and not the PEM: cookies already in browsers carry `CloudFront-Key-Pair-Id` = the id
of the key that signed them. Uploading the same PEM again would create a public key with a new
id, which those cookies do not name, so CloudFront would still refuse them. Only the existing
key (same account) can be trusted. The slot holds no private key: the issuer never signs with an
imported key (the template refuses `ActiveKey` on such a slot).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from cookie_issuer.signing import cloudfront_key_problem
from linc_edge_auth.errors import UserError

#: Slots a key can be imported into: slot A holds the stack's own first key.
IMPORT_SLOTS = ("B",)

EPILOG = """\
examples:
  # switch-over: trust the archive's current cookie key beside our own key in slot A
  linc-edge-auth keys import --slot B --public-key archive-cloudfront.pub.pem \\
      --stack-name linc-edge-auth-prod
  # then: sam deploy ... --parameter-overrides PublicKeyIdB=<the printed id>

docs/migration.md walks through the whole switch-over.
"""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "import",
        help="trust an existing CloudFront public key (e.g. the archive's) in a free slot",
        description=(
            "Check a CloudFront public key PEM (RSA-2048 or ECDSA P-256), find the existing "
            "CloudFront public key with that key material in this account, and print its id "
            "(stdout) for the PublicKeyId<SLOT> template parameter. Cookies signed with that key "
            "then keep opening data until they expire."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--slot", choices=IMPORT_SLOTS, default="B", help="key slot (B)")
    parser.add_argument("--public-key", required=True, metavar="FILE", help="public key PEM")
    parser.add_argument(
        "--key-id", help="the CloudFront public key id to trust (default: found by key material)"
    )
    parser.add_argument("--stack-name", help="refuse if the slot is in use in this stack")
    parser.add_argument(
        "--region",
        default=None,
        help="AWS region (default: AWS_REGION / AWS_DEFAULT_REGION, else us-east-1)",
    )
    parser.set_defaults(func=import_command)


def load_cloudfront_public_key(path: str) -> str:
    """The key as a SubjectPublicKeyInfo PEM, if CloudFront accepts it for signed cookies."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    if b"PRIVATE KEY" in data:
        raise UserError(
            f"{path} holds a private key; give the public key only "
            "(openssl pkey -in KEY -pubout). The private key is not needed to trust a key."
        )
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        raise UserError(f"{path} is not a PEM public key (-----BEGIN PUBLIC KEY-----)") from None
    problem = cloudfront_key_problem(key)  # the issuer's own rule
    if problem is not None:
        raise UserError(f"{path}: {problem}")
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def same_key(pem_a: str, pem_b: str) -> bool:
    """Same key material, whatever the PEM layout (line breaks, trailing newline)."""
    try:
        a = serialization.load_pem_public_key(pem_a.encode())
        b = serialization.load_pem_public_key(pem_b.encode())
    except ValueError:
        return False
    der = serialization.Encoding.DER
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    return a.public_bytes(der, spki) == b.public_bytes(der, spki)


def find_key_id(cloudfront: Any, pem: str, key_id: str | None) -> str:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        if key_id:
            config = cloudfront.get_public_key(Id=key_id)["PublicKey"]["PublicKeyConfig"]
            if not same_key(config["EncodedKey"], pem):
                raise UserError(
                    f"CloudFront public key {key_id} holds other key material than the file"
                )
            return key_id
        matches: list[str] = []
        marker: str | None = None
        while True:
            page = cloudfront.list_public_keys(**({"Marker": marker} if marker else {}))
            listing = page.get("PublicKeyList", {})
            for item in listing.get("Items", []):
                if same_key(item["EncodedKey"], pem):
                    matches.append(item["Id"])
            marker = listing.get("NextMarker")
            if not marker:
                break
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        raise UserError(f"cannot read CloudFront public keys: {code}") from None
    except BotoCoreError as exc:
        raise UserError(f"cannot reach CloudFront: {exc}") from None
    if not matches:
        raise UserError(
            "no CloudFront public key in this account holds this key. Cookies in browsers name "
            "the id of the key that signed them, so only that existing key can be trusted: run "
            "this with credentials of the account that holds it (a key group cannot trust "
            "another account's key), or skip this step (docs/migration.md: users then sign in "
            "again once)"
        )
    if len(matches) > 1:
        raise UserError(
            f"several CloudFront public keys hold this key ({', '.join(sorted(matches))}); "
            "choose the one the old cookies name (CLOUDFRONT_PEM_KEY_ID) with --key-id"
        )
    return matches[0]


def import_command(args: argparse.Namespace) -> int:
    import boto3

    from linc_edge_auth.cli.cmd_keys import _region, stack_outputs

    pem = load_cloudfront_public_key(args.public_key)
    region = _region(args)
    if args.stack_name:
        outputs = stack_outputs(args.stack_name, region)
        used = outputs.get(f"PublicKeySlot{args.slot}Id")
        if used:
            raise UserError(
                f"slot {args.slot} holds the deployed key {used}; finish that rotation first "
                "(docs/deploying.md)"
            )
    key_id = find_key_id(boto3.client("cloudfront", region_name=region), pem, args.key_id)
    print(key_id)
    print(
        f"next: deploy with PublicKeyId{args.slot}={key_id} (and PublicKey{args.slot} empty); "
        f"the key group then trusts the cookies signed with it",
        file=sys.stderr,
    )
    return 0
