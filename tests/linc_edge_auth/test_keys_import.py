"""`linc-edge-auth keys import` against moto: the switch-over walk of docs/migration.md.

The archive's current CloudFront public key exists in the account (created here with a key
generated at test time), and a cookie signed with it (SHA-1, as the archive signs) is in a
browser. The walk deploys our stack beside it (slot A), imports the archive key into slot B
(its EXISTING id goes into the key group, so the old cookie keeps opening data), checks that
the slot cannot be signed with or overwritten, and finally drops it after the old cookies'
longest lifetime: the old cookie is then refused, the archive's key itself is left alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from linc_edge_auth.cli import main
from template_model.errors import ParameterError
from tests.linc_edge_auth.test_keys_rotation import POLICY, REGION, STACK, FakeStack, aws
from tests.template.support import deployed

__all__ = ["aws"]  # the fixture, imported for pytest


def public_pem(key: Any) -> str:
    return str(
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


class SwitchoverStack(FakeStack):
    """FakeStack whose slot B may name an existing (imported) public key by id."""

    imported_b = ""

    def _stack_params(self, active: str) -> list[dict[str, str]]:
        params = super()._stack_params(active)
        for p in params:
            if p["ParameterKey"] == "KeyB" and not p["ParameterValue"]:
                p["ParameterValue"] = self.imported_b
        return params

    def deploy(self, **params: str) -> None:
        self.imported_b = params.get("PublicKeyIdB", "")
        super().deploy(**params)

    def ref(self, value: Any) -> str:
        if isinstance(value, str):  # a parameter's value: an existing key named by its id
            return value
        return super().ref(value)

    def accepts_sha1(self, key_pair_id: str, signature: bytes) -> bool:
        """CloudFront for a cookie signed like the archive signs (RSA, SHA-1, the default)."""
        if key_pair_id not in self.key_group:
            return False
        encoded = self.cf.get_public_key(Id=key_pair_id)["PublicKey"]["PublicKeyConfig"]
        public = serialization.load_pem_public_key(encoded["EncodedKey"].encode())
        assert isinstance(public, rsa.RSAPublicKey)
        try:
            public.verify(signature, POLICY, padding.PKCS1v15(), hashes.SHA1())
        except Exception:
            return False
        return True


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["keys", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def archive_key(aws: None, tmp_path: Path) -> tuple[rsa.RSAPrivateKey, str, Path]:
    """The archive's current key: its private half signs old cookies, its public half is a
    CloudFront public key in the account (CLOUDFRONT_PEM_KEY_ID)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = public_pem(key)
    created = boto3.client("cloudfront", region_name=REGION).create_public_key(
        PublicKeyConfig={"CallerReference": "archive", "Name": "archive", "EncodedKey": pem}
    )
    path = tmp_path / "archive.pub.pem"
    path.write_text(pem)
    return key, created["PublicKey"]["Id"], path


def test_switchover_walk(
    archive_key: tuple[rsa.RSAPrivateKey, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    archive_private, archive_id, archive_file = archive_key
    old_cookie = (archive_id, archive_private.sign(POLICY, padding.PKCS1v15(), hashes.SHA1()))
    stack = SwitchoverStack()

    # Deploy beside the old setup: our own key in slot A. The old cookie does not open data yet.
    code, pem_a, _ = run(capsys, "create", "--stack-name", STACK)
    assert code == 0
    stack.deploy(PublicKeyA=pem_a, ActiveKey="A")
    assert not stack.accepts_sha1(*old_cookie)

    # Trust the old key: import finds the EXISTING id (a re-upload would get another id).
    code, out, err = run(
        capsys, "import", "--slot", "B", "--public-key", str(archive_file), "--stack-name", STACK
    )
    assert code == 0, err
    assert out.strip() == archive_id
    assert f"PublicKeyIdB={archive_id}" in err
    stack.deploy(PublicKeyA=pem_a, PublicKeyIdB=archive_id, ActiveKey="A")
    assert sorted(stack.key_group) == sorted([stack.physical["PublicKeySlotA"], archive_id])
    assert stack.accepts_sha1(*old_cookie)
    assert stack.issue()[0] == stack.physical["PublicKeySlotA"]  # never signs with it
    assert stack.cloudfront_accepts(*stack.issue())

    # The slot is in use: neither `keys create` nor a second import may take it.
    code, _, err = run(capsys, "create", "--stack-name", STACK)
    assert code == 2 and "both key slots" in err
    code, _, err = run(capsys, "import", "--public-key", str(archive_file), "--stack-name", STACK)
    assert code == 2 and f"slot B holds the deployed key {archive_id}" in err
    # The template refuses to sign with an imported slot, and a slot holding two keys.
    with pytest.raises(ParameterError, match="ActiveKey is B but PublicKeyB is empty"):
        deployed(stack.translated, PublicKeyA=pem_a, PublicKeyIdB=archive_id, ActiveKey="B")
    with pytest.raises(ParameterError, match="Slot B holds either"):
        deployed(stack.translated, PublicKeyA=pem_a, PublicKeyB=pem_a, PublicKeyIdB=archive_id)

    # Drop the old key after its longest lifetime (30 days): the old cookie is refused; the
    # archive's key is not ours to delete.
    stack.deploy(PublicKeyA=pem_a, ActiveKey="A")
    assert stack.key_group == [stack.physical["PublicKeySlotA"]]
    assert not stack.accepts_sha1(*old_cookie)
    assert stack.cf.get_public_key(Id=archive_id)["PublicKey"]["Id"] == archive_id
    # Slot B is free again for the next rotation.
    code, _, err = run(capsys, "create", "--stack-name", STACK)
    assert code == 0 and "slot B" in err


def test_import_with_key_id_checks_the_material(
    archive_key: tuple[rsa.RSAPrivateKey, str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, archive_id, archive_file = archive_key
    code, out, _ = run(capsys, "import", "--public-key", str(archive_file), "--key-id", archive_id)
    assert code == 0 and out.strip() == archive_id
    other = tmp_path / "other.pem"
    other.write_text(public_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)))
    code, out, err = run(capsys, "import", "--public-key", str(other), "--key-id", archive_id)
    assert code == 2 and "other key material" in err and out == ""
    # The same material in two public keys: the user must say which one old cookies name.
    boto3.client("cloudfront", region_name=REGION).create_public_key(
        PublicKeyConfig={
            "CallerReference": "copy",
            "Name": "copy",
            "EncodedKey": archive_file.read_text(),
        }
    )
    code, _, err = run(capsys, "import", "--public-key", str(archive_file))
    assert code == 2 and "--key-id" in err


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_import_refuses_what_cloudfront_refuses(
    aws: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    cases = {
        _write(tmp_path, "private.pem", private): "holds a private key",
        _write(
            tmp_path,
            "rsa1024.pem",
            public_pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)),
        ): "RSA-1024",
        _write(
            tmp_path, "p384.pem", public_pem(ec.generate_private_key(ec.SECP384R1()))
        ): "secp384r1",
        _write(tmp_path, "junk.pem", "hello\n"): "not a PEM public key",
        str(tmp_path / "missing.pem"): "cannot read",
        # A good key that no CloudFront public key of this account holds.
        _write(tmp_path, "unknown.pem", public_pem(rsa_key)): "no CloudFront public key",
    }
    for path, message in cases.items():
        code, out, err = run(capsys, "import", "--public-key", path)
        assert code == 2, path
        assert message in err, (path, err)
        assert out == "" and "Traceback" not in err
        assert private.splitlines()[1] not in err  # the private key is never echoed
    # ECDSA P-256 is accepted like RSA-2048.
    ec_pem = public_pem(ec.generate_private_key(ec.SECP256R1()))
    created = boto3.client("cloudfront", region_name=REGION).create_public_key(
        PublicKeyConfig={"CallerReference": "ec", "Name": "ec", "EncodedKey": ec_pem}
    )
    code, out, _ = run(capsys, "import", "--public-key", _write(tmp_path, "ec.pem", ec_pem))
    assert code == 0 and out.strip() == created["PublicKey"]["Id"]
