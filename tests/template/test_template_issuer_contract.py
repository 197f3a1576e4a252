"""template.yaml and the issuer agree: what the template deploys is a configuration the issuer
accepts, for each samconfig.toml environment, and every variable it sets is one the issuer reads.

The template's intrinsic functions are resolved here with the parameter values of each
environment (samconfig overrides over template defaults); a misspelt variable or an invalid
default (say an AUTH_RULE the issuer cannot parse) fails this test instead of a deploy.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode

from cookie_issuer.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE, _ = decode(str(ROOT / "template.yaml"))
SAMCONFIG = tomllib.loads((ROOT / "samconfig.toml").read_text())
ISSUER_SOURCE = "\n".join(p.read_text() for p in (ROOT / "src" / "cookie_issuer").glob("*.py"))
REPLACE = {"Distribution.DomainName": "d111111abcdef8.cloudfront.net"}


def _parameters(env: str) -> dict[str, str]:
    values = {k: str(v.get("Default", "")) for k, v in TEMPLATE["Parameters"].items()}
    for item in SAMCONFIG[env]["deploy"]["parameters"]["parameter_overrides"]:
        name, _, value = item.partition("=")
        values[name] = " ".join(shlex.split(value)) if value.startswith('"') else value
    return values


def _resolve(node: Any, params: dict[str, str]) -> Any:
    if isinstance(node, dict) and len(node) == 1:
        ((fn, arg),) = node.items()
        if fn == "Ref":
            if arg in params:
                return params[arg]
            if TEMPLATE["Resources"][arg]["Type"] == "AWS::CloudFront::PublicKey":
                return "K2JCJMDEHXQW5F"
            return f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{arg}"
        if fn == "Fn::Sub":
            return re.sub(
                r"\$\{([^}]+)\}", lambda m: REPLACE.get(m[1], params.get(m[1], m[1])), arg
            )
        if fn == "Fn::If":
            name, yes, no = arg
            return _resolve(yes if _condition(name, params) else no, params)
        if fn == "Fn::Join":
            sep, items = arg
            items = _resolve(items, params)
            return sep.join(items if isinstance(items, list) else items.split(","))
    if isinstance(node, list):
        return [_resolve(item, params) for item in node]
    return node


def _condition(name: str, params: dict[str, str]) -> bool:
    cond = TEMPLATE["Conditions"][name]
    return bool(_evaluate(cond, params))


def _evaluate(cond: Any, params: dict[str, str]) -> Any:
    if isinstance(cond, dict):
        ((fn, arg),) = cond.items()
        if fn == "Condition":
            return _condition(arg, params)
        if fn == "Fn::Equals":
            a, b = (_evaluate(x, params) for x in arg)
            return a == b
        if fn == "Fn::Not":
            return not _evaluate(arg[0], params)
        if fn == "Fn::And":
            return all(_evaluate(x, params) for x in arg)
        if fn == "Fn::Or":
            return any(_evaluate(x, params) for x in arg)
        return _resolve(cond, params)
    return cond


def _issuer_environment(env: str, *, with_key: bool = True) -> dict[str, str]:
    params = _parameters(env)
    if with_key and not params["PublicKeyA"]:
        params["PublicKeyA"] = "-----BEGIN PUBLIC KEY-----(placeholder)-----END PUBLIC KEY-----"
    variables = TEMPLATE["Resources"]["IssuerFunction"]["Properties"]["Environment"]["Variables"]
    return {k: str(_resolve(v, params)) for k, v in variables.items()}


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_deployed_configuration_is_accepted_by_the_issuer(env: str) -> None:
    environment = _issuer_environment(env)
    settings = load_settings(environment)
    assert settings is not None


def test_before_any_key_is_deployed_the_issuer_refuses_to_sign() -> None:
    environment = _issuer_environment("dev", with_key=False)
    assert environment["KEY_PAIR_ID"] == ""
    with pytest.raises(SettingsError, match="KEY_PAIR_ID"):
        load_settings(environment)


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_every_variable_the_template_sets_is_read_by_the_issuer(env: str) -> None:
    unknown = [
        name
        for name in _issuer_environment(env)
        if not name.startswith("POWERTOOLS_") and f'"{name}"' not in ISSUER_SOURCE
    ]
    assert unknown == []


def test_edge_function_has_no_environment() -> None:
    edge = TEMPLATE["Resources"]["EdgeAuthFunction"]["Properties"]
    assert "Environment" not in edge
    assert edge["Handler"] == "edge_auth.handler.lambda_handler"
    assert TEMPLATE["Resources"]["IssuerFunction"]["Properties"]["Handler"] == (
        "cookie_issuer.app.lambda_handler"
    )
