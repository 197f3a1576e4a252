"""Helpers for the template tests: offline SAM transform and a small condition evaluator.

`translate()` runs aws-sam-translator exactly as `sam build`/`sam deploy` would before handing
the template to CloudFormation (CodeUri replaced by an S3 URI, managed policies from a stub
loader: no AWS call). `resolve()` then plays CloudFormation's part for one set of parameter
values: it evaluates Conditions, drops resources and outputs whose condition is false, and
resolves Fn::If / AWS::NoValue and parameter-only Fn::Select/Split/Join/Sub. References to
resources stay symbolic ({"Ref": "KeyGroup"}), which is what the assertions look at.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
RULES_DIR = ROOT / "cfnlint_rules"
SAM_VENV = ROOT / ".venv-sam"

MANAGED_POLICIES = {
    "AWSLambdaBasicExecutionRole": (
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    ),
    "AWSXrayWriteOnlyAccess": "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
    "AWSXRayDaemonWriteAccess": "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess",
}

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
}


class _StubPolicyLoader:
    def load(self) -> dict[str, str]:
        return dict(MANAGED_POLICIES)


def load_yaml(path: Path = TEMPLATE) -> dict[str, Any]:
    from samtranslator.yaml_helper import yaml_parse

    parsed: dict[str, Any] = yaml_parse(path.read_text())
    return parsed


def translate(template: dict[str, Any] | None = None) -> dict[str, Any]:
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from samtranslator.translator.transform import transform

    doc = copy.deepcopy(template if template is not None else load_yaml())
    for res in doc["Resources"].values():
        if res.get("Type") == "AWS::Serverless::Function":
            res["Properties"]["CodeUri"] = "s3://linc-edge-auth-artifacts/code.zip"
    out: dict[str, Any] = transform(doc, {}, _StubPolicyLoader())
    return out


def parameter_values(template: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """Defaults of the template, the REQUIRED values, then overrides (lists split on commas)."""
    values: dict[str, Any] = {}
    for name, spec in template["Parameters"].items():
        if "Default" in spec:
            values[name] = spec["Default"]
    values.update(REQUIRED)
    values.update(overrides)
    for name, spec in template["Parameters"].items():
        if spec["Type"] == "CommaDelimitedList" and isinstance(values.get(name), str):
            values[name] = values[name].split(",")
        if name not in values:
            raise KeyError(f"no value for parameter {name}")
    return values


class _NoValue:
    pass


NO_VALUE = _NoValue()


def resolve(template: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    conditions: dict[str, bool] = {}
    raw_conditions = template.get("Conditions", {})

    def cond(name: str) -> bool:
        if name not in conditions:
            conditions[name] = bool(evaluate(raw_conditions[name]))
        return conditions[name]

    def evaluate(node: Any) -> Any:
        if isinstance(node, list):
            items = [evaluate(n) for n in node]
            return [i for i in items if i is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                if arg == "AWS::NoValue":
                    return NO_VALUE
                if arg in params:
                    return params[arg]
                return node
            if key == "Condition":
                return cond(arg)
            if key == "Fn::If":
                return evaluate(arg[1] if cond(arg[0]) else arg[2])
            if key == "Fn::Equals":
                a, b = evaluate(arg[0]), evaluate(arg[1])
                return str(a) == str(b)
            if key == "Fn::Not":
                return not evaluate(arg[0])
            if key == "Fn::And":
                return all(evaluate(a) for a in arg)
            if key == "Fn::Or":
                return any(evaluate(a) for a in arg)
            if key == "Fn::Join":
                parts = evaluate(arg[1])
                if isinstance(parts, list) and all(isinstance(p, str) for p in parts):
                    return arg[0].join(parts)
                return {key: [arg[0], parts]}
            if key == "Fn::Split":
                text = evaluate(arg[1])
                return text.split(arg[0]) if isinstance(text, str) else {key: [arg[0], text]}
            if key == "Fn::Select":
                seq = evaluate(arg[1])
                return seq[int(arg[0])] if isinstance(seq, list) else {key: [arg[0], seq]}
            if key == "Fn::Sub" and isinstance(arg, list):
                text, variables = arg[0], {k: evaluate(v) for k, v in arg[1].items()}
                for k, v in variables.items():
                    if isinstance(v, str):
                        text = text.replace("${" + k + "}", v)
                return {key: [text, variables]}
        out = {k: evaluate(v) for k, v in node.items()}
        return {k: v for k, v in out.items() if v is not NO_VALUE}

    resolved = copy.deepcopy(template)
    resolved["Resources"] = {
        name: evaluate(res)
        for name, res in template["Resources"].items()
        if "Condition" not in res or cond(res["Condition"])
    }
    resolved["Outputs"] = {
        name: evaluate(out)
        for name, out in template.get("Outputs", {}).items()
        if "Condition" not in out or cond(out["Condition"])
    }
    resolved["ResolvedConditions"] = {name: cond(name) for name in raw_conditions}
    return resolved


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
