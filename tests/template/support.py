"""Helpers for the template tests: paths, sample parameter values, the SAM tools.

The template itself is read, transformed and resolved by `template_model` (the one model of
template.yaml); `deployed()` is the shorthand the tests use: the template (as written or after
the SAM transform) resolved for the sample values below plus overrides, as CloudFormation would
create it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from template_model import ResolvedTemplate, load_template, resolve_template, sam_transform

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
SAMCONFIG = ROOT / "samconfig.toml"
RULES_DIR = ROOT / "cfnlint_rules"
SAM_VENV = ROOT / ".venv-sam"

PEM_A = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
PEM_B = "-----BEGIN PUBLIC KEY-----\nBBBB\n-----END PUBLIC KEY-----\n"

REQUIRED = {
    "AssetBucketName": "linc-brain-mit-prod-us-east-2",
    "ArchiveLoginUrl": "https://lincbrain.org/login",
    "ArchiveLogoutUrl": "https://lincbrain.org/logout",
    "JwksUrl": "https://api.lincbrain.org/jwks.json",
    "JwtIssuer": "https://api.lincbrain.org",
    "JwtAudience": "neuroglancer",
    "SessionCookieName": "linc_session",
    "OAuthProviderUrl": "https://api.lincbrain.org/oauth/",
    "OAuthClientId": "a" * 40,
    "ArchiveApiUrl": "https://api.lincbrain.org/api",
}


def translate() -> dict[str, Any]:
    """template.yaml after the offline SAM transform."""
    return sam_transform(load_template(TEMPLATE))


def deployed(
    template: dict[str, Any], physical: dict[str, str] | None = None, **overrides: Any
) -> ResolvedTemplate:
    """`template` resolved for REQUIRED plus `overrides` over the Defaults."""
    return resolve_template(template, {**REQUIRED, **overrides}, physical=physical)


def cfn_lint() -> str:
    exe = Path(sys.executable).parent / "cfn-lint"
    return str(exe) if exe.exists() else (shutil.which("cfn-lint") or "cfn-lint")


def sam_exe() -> Path:
    exe = SAM_VENV / "bin" / "sam"
    if not exe.exists():
        raise RuntimeError(f"{exe} is missing: run `make sam-venv` (make test does)")
    return exe


def run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "SAM_CLI_TELEMETRY": "0"}
    env.update(kwargs.pop("env", {}))
    return subprocess.run(
        cmd, cwd=kwargs.pop("cwd", ROOT), env=env, capture_output=True, text=True, **kwargs
    )
