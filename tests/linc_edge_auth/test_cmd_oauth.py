"""`linc-edge-auth oauth set-client-secret` and `oauth seal-key --rotate` against moto."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from cookie_issuer.sealed_cookie import PURPOSE_STATE, Sealer, parse_keys
from linc_edge_auth.cli import main

REGION = "us-east-1"
STACK = "linc-edge-auth-oauth-test"


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[dict[str, str]]:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(var, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.chdir(tmp_path)  # anything written to the working folder would show here
    with mock_aws():
        client = boto3.client("secretsmanager", region_name=REGION)
        # As the template creates them: empty of what we store (CloudFormation generates a value).
        arns = {
            name: client.create_secret(Name=name, SecretString="generated-by-cloudformation")["ARN"]
            for name in ("oauth-client-secret", "sealing-key")
        }
        template = {
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {
                "OAuthClientSecretArn": {"Value": arns["oauth-client-secret"]},
                "SealingKeySecretArn": {"Value": arns["sealing-key"]},
            },
        }
        boto3.client("cloudformation", region_name=REGION).create_stack(
            StackName=STACK, TemplateBody=json.dumps(template)
        )
        yield arns


def _value(secret_id: str) -> str:
    client = boto3.client("secretsmanager", region_name=REGION)
    return str(client.get_secret_value(SecretId=secret_id)["SecretString"])


def test_set_client_secret_from_stdin_by_stack_name(
    secrets: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    value = "s3cr3t-" + "x" * 100
    monkeypatch.setattr("sys.stdin", io.StringIO(value + "\n"))
    assert main(["oauth", "set-client-secret", "--stack-name", STACK]) == 0
    assert _value(secrets["oauth-client-secret"]) == value
    captured = capsys.readouterr()
    assert value not in captured.out + captured.err
    assert "client secret stored" in captured.err
    assert os.listdir(tmp_path) == []


def test_set_client_secret_refuses_empty_or_odd_input(
    secrets: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for text in ("\n", "two words\n"):
        monkeypatch.setattr("sys.stdin", io.StringIO(text))
        code = main(["oauth", "set-client-secret", "--secret-id", secrets["oauth-client-secret"]])
        assert code == 2
    assert _value(secrets["oauth-client-secret"]) == "generated-by-cloudformation"
    assert "error:" in capsys.readouterr().err


def test_seal_key_rotate_keeps_the_previous_key_second(
    secrets: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["oauth", "seal-key", "--stack-name", STACK]) == 2  # --rotate is explicit
    assert main(["oauth", "seal-key", "--rotate", "--stack-name", STACK]) == 0
    first = _value(secrets["sealing-key"])
    assert len(parse_keys(first)) == 1  # CloudFormation's generated value is not kept
    sealed = Sealer(parse_keys(first)).seal(PURPOSE_STATE, "x", 60, 0)
    assert main(["oauth", "seal-key", "--rotate", "--secret-id", secrets["sealing-key"]]) == 0
    second = _value(secrets["sealing-key"])
    keys = second.split(",")
    assert len(keys) == 2 and keys[1] == first and keys[0] != first
    assert Sealer(parse_keys(second)).open(PURPOSE_STATE, sealed, 1) == "x"
    assert main(["oauth", "seal-key", "--rotate", "--secret-id", secrets["sealing-key"]]) == 0
    third = _value(secrets["sealing-key"]).split(",")
    assert third[1] == keys[0] and first not in third  # at most two keys
    captured = capsys.readouterr()
    for key in (first, *keys, *third):
        assert key not in captured.out + captured.err
    assert os.listdir(tmp_path) == []
