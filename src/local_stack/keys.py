"""Development keys of the local stack, generated at start into a git-ignored folder.

Contract: `generate_dev_keys(folder)` writes, with mode 0600 for private parts:
- `cloudfront-signing.pem` / `cloudfront-signing.pub.pem`: the RSA-2048 key the issuer signs
  CloudFront cookies with (the private half goes to local Secrets Manager, the public half into
  the emulator's trusted key group, as `AWS::CloudFront::PublicKey` would);
- `archive-jwt.pem` / `archive-jwt.pub.pem`: the archive stand-in's RS256 session-JWT key.
Key pair ids look like CloudFront's (`K` + 13 upper-case alphanumerics), derived from the public
key so the same key always has the same id. Keys are fresh on every start: nothing long-lived
and no committed private key (`.local-stack/` and `*.pem` are git-ignored).
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True, slots=True)
class KeyFiles:
    key_pair_id: str
    private_pem: str
    public_pem: str
    private_path: Path
    public_path: Path


@dataclass(frozen=True, slots=True)
class DevKeys:
    cloudfront: KeyFiles
    archive_jwt: KeyFiles
    archive_kid: str


def private_pem(key: PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def public_pem(key: PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def key_pair_id_for(public_key_pem: str) -> str:
    """A CloudFront-looking public key id (`K` + 13 chars of base32 of the key's SHA-256)."""
    digest = hashlib.sha256(public_key_pem.encode("ascii")).digest()
    return "K" + base64.b32encode(digest).decode("ascii").rstrip("=")[:13]


def _write(path: Path, text: str, private: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    fd = os.open(path, flags, 0o600 if private else 0o644)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)


def write_key(folder: Path, stem: str, key: PrivateKey) -> KeyFiles:
    priv, pub = private_pem(key), public_pem(key)
    private_path, public_path = folder / f"{stem}.pem", folder / f"{stem}.pub.pem"
    _write(private_path, priv, private=True)
    _write(public_path, pub, private=False)
    return KeyFiles(key_pair_id_for(pub), priv, pub, private_path, public_path)


def generate_dev_keys(folder: Path) -> DevKeys:
    folder.mkdir(parents=True, exist_ok=True)
    cloudfront = write_key(
        folder, "cloudfront-signing", rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    archive = write_key(
        folder, "archive-jwt", rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    return DevKeys(cloudfront=cloudfront, archive_jwt=archive, archive_kid=archive.key_pair_id)
