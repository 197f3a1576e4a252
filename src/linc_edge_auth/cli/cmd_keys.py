"""`linc-edge-auth keys`: CloudFront signing keys for the stack's two key slots.

`keys create` generates a key pair on this machine, stores the private key PEM (PKCS#8) in the
secret of one slot with Secrets Manager `put_secret_value`, and prints the public key PEM for the
template parameter PublicKeyA / PublicKeyB. Nothing private touches the disk unless
`--private-key-out FILE` is given (the file is created with mode 0600 and never overwritten).

The slot's secret comes from `--secret-id`, or from the outputs of `--stack-name`
(SigningKeySecretAArn / SigningKeySecretBArn). With a stack and no `--slot`, the free slot is
chosen (A on a fresh stack); a slot whose public key is deployed is refused, because replacing
its private key would break the signatures the issuer makes with it.

`keys check FILE` says whether a PEM key (a PublicKeyA/PublicKeyB value, or a private key) is
one CloudFront takes: RSA-2048 or ECDSA P-256 (the issuer's own rule,
`cookie_issuer.signing.cloudfront_key_problem`); anything else, RSA-3072 included, is refused with
the reason, before a deploy would accept it and every signed cookie would then be refused.

`keys import` (`cmd_keys_import.py`) trusts an existing CloudFront key in slot B for a
switch-over.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cookie_issuer.signing import cloudfront_key_problem
from linc_edge_auth.errors import UserError

ALGORITHMS = ("rsa-2048", "ecdsa-p256")
SLOTS = ("A", "B")

EPILOG = """\
examples:
  # first deploy: the stack exists with empty slots; fill slot A, then deploy its public key
  linc-edge-auth keys create --stack-name linc-edge-auth-prod > slot-a.pub.pem
  # put the PEM into samconfig.toml as PublicKeyA, then: sam deploy --config-env prod

  # rotation, step 1: the free slot (B) gets the new key; the issuer keeps signing with A
  linc-edge-auth keys create --stack-name linc-edge-auth-prod > slot-b.pub.pem

  # an ECDSA P-256 key into an explicit secret, keeping an offline copy (mode 0600)
  linc-edge-auth keys create --algorithm ecdsa-p256 --secret-id arn:aws:secretsmanager:... \\
      --private-key-out ./signing-key.pem

docs/deploying.md, "Rotating the signing key", walks through the whole rotation.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "keys",
        help="CloudFront signing keys (create, rotate, import)",
        description="Manage the CloudFront signing keys of a linc-edge-auth stack.",
    )
    sub = parser.add_subparsers(dest="keys_command", metavar="ACTION")
    sub.required = True
    create = sub.add_parser(
        "create",
        help="generate a key pair, store the private key in a slot's secret, print the public key",
        description=(
            "Generate a CloudFront signing key pair locally, store the private key PEM in the "
            "stack's secret for one key slot, and print the public key PEM (stdout) for the "
            "PublicKeyA/PublicKeyB template parameter."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    create.add_argument(
        "--algorithm",
        choices=ALGORITHMS,
        default="rsa-2048",
        help="key type (default rsa-2048; CloudFront also accepts ECDSA P-256)",
    )
    target = create.add_mutually_exclusive_group()
    target.add_argument("--stack-name", help="find the slot's secret in this stack's outputs")
    target.add_argument("--secret-id", help="store the private key in this secret (name or ARN)")
    create.add_argument(
        "--slot", choices=SLOTS, help="key slot (default with --stack-name: the free slot)"
    )
    create.add_argument(
        "--region",
        default=None,
        help="AWS region (default: AWS_REGION / AWS_DEFAULT_REGION, else us-east-1)",
    )
    create.add_argument(
        "--private-key-out",
        metavar="FILE",
        help="also write the private key PEM to FILE (created 0600, never overwritten)",
    )
    create.set_defaults(func=create_command)
    check = sub.add_parser(
        "check",
        help="check that a PEM key is one CloudFront accepts (RSA-2048 or ECDSA P-256)",
        description=(
            "Check a PEM public key (the PublicKeyA/PublicKeyB value) or unencrypted private key: "
            "CloudFront signed cookies take RSA-2048 and ECDSA P-256 keys only."
        ),
    )
    check.add_argument("pem_file", metavar="FILE", help="the PEM file ('-' reads stdin)")
    check.set_defaults(func=check_command)
    from linc_edge_auth.cli import cmd_keys_import

    cmd_keys_import.register(sub)


def generate_private_key(algorithm: str) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    if algorithm == "rsa-2048":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if algorithm == "ecdsa-p256":
        return ec.generate_private_key(ec.SECP256R1())
    raise UserError(f"unknown algorithm {algorithm!r}; choose one of {', '.join(ALGORITHMS)}")


def _read_key(path: str) -> object:
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    # The parsers' messages may quote key bytes: never pass them on.
    for load in (
        serialization.load_pem_public_key,
        lambda pem: serialization.load_pem_private_key(pem, password=None),
    ):
        try:
            return load(data)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            continue
    raise UserError(
        f"{path} holds no PEM public key or unencrypted PEM private key "
        "(expected a PEM file whose first line names a PUBLIC KEY or a PRIVATE KEY)"
    )


def check_command(args: argparse.Namespace) -> int:
    key = _read_key(args.pem_file)
    problem = cloudfront_key_problem(key)
    if problem is not None:
        raise UserError(f"{args.pem_file}: {problem}; create one with `linc-edge-auth keys create`")
    size = getattr(key, "key_size", 0)
    kind = f"RSA-{size}" if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey) else "ECDSA P-256"
    print(f"{args.pem_file}: {kind}, a key CloudFront accepts")
    return 0


def private_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def public_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def _region(args: argparse.Namespace) -> str:
    region: str = (
        args.region
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or "us-east-1"
    )
    return region


def stack_outputs(stack_name: str, region: str) -> dict[str, str]:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        stacks = boto3.client("cloudformation", region_name=region).describe_stacks(
            StackName=stack_name
        )["Stacks"]
    except ClientError as exc:
        raise UserError(f"cannot read stack {stack_name!r} in {region}: {exc}") from None
    except BotoCoreError as exc:
        raise UserError(f"cannot reach CloudFormation in {region}: {exc}") from None
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def choose_slot(outputs: dict[str, str], requested: str | None) -> str:
    """The slot to fill: the requested one if free, else the free one (A first)."""
    used = {slot for slot in SLOTS if outputs.get(f"PublicKeySlot{slot}Id")}
    if requested:
        if requested in used:
            raise UserError(
                f"slot {requested} holds the deployed public key "
                f"{outputs[f'PublicKeySlot{requested}Id']}; replacing its private key would "
                f"break signing. Deploy with PublicKey{requested} empty first (docs/deploying.md)."
            )
        return requested
    free = [slot for slot in SLOTS if slot not in used]
    if not free:
        raise UserError(
            "both key slots hold deployed keys: finish the rotation first (deploy with the old "
            "slot's PublicKey parameter empty once the longest cookie TTL has passed)"
        )
    return free[0]


def store_private_key(secret_id: str, pem: str, region: str) -> str:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    client = boto3.client("secretsmanager", region_name=region)
    try:
        response = client.put_secret_value(SecretId=secret_id, SecretString=pem)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        raise UserError(f"cannot store the private key in {secret_id}: {code}") from None
    except BotoCoreError as exc:
        raise UserError(f"cannot reach Secrets Manager in {region}: {exc}") from None
    return str(response["ARN"])


def write_private_file(path: str, pem: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UserError(f"{path} exists; refusing to overwrite a key file") from None
    except OSError as exc:
        raise UserError(f"cannot create {path}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(pem)


def create_command(args: argparse.Namespace) -> int:
    if not (args.stack_name or args.secret_id or args.private_key_out):
        raise UserError(
            "nowhere to keep the private key: give --stack-name or --secret-id "
            "(or --private-key-out FILE)"
        )
    region = _region(args)
    secret_id: str | None = args.secret_id
    slot: str | None = args.slot
    if args.stack_name:
        outputs = stack_outputs(args.stack_name, region)
        slot = choose_slot(outputs, args.slot)
        secret_id = outputs.get(f"SigningKeySecret{slot}Arn")
        if not secret_id:
            raise UserError(
                f"stack {args.stack_name!r} has no output SigningKeySecret{slot}Arn: "
                "is it a linc-edge-auth stack?"
            )
    key = generate_private_key(args.algorithm)
    problem = cloudfront_key_problem(key)
    if problem is not None:  # the generator and the rule disagree: store nothing
        raise UserError(f"refusing to store the generated key: {problem}")
    pem = private_pem(key)
    if args.private_key_out:
        write_private_file(args.private_key_out, pem)
    stored = store_private_key(secret_id, pem, region) if secret_id else None
    del pem
    sys.stdout.write(public_pem(key))
    where = f"slot {slot}, " if slot else ""
    if stored:
        print(f"private key stored ({where}secret {stored})", file=sys.stderr)
    if args.private_key_out:
        print(f"private key written to {args.private_key_out} (mode 0600)", file=sys.stderr)
    param = f"PublicKey{slot}" if slot else "PublicKeyA or PublicKeyB"
    print(f"next: deploy with the public key above as {param}", file=sys.stderr)
    return 0
