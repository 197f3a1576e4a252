"""The local issuer runs with the template's environment: IssuerFunction's Environment resolved
with the local parameter values and resource ids, plus LOCAL_ISSUER_OVERRIDES and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from cookie_issuer.settings import load_settings
from local_stack.keys import generate_dev_keys
from local_stack.stack import (
    LOCAL_ISSUER_OVERRIDES,
    LOOPBACK_URL_PARAMETERS,
    OAUTH_CLIENT_SECRET,
    SEALING_KEY_SECRET,
    SIGNING_SECRET,
    VIEWER_BUCKET,
    LocalStack,
    StackConfig,
)
from template_model import as_string, load_template, resolve_template

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
ARCHIVE = "http://127.0.0.1:8742"
VIEWER_PORT = 8741


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> LocalStack:
    state = tmp_path_factory.mktemp("state")
    stack = LocalStack(StackConfig(state_dir=state))
    stack.keys = generate_dev_keys(state / "keys")
    return stack


def _template_variables(stack: LocalStack) -> dict[str, str]:
    template = resolve_template(
        TEMPLATE,
        stack.template_parameters(ARCHIVE),
        unchecked=LOOPBACK_URL_PARAMETERS,
        physical=stack.resource_ids(VIEWER_PORT),
    )
    variables = template.resource("IssuerFunction")["Properties"]["Environment"]["Variables"]
    return {name: as_string(value) for name, value in variables.items()}


def test_every_template_variable_is_set_locally_with_the_templates_value(
    stack: LocalStack,
) -> None:
    env = stack.issuer_env(VIEWER_PORT, ARCHIVE)
    template = _template_variables(stack)
    assert set(env) == set(template) | set(LOCAL_ISSUER_OVERRIDES)
    differing = {name for name, value in template.items() if env[name] != value}
    assert differing <= set(LOCAL_ISSUER_OVERRIDES)
    for name, value in LOCAL_ISSUER_OVERRIDES.items():
        assert env[name] == value


def test_local_values_are_the_local_stacks_parts(stack: LocalStack) -> None:
    assert stack.keys is not None
    env = stack.issuer_env(VIEWER_PORT, ARCHIVE)
    defaults = load_template(TEMPLATE)["Parameters"]
    assert env["VIEWER_ORIGIN"] == f"https://localhost:{VIEWER_PORT}"  # the emulator's origin
    assert env["KEY_PAIR_ID"] == stack.keys.cloudfront.key_pair_id
    assert env["SIGNING_KEY_SECRET_ID"] == SIGNING_SECRET
    assert env["ARCHIVE_LOGIN_URL"] == f"{ARCHIVE}/accounts/login/"
    assert env["JWKS_URL"] == f"{ARCHIVE}/.well-known/jwks.json"
    assert env["COOKIE_TTL_SECONDS"] == str(stack.config.cookie_ttl_seconds)
    assert env["JWT_ALGORITHMS"] == defaults["JwtAlgorithms"]["Default"]
    assert env["POWERTOOLS_LOG_LEVEL"] == stack.config.log_level
    assert env["LINKS_BUCKET"] == VIEWER_BUCKET  # short-link states go to the viewer bucket
    settings = load_settings(env)
    assert settings.archive_api_url == f"{ARCHIVE}/api"
    # OAuth2 mode by default, against the local archive's provider; its secrets are local ones.
    assert env["AUTH_MODE"] == "oauth2" and settings.oauth is not None
    assert settings.oauth.provider_url == f"{ARCHIVE}/oauth/"
    assert env["OAUTH_CLIENT_SECRET_ID"] == OAUTH_CLIENT_SECRET
    assert env["SEALING_KEY_SECRET_ID"] == SEALING_KEY_SECRET


def test_jwt_mode_is_one_option_away(stack: LocalStack) -> None:
    local = LocalStack(StackConfig(state_dir=stack.config.state_dir, auth_mode="jwt"))
    local.keys = stack.keys
    settings = load_settings(local.issuer_env(VIEWER_PORT, ARCHIVE))
    assert settings.auth_mode == "jwt" and settings.oauth is None and settings.jwt_enabled


def test_a_template_change_reaches_the_local_issuer(stack: LocalStack, tmp_path: Path) -> None:
    text = TEMPLATE.read_text()
    for old in ("Default: RS256,ES256", "          AUTH_RULE: !Ref AuthRule\n"):
        assert old in text, f"template.yaml no longer contains {old!r}"
    changed = tmp_path / "template.yaml"
    changed.write_text(
        text.replace("Default: RS256,ES256", "Default: ES256").replace(
            "          AUTH_RULE: !Ref AuthRule\n",
            "          AUTH_RULE: !Ref AuthRule\n          NEW_SETTING: !Sub ${AWS::Region}-x\n",
        )
    )
    local = LocalStack(StackConfig(state_dir=stack.config.state_dir, template=changed))
    local.keys = stack.keys
    env = local.issuer_env(VIEWER_PORT, ARCHIVE)
    assert env["JWT_ALGORITHMS"] == "ES256"
    assert env["NEW_SETTING"] == "us-east-1-x"
