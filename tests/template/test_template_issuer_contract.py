"""template.yaml and the issuer agree: what the template deploys is a configuration the issuer
accepts, for each samconfig.toml environment, and every variable it sets is one the issuer reads.

`template_model` resolves the template with the parameter values of each environment (SAM CLI's
reading of samconfig.toml over the template's Defaults) and the ids CloudFormation would give
the resources; a misspelt variable or an invalid default (say an AUTH_RULE the issuer cannot
parse) fails this test instead of a deploy.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cookie_issuer.settings import SettingsError, load_settings
from template_model import as_string, load_template, resolve_template, samconfig_overrides
from tests.template.support import PEM_A, SAMCONFIG, TEMPLATE

ISSUER_SOURCE = "\n".join(
    p.read_text() for p in (TEMPLATE.parent / "src" / "cookie_issuer").glob("*.py")
)
# What CloudFormation knows once the stack exists: the distribution's domain, key and secret ids.
DEPLOYED_IDS = {
    "Distribution.DomainName": "d111111abcdef8.cloudfront.net",
    "PublicKeySlotA": "K2JCJMDEHXQW5F",
    "PublicKeySlotB": "K3EXAMPLEKEYB",
    "SigningKeySecretA": "arn:aws:secretsmanager:us-east-1:123456789012:secret:slot-a-AbCdEf",
    "SigningKeySecretB": "arn:aws:secretsmanager:us-east-1:123456789012:secret:slot-b-AbCdEf",
    "ViewerBucket": "linc-edge-auth-prod-viewerbucket-1a2b3c4d5e6f",
    "OAuthClientSecret": "arn:aws:secretsmanager:us-east-1:123456789012:secret:oauth-AbCdEf",
    "SealingKeySecret": "arn:aws:secretsmanager:us-east-1:123456789012:secret:sealing-AbCdEf",
}


def _issuer_environment(env: str, *, with_key: bool = True) -> dict[str, str]:
    overrides = samconfig_overrides(SAMCONFIG, env)
    if with_key and not overrides.get("PublicKeyA"):
        overrides["PublicKeyA"] = PEM_A
    # REPLACE-... placeholders are meant to fail their constraints until an operator fills them.
    placeholders = [name for name, value in overrides.items() if "REPLACE" in value]
    template = resolve_template(TEMPLATE, overrides, unchecked=placeholders, physical=DEPLOYED_IDS)
    variables = template.resource("IssuerFunction")["Properties"]["Environment"]["Variables"]
    return {name: as_string(value) for name, value in variables.items()}


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_deployed_configuration_is_accepted_by_the_issuer(env: str) -> None:
    environment = _issuer_environment(env)
    settings = load_settings(environment)
    assert settings.key_pair_id == "K2JCJMDEHXQW5F"
    assert settings.signing_key_secret_id == DEPLOYED_IDS["SigningKeySecretA"]
    # OAuth2 mode by default; the redirect URI is the viewer's own callback (dev: the
    # distribution's *.cloudfront.net domain, no parent-domain cookie needed).
    assert settings.auth_mode == "oauth2" and settings.oauth is not None
    assert settings.oauth.redirect_uri == environment["VIEWER_ORIGIN"] + "/_auth/callback"
    assert settings.oauth.client_secret_id == DEPLOYED_IDS["OAuthClientSecret"]
    assert settings.oauth.sealing_key_secret_id == DEPLOYED_IDS["SealingKeySecret"]
    assert settings.cookie_domain is None


def test_viewer_origin_follows_the_viewer_domain() -> None:
    assert _issuer_environment("dev")["VIEWER_ORIGIN"] == "https://d111111abcdef8.cloudfront.net"
    assert _issuer_environment("prod")["VIEWER_ORIGIN"] == "https://neuroglancer.lincbrain.org"


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
    resources = load_template(Path(TEMPLATE))["Resources"]
    edge = resources["EdgeAuthFunction"]["Properties"]
    assert "Environment" not in edge
    assert edge["Handler"] == "edge_auth.handler.lambda_handler"
    assert resources["IssuerFunction"]["Properties"]["Handler"] == (
        "cookie_issuer.app.lambda_handler"
    )
