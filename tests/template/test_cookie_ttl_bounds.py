"""One set of cookie-lifetime bounds (issue 13 item 3): the template's CookieTtlSeconds, the
issuer's COOKIE_TTL_SECONDS and the local stack's `--cookie-ttl` accept exactly the same values.

Before, the template allowed 300 while the issuer refused anything under 900, so a deployable
value answered 503 on every request; the local stack took `--cookie-ttl 60` and then 503'd.
"""

from __future__ import annotations

import pytest

from cookie_issuer.settings import (
    MAX_COOKIE_TTL_SECONDS,
    MIN_COOKIE_TTL_SECONDS,
    SettingsError,
    load_settings,
)
from local_stack.__main__ import parse_args
from template_model import ParameterError, load_template, parameter_values
from tests.template.support import REQUIRED, TEMPLATE

ISSUER_ENV = {
    "KEY_PAIR_ID": "K2JCJMDEHXQW5F",
    "SIGNING_KEY_SECRET_ID": "slot-a",
    "ARCHIVE_LOGIN_URL": "https://lincbrain.org/login",
    "ARCHIVE_API_URL": "https://api.lincbrain.org/api",
    "AUTH_RULE": "status=APPROVED",
}


def test_template_parameter_bounds_are_the_issuer_constants() -> None:
    spec = load_template(TEMPLATE)["Parameters"]["CookieTtlSeconds"]
    assert int(spec["MinValue"]) == MIN_COOKIE_TTL_SECONDS
    assert int(spec["MaxValue"]) == MAX_COOKIE_TTL_SECONDS
    assert MIN_COOKIE_TTL_SECONDS <= int(spec["Default"]) <= MAX_COOKIE_TTL_SECONDS


@pytest.mark.parametrize(
    "ttl",
    [
        MIN_COOKIE_TTL_SECONDS - 1,
        MIN_COOKIE_TTL_SECONDS,
        300,
        MAX_COOKIE_TTL_SECONDS,
        MAX_COOKIE_TTL_SECONDS + 1,
    ],
)
def test_template_issuer_and_local_stack_agree(
    ttl: int, capsys: pytest.CaptureFixture[str]
) -> None:
    template = load_template(TEMPLATE)
    try:
        parameter_values(template, {**REQUIRED, "CookieTtlSeconds": str(ttl)})
        template_accepts = True
    except ParameterError:
        template_accepts = False
    try:
        load_settings({**ISSUER_ENV, "COOKIE_TTL_SECONDS": str(ttl)})
        issuer_accepts = True
    except SettingsError as exc:
        assert exc.variable == "COOKIE_TTL_SECONDS"
        issuer_accepts = False
    try:
        assert parse_args(["--cookie-ttl", str(ttl)]).cookie_ttl == ttl
        local_stack_accepts = True
    except SystemExit as exc:
        assert exc.code == 2
        local_stack_accepts = False
    expected = MIN_COOKIE_TTL_SECONDS <= ttl <= MAX_COOKIE_TTL_SECONDS
    assert (template_accepts, issuer_accepts, local_stack_accepts) == (expected,) * 3


@pytest.mark.parametrize("text", ["60", "12h", "-900", "1e4", ""])
def test_local_stack_refuses_a_bad_cookie_ttl_with_the_bounds(
    text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args(["--cookie-ttl", text])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "--cookie-ttl" in err
    assert f"{MIN_COOKIE_TTL_SECONDS} to {MAX_COOKIE_TTL_SECONDS}" in err
    assert "Traceback" not in err


def test_local_stack_default_cookie_ttl_is_within_the_bounds() -> None:
    assert MIN_COOKIE_TTL_SECONDS <= parse_args([]).cookie_ttl <= MAX_COOKIE_TTL_SECONDS
