"""`linc-edge-auth keys check`: CloudFront takes RSA-2048 and ECDSA P-256 keys only (issue 13
item 10c). Keys are generated at test time; the rule is the issuer's own
(`cookie_issuer.signing.cloudfront_key_problem`), so the CLI and the issuer cannot disagree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from linc_edge_auth.cli import main


def _public_pem(key: Any) -> bytes:
    data: bytes = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return data


def _private_pem(key: Any) -> bytes:
    data: bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return data


@pytest.mark.parametrize(
    ("make", "shown"),
    [
        (lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048), "RSA-2048"),
        (lambda: ec.generate_private_key(ec.SECP256R1()), "ECDSA P-256"),
    ],
)
@pytest.mark.parametrize("as_private", [False, True])
def test_keys_cloudfront_takes_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Any, shown: str, as_private: bool
) -> None:
    key = make()
    path = tmp_path / "key.pem"
    path.write_bytes(_private_pem(key) if as_private else _public_pem(key))
    assert main(["keys", "check", str(path)]) == 0
    out, err = capsys.readouterr()
    assert f"{shown}, a key CloudFront accepts" in out
    assert "PRIVATE" not in out + err


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: rsa.generate_private_key(public_exponent=65537, key_size=3072), "RSA-3072"),
        (lambda: rsa.generate_private_key(public_exponent=65537, key_size=1024), "RSA-1024"),
        (lambda: ec.generate_private_key(ec.SECP384R1()), "curve secp384r1"),
        (lambda: ed25519.Ed25519PrivateKey.generate(), "Ed25519"),
    ],
)
def test_keys_cloudfront_refuses_are_refused_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Any, reason: str
) -> None:
    path = tmp_path / "key.pub.pem"
    path.write_bytes(_public_pem(make()))
    assert main(["keys", "check", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert reason in err and "CloudFront accepts RSA-2048 or ECDSA P-256" in err
    assert "Traceback" not in err


def test_not_a_key_is_a_clear_error_without_its_content(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "junk.pem"
    path.write_text("-----BEGIN PUBLIC KEY-----\nc2VjcmV0LWJ5dGVz\n-----END PUBLIC KEY-----\n")
    assert main(["keys", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "holds no PEM public key" in err
    assert "c2VjcmV0LWJ5dGVz" not in err and "Traceback" not in err
    assert main(["keys", "check", str(tmp_path / "missing.pem")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_check_reads_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io
    import sys

    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(_public_pem(key))))
    assert main(["keys", "check", "-"]) == 2
    assert "-: the key is RSA-3072" in capsys.readouterr().err
