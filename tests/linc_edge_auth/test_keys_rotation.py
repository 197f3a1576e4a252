"""`linc-edge-auth keys create` against moto, and a full key rotation walked through the template.

The rotation test plays CloudFormation with moto: for each step it resolves the translated
template for that step's parameters, creates/keeps/deletes the CloudFront public keys exactly
where the template's resources appear/stay/disappear (a resource whose properties do not change
keeps its physical id), builds the key group, and then acts as the issuer (reads the secret the
issuer's environment names, signs with KEY_PAIR_ID) and as CloudFront (the key pair id must be in
the key group and the signature must verify under that public key).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import boto3
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from moto import mock_aws

from linc_edge_auth.cli import main
from tests.template.support import deployed, translate

REGION = "us-east-1"
STACK = "linc-edge-auth-test"
POLICY = b'{"Statement":[{"Resource":"https://viewer.example.org/*"}]}'


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(var, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield


class FakeStack:
    """The parts of a deployed linc-edge-auth stack that `keys` and the issuer touch."""

    TEMPLATE: ClassVar[dict[str, Any]] = {
        "Parameters": {
            name: {"Type": "String", "Default": ""}
            for name in ("SecretA", "SecretB", "KeyA", "KeyB", "Active")
        },
        "Conditions": {
            "HasA": {"Fn::Not": [{"Fn::Equals": [{"Ref": "KeyA"}, ""]}]},
            "HasB": {"Fn::Not": [{"Fn::Equals": [{"Ref": "KeyB"}, ""]}]},
        },
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {
            "SigningKeySecretAArn": {"Value": {"Ref": "SecretA"}},
            "SigningKeySecretBArn": {"Value": {"Ref": "SecretB"}},
            "PublicKeySlotAId": {"Condition": "HasA", "Value": {"Ref": "KeyA"}},
            "PublicKeySlotBId": {"Condition": "HasB", "Value": {"Ref": "KeyB"}},
            "ActiveKey": {"Value": {"Ref": "Active"}},
        },
    }

    def __init__(self) -> None:
        self.translated = translate()
        self.sm = boto3.client("secretsmanager", region_name=REGION)
        self.cf = boto3.client("cloudfront", region_name=REGION)
        self.cfn = boto3.client("cloudformation", region_name=REGION)
        # Created empty, like the template's AWS::SecretsManager::Secret resources.
        self.physical: dict[str, str] = {
            f"SigningKeySecret{s}": self.sm.create_secret(Name=f"{STACK}-slot-{s}")["ARN"]
            for s in "AB"
        }
        self.key_props: dict[str, Any] = {}
        self.key_group: list[str] = []
        self.env: dict[str, Any] = {}
        self.cfn.create_stack(
            StackName=STACK,
            TemplateBody=json.dumps(self.TEMPLATE),
            Parameters=self._stack_params("A"),
        )

    def _stack_params(self, active: str) -> list[dict[str, str]]:
        values = {
            "SecretA": self.physical["SigningKeySecretA"],
            "SecretB": self.physical["SigningKeySecretB"],
            "KeyA": self.physical.get("PublicKeySlotA", ""),
            "KeyB": self.physical.get("PublicKeySlotB", ""),
            "Active": active,
        }
        return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]

    def deploy(self, **params: str) -> None:
        resources = deployed(self.translated, **params).resources
        for logical in ("PublicKeySlotA", "PublicKeySlotB"):
            props = resources.get(logical, {}).get("Properties")
            if props is None:  # resource gone: CloudFormation deletes the key
                if logical in self.physical:
                    self.cf.delete_public_key(Id=self.physical.pop(logical))
                    self.key_props.pop(logical)
            elif self.key_props.get(logical) != props:  # new or replaced: new id
                cfg = props["PublicKeyConfig"]
                created = self.cf.create_public_key(
                    PublicKeyConfig={
                        "CallerReference": f"{logical}-{len(self.key_props)}",
                        "Name": logical,
                        "EncodedKey": cfg["EncodedKey"],
                    }
                )
                if logical in self.physical:
                    self.cf.delete_public_key(Id=self.physical[logical])
                self.physical[logical] = created["PublicKey"]["Id"]
                self.key_props[logical] = props
        items = resources["KeyGroup"]["Properties"]["KeyGroupConfig"]["Items"]
        group = self.cf.create_key_group(
            KeyGroupConfig={
                "Name": f"signers-{len(self.physical)}",
                "Items": [self.ref(i) for i in items],
            }
        )["KeyGroup"]
        self.key_group = group["KeyGroupConfig"]["Items"]
        self.env = resources["IssuerFunction"]["Properties"]["Environment"]["Variables"]
        self.cfn.update_stack(
            StackName=STACK,
            TemplateBody=json.dumps(self.TEMPLATE),
            Parameters=self._stack_params(params.get("ActiveKey", "A")),
        )

    def ref(self, value: Any) -> str:
        assert isinstance(value, dict) and set(value) == {"Ref"}, value
        return self.physical[value["Ref"]]

    def issue(self) -> tuple[str, bytes]:
        """What the issuer does: read the secret its env names, sign, tag with KEY_PAIR_ID."""
        pem = self.sm.get_secret_value(SecretId=self.ref(self.env["SIGNING_KEY_SECRET_ID"]))
        key = serialization.load_pem_private_key(pem["SecretString"].encode(), password=None)
        return self.ref(self.env["KEY_PAIR_ID"]), sign(key, POLICY)

    def cloudfront_accepts(self, key_pair_id: str, signature: bytes) -> bool:
        """What CloudFront does: the id must be in the key group, the signature must verify."""
        if key_pair_id not in self.key_group:
            return False
        encoded = self.cf.get_public_key(Id=key_pair_id)["PublicKey"]["PublicKeyConfig"]
        public = serialization.load_pem_public_key(encoded["EncodedKey"].encode())
        try:
            if isinstance(public, rsa.RSAPublicKey):
                public.verify(signature, POLICY, padding.PKCS1v15(), hashes.SHA256())
            elif isinstance(public, ec.EllipticCurvePublicKey):
                public.verify(signature, POLICY, ec.ECDSA(hashes.SHA256()))
            else:
                return False
        except Exception:
            return False
        return True


def sign(key: Any, data: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def keys_create(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["keys", "create", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_rotation_walk(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    stack = FakeStack()

    # First deploy had empty slots; `keys create` picks slot A and fills its secret.
    code, pem_a, err = keys_create(capsys, "--stack-name", STACK)
    assert code == 0 and "slot A" in err
    assert pem_a.startswith("-----BEGIN PUBLIC KEY-----")
    assert "PRIVATE" not in pem_a + err
    stack.deploy(PublicKeyA=pem_a, ActiveKey="A")
    key_a = stack.physical["PublicKeySlotA"]
    cookie_a = stack.issue()
    assert cookie_a[0] == key_a
    assert stack.cloudfront_accepts(*cookie_a)

    # Step 1: new key into the free slot B, deployed as the second key; still signing with A.
    code, pem_b, err = keys_create(capsys, "--stack-name", STACK)
    assert code == 0 and "slot B" in err
    stack.deploy(PublicKeyA=pem_a, PublicKeyB=pem_b, ActiveKey="A")
    assert stack.physical["PublicKeySlotA"] == key_a  # slot A untouched: old cookies live
    key_b = stack.physical["PublicKeySlotB"]
    assert sorted(stack.key_group) == sorted([key_a, key_b])
    assert stack.issue()[0] == key_a
    assert stack.cloudfront_accepts(*stack.issue())
    assert stack.cloudfront_accepts(*cookie_a)

    # Step 2: switch the active slot: key pair id and secret change in one deploy.
    stack.deploy(PublicKeyA=pem_a, PublicKeyB=pem_b, ActiveKey="B")
    cookie_b = stack.issue()
    assert cookie_b[0] == key_b
    assert stack.cloudfront_accepts(*cookie_b)
    assert stack.cloudfront_accepts(*cookie_a)  # cookies minted before the switch still work

    # Slot B is live: overwriting its secret is refused; slot A is not free yet either.
    code = main(["keys", "create", "--stack-name", STACK, "--slot", "B"])
    assert code == 2 and "slot B holds the deployed public key" in capsys.readouterr().err
    code = main(["keys", "create", "--stack-name", STACK])
    assert code == 2 and "both key slots" in capsys.readouterr().err

    # Step 3: after the longest cookie TTL, remove the old key.
    stack.deploy(PublicKeyB=pem_b, ActiveKey="B")
    assert stack.key_group == [key_b]
    assert not stack.cloudfront_accepts(*cookie_a)
    assert stack.cloudfront_accepts(*stack.issue())

    # The next rotation starts in slot A again.
    code, _, err = keys_create(capsys, "--stack-name", STACK, "--algorithm", "ecdsa-p256")
    assert code == 0 and "slot A" in err


def test_template_rules_guard_the_active_slot() -> None:
    """The Rules section refuses ActiveKey pointing at an empty slot (except at bootstrap)."""
    rules = translate()["Rules"]
    assert rules["ActiveSlotBHasKey"]["RuleCondition"] == {
        "Fn::Equals": [{"Ref": "ActiveKey"}, "B"]
    }
    assert rules["ActiveSlotAHasKey"]["RuleCondition"] == {
        "Fn::Equals": [{"Ref": "ActiveKey"}, "A"]
    }


def test_create_with_secret_id_and_private_key_file(
    aws: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = boto3.client("secretsmanager", region_name=REGION)
    arn = sm.create_secret(Name="signing")["ARN"]
    out_file = tmp_path / "key.pem"
    code, pem, _ = keys_create(
        capsys, "--secret-id", arn, "--algorithm", "ecdsa-p256", "--private-key-out", str(out_file)
    )
    assert code == 0
    stored = sm.get_secret_value(SecretId=arn)["SecretString"]
    assert stored == out_file.read_text()
    assert stat.S_IMODE(os.stat(out_file).st_mode) == 0o600
    private = serialization.load_pem_private_key(stored.encode(), password=None)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    assert (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
        == pem
    )
    # Never overwrite a key file.
    code = main(["keys", "create", "--private-key-out", str(out_file)])
    assert code == 2 and "refusing to overwrite" in capsys.readouterr().err


def test_create_writes_nothing_to_disk_by_default(
    aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    arn = boto3.client("secretsmanager", region_name=REGION).create_secret(Name="s")["ARN"]
    code, pem, _ = keys_create(capsys, "--secret-id", arn)
    assert code == 0
    assert list(tmp_path.iterdir()) == []
    public = serialization.load_pem_public_key(pem.encode())
    assert isinstance(public, rsa.RSAPublicKey) and public.key_size == 2048


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "nowhere to keep the private key"),
        (["--secret-id", "does-not-exist"], "cannot store the private key in does-not-exist"),
        (["--stack-name", "no-such-stack"], "cannot read stack 'no-such-stack'"),
    ],
)
def test_create_user_errors(
    aws: None, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code = main(["keys", "create", *args])
    out, err = capsys.readouterr()
    assert code == 2
    assert message in err
    assert out == ""  # no public key printed when nothing was stored
    assert "Traceback" not in err
