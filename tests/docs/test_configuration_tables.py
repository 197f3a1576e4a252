"""docs/configuration.md's tables against the issuer's settings and template.yaml's Parameters.

The issuer table is checked by behaviour, not by reading code: `load_settings` runs on a
recording mapping, so every variable it reads is seen; a documented default must give the same
settings as the variable left unset; "required" must fail naming the variable; "N to M" bounds
must hold at N and M and fail just outside. The template table is checked against the
template's own Parameters (every one, default, AllowedValues, MinValue/MaxValue), and the
"template" column against the issuer's Environment in template.yaml, both read with
`template_model`, the project's one reader of the template.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from cookie_issuer.settings import Settings, SettingsError, load_settings
from template_model import load_template
from tests.docs.support import DOCS, ROOT, Table, code_spans, tables_with_header

PAGE = DOCS / "configuration.md"
TEMPLATE = ROOT / "template.yaml"
NOT_SET = "—"
POWERTOOLS = "POWERTOOLS_"

#: A valid issuer environment per way of verifying users; each documented variable is then
#: removed from, or set in, these.
BASE = {
    "KEY_PAIR_ID": "K2JCJMDEHXQW5F",
    "SIGNING_KEY_SECRET_ID": "linc/signing-key",
    "ARCHIVE_LOGIN_URL": "https://lincbrain.org/login",
    "AUTH_RULE": "status=APPROVED",
}
JWKS_MODE = {
    **BASE,
    "JWKS_URL": "https://api.lincbrain.org/jwks.json",
    "JWT_ISSUER": "https://api.lincbrain.org",
    "JWT_AUDIENCE": "neuroglancer",
}
SECRET_MODE = {**JWKS_MODE, "JWT_KEY_SECRET_ID": "linc/jwt-key"}
del SECRET_MODE["JWKS_URL"]
API_MODE = {**BASE, "ARCHIVE_API_URL": "https://api.lincbrain.org/api"}
OAUTH_MODE = {
    **API_MODE,
    "AUTH_MODE": "oauth2",
    "OAUTH_PROVIDER_URL": "https://api.lincbrain.org/oauth/",
    "OAUTH_CLIENT_ID": "a" * 40,
    "OAUTH_CLIENT_SECRET_ID": "linc/oauth-client-secret",
    "SEALING_KEY_SECRET_ID": "linc/sealing-key",
    "VIEWER_ORIGIN": "https://neuroglancer.lincbrain.org",
    "OAUTH_REDIRECT_URI": "https://neuroglancer.lincbrain.org/_auth/callback",
}
del OAUTH_MODE["ARCHIVE_LOGIN_URL"]
#: Every optional variable set, so no read hides behind a condition.
FULL = {
    **JWKS_MODE,
    "ARCHIVE_API_URL": "https://api.lincbrain.org/api",
    "SESSION_COOKIE_NAME": "linc_session",
    "CORS_ALLOWED_ORIGINS": "https://tools.lincbrain.org",
    "COOKIE_DOMAIN": "lincbrain.org",
    "VIEWER_ORIGIN": "https://neuroglancer.lincbrain.org",
}


class RecordingEnv(Mapping[str, str]):
    """An environment that remembers every name asked for."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)
        self.read: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.read.add(name)
        return self._values[name]

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            self.read.add(name)
        return name in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def _rows(first: str) -> dict[str, tuple[str, ...]]:
    rows: dict[str, tuple[str, ...]] = {}
    table: Table
    for table in tables_with_header(PAGE.read_text(), first):
        for row in table.rows:
            (name,) = code_spans(row[0])
            assert name not in rows, f"{name} is documented twice"
            rows[name] = row
    assert rows, f"docs/configuration.md has no table starting with '{first}'"
    return rows


VARIABLES = _rows("variable")
SETTINGS_VARIABLES = {k: v for k, v in VARIABLES.items() if not k.startswith(POWERTOOLS)}
POWERTOOLS_VARIABLES = {k: v for k, v in VARIABLES.items() if k.startswith(POWERTOOLS)}
PARAMETERS = _rows("parameter")


def _only_literal(cell: str) -> str | None:
    """The value of a cell that is exactly one code span, else None."""
    spans = code_spans(cell)
    return spans[0] if len(spans) == 1 and cell == f"`{spans[0]}`" else None


def _load(env: Mapping[str, str]) -> Settings:
    return load_settings(dict(env))


def _loads(env: Mapping[str, str]) -> bool:
    try:
        _load(env)
    except SettingsError:
        return False
    return True


def _without(env: Mapping[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in env.items() if k != name}


# -- issuer environment variables --------------------------------------------------------------
def test_every_variable_the_issuer_reads_is_documented() -> None:
    read: set[str] = set()
    for env in (JWKS_MODE, SECRET_MODE, API_MODE, FULL, OAUTH_MODE):
        recording = RecordingEnv(env)
        load_settings(recording)
        read |= recording.read
    documented = set(SETTINGS_VARIABLES)
    assert read - documented == set(), f"read but not documented: {sorted(read - documented)}"
    assert documented - read == set(), f"documented but never read: {sorted(documented - read)}"


@pytest.mark.parametrize("name", sorted(SETTINGS_VARIABLES))
def test_documented_default(name: str) -> None:
    default = SETTINGS_VARIABLES[name][1]
    literal = _only_literal(default)
    if default == "required with OAuth2":
        with pytest.raises(SettingsError) as refused:
            _load(_without(OAUTH_MODE, name))
        assert refused.value.variable == name
        _load(_without(JWKS_MODE, name))  # not required in JWT mode
    elif default.startswith("required"):
        with pytest.raises(SettingsError) as refused:
            _load(_without(JWKS_MODE, name))
        assert refused.value.variable == name
        if default == "required in JWT mode":
            _load(_without(OAUTH_MODE, name))  # not required in OAuth2 mode
        elif default == "required with JWT":
            _load(_without(API_MODE, name))  # not required without JWT
        else:
            assert default == "required", f"{name}: unknown default notation {default!r}"
    elif default == "empty":
        # The fullest environment that stays valid without this variable.
        base = next(e for e in (FULL, OAUTH_MODE, API_MODE, JWKS_MODE) if _loads(_without(e, name)))
        unset = _load(_without(base, name))
        assert unset == _load({**base, name: ""})
        value = getattr(unset, name.lower(), None)
        assert not value, f"{name} is documented empty by default but gives {value!r}"
    elif literal is not None:
        try:
            unset = _load(_without(JWKS_MODE, name))
        except SettingsError as exc:
            pytest.fail(f"{name} unset is refused ({exc}): it has no default")
        assert unset == _load({**JWKS_MODE, name: literal}), (
            f"{name} unset does not behave like {name}={literal} (the documented default)"
        )
    else:
        pytest.fail(f"{name}: write the default as `value`, 'empty', 'required' or 'required...'")


BOUNDED = {
    name: tuple(int(n.replace(",", "")) for n in match.groups())
    for name, row in SETTINGS_VARIABLES.items()
    if (match := re.search(r"\b(\d[\d,]*) to (\d[\d,]*)\b", row[3]))
}


@pytest.mark.parametrize("name", sorted(BOUNDED))
def test_documented_bounds(name: str) -> None:
    low, high = BOUNDED[name]
    for ok in (low, high):
        if not _loads({**JWKS_MODE, name: str(ok)}):
            pytest.fail(f"{name}={ok} is refused, but the docs say {low} to {high}")
    for bad in (low - 1, high + 1):
        with pytest.raises(SettingsError) as refused:
            _load({**JWKS_MODE, name: str(bad)})
        assert refused.value.variable == name


def test_bounds_are_documented_where_the_issuer_has_them() -> None:
    assert {"COOKIE_TTL_SECONDS", "JWT_LEEWAY_SECONDS", "SECRETS_CACHE_SECONDS"} <= set(BOUNDED)


def test_powertools_defaults() -> None:
    """The issuer's own fallbacks (observability.py) and Powertools' log level, fresh process."""
    code = (
        "import json, logging, os\n"
        "for k in [k for k in os.environ if k.startswith('POWERTOOLS_')]: del os.environ[k]\n"
        "from cookie_issuer import observability as o\n"
        "print(json.dumps({'POWERTOOLS_SERVICE_NAME': o.SERVICE,"
        " 'POWERTOOLS_METRICS_NAMESPACE': o.NAMESPACE,"
        " 'POWERTOOLS_LOG_LEVEL': logging.getLevelName(o.logger.log_level)}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    actual = json.loads(out)
    documented = {name: _only_literal(row[1]) for name, row in POWERTOOLS_VARIABLES.items()}
    assert documented == actual


# -- the template ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


def _refs(value: Any) -> set[str]:
    """Names a template value refers to: `Ref`s and `${Name}`s of `Fn::Sub`."""
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            return {value["Ref"]}
        sub = value.get("Fn::Sub")
        names = set(re.findall(r"\$\{([A-Za-z0-9]+)\}", sub)) if isinstance(sub, str) else set()
        return names.union(*(_refs(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_refs(v) for v in value)) if value else set()
    return set()


def test_template_column_matches_the_issuer_environment(template: dict[str, Any]) -> None:
    env = template["Resources"]["IssuerFunction"]["Properties"]["Environment"]["Variables"]
    parameters = set(template["Parameters"])
    set_by_doc = {name for name, row in VARIABLES.items() if row[2] != NOT_SET}
    assert set_by_doc == set(env), (
        f"template sets but the docs say '{NOT_SET}': {sorted(set(env) - set_by_doc)}; "
        f"the docs name a template value for: {sorted(set_by_doc - set(env))}"
    )
    problems = []
    for name, value in env.items():
        cell = VARIABLES[name][2]
        named = set(code_spans(cell))
        # A fixed value is named as is; anything else by the parameters it is computed from.
        expected = {value} if isinstance(value, str) else _refs(value) & parameters
        if not expected <= named:
            problems.append(f"{name}: the template column should name {sorted(expected)}")
        stray = {n for n in named if n not in parameters and n not in expected}
        if stray:
            problems.append(f"{name}: {sorted(stray)} is not a parameter of the template")
    assert not problems, "\n".join(problems)


def test_every_parameter_is_documented(template: dict[str, Any]) -> None:
    actual, documented = set(template["Parameters"]), set(PARAMETERS)
    assert actual - documented == set(), f"undocumented: {sorted(actual - documented)}"
    assert documented - actual == set(), f"no longer in the template: {sorted(documented - actual)}"


def _parameter_names() -> list[str]:
    return sorted(set(load_template(TEMPLATE)["Parameters"]) & set(PARAMETERS))


@pytest.mark.parametrize("name", _parameter_names())
def test_parameter_default(template: dict[str, Any], name: str) -> None:
    spec = template["Parameters"][name]
    cell = PARAMETERS[name][1]
    if cell == "required":
        assert "Default" not in spec, f"{name} has a default ({spec['Default']!r})"
    elif cell == "empty":
        assert spec.get("Default") == "", f"{name}'s default is {spec.get('Default')!r}"
    else:
        literal = _only_literal(cell)
        assert literal is not None, f"{name}: write the default as `value`, 'empty' or 'required'"
        assert str(spec.get("Default")) == literal


@pytest.mark.parametrize("name", _parameter_names())
def test_parameter_allowed_values(template: dict[str, Any], name: str) -> None:
    spec = template["Parameters"][name]
    cell = PARAMETERS[name][2]
    values = code_spans(cell)
    if cell == "any":
        constraints = {"AllowedValues", "AllowedPattern", "MinValue", "MaxValue"} & set(spec)
        assert not constraints, f"{name} is documented as 'any' but has {sorted(constraints)}"
    elif values and cell == ", ".join(f"`{v}`" for v in values):
        assert sorted(str(v) for v in spec.get("AllowedValues", [])) == sorted(values)
    elif match := re.fullmatch(r"`(\d+)` to `(\d+)`", cell):
        assert (str(spec.get("MinValue")), str(spec.get("MaxValue"))) == match.groups()
    elif match := re.fullmatch(r"at least `(\d+)`", cell):
        assert str(spec.get("MinValue")) == match.group(1) and "MaxValue" not in spec
    else:  # words describing a pattern
        assert "AllowedPattern" in spec, f"{name}: '{cell}' describes a pattern it does not have"
        assert not {"AllowedValues", "MinValue", "MaxValue"} & set(spec), (
            f"{name}: document its AllowedValues / MinValue / MaxValue exactly"
        )
