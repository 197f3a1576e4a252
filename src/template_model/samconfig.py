"""samconfig.toml read in one place: environments, and parameter overrides as SAM CLI reads them.

Contract: `samconfig_environment(samconfig, env)` returns an environment's tables
({"deploy": {"parameters": {...}}, "build": ...}). `samconfig_overrides(samconfig, env)`
returns {parameter name: value} for `sam deploy --config-env ENV`: the `parameter_overrides`
of `[ENV.deploy.parameters]`, else of `[ENV.global.parameters]` (SAM CLI takes a command's own
key over the global one), parsed by SAM CLI's own parser
(`samcli.cli.types.CfnParameterOverridesType`: quoting, spaces, `Key=""`). That parser runs in
SAM CLI's venv (`<samconfig folder>/.venv-sam` unless `sam_python` names another interpreter)
because SAM CLI's pins conflict with ours, and fidelity with what SAM CLI deploys is the point.
Results are cached per text. A missing environment, a missing venv (`make sam-venv` installs
it) or a parse failure raises `TemplateError` saying which.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import tomllib
from pathlib import Path
from typing import Any

from template_model.errors import TemplateError

_PARSE = (
    "import json, sys\n"
    "from samcli.cli.types import CfnParameterOverridesType\n"
    "raw = json.loads(sys.stdin.read())\n"
    "print(json.dumps(CfnParameterOverridesType().convert(raw, None, None)))\n"
)


@functools.lru_cache(maxsize=32)
def _parse_with_sam_cli(sam_python: str, raw: str) -> str:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    proc = subprocess.run(  # noqa: S603 - our own interpreter path, fixed code
        [sam_python, "-c", _PARSE], input=raw, capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        raise TemplateError(f"SAM CLI could not parse parameter_overrides: {proc.stderr[-800:]}")
    return proc.stdout


def samconfig_environment(samconfig: Path | str, env: str) -> dict[str, Any]:
    """The tables of one environment of samconfig.toml ({"deploy": {"parameters": ...}, ...})."""
    path = Path(samconfig)
    try:
        config: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TemplateError(f"cannot read {path}: {exc}") from None
    if not isinstance(config.get(env), dict):
        known = ", ".join(name for name, value in config.items() if isinstance(value, dict))
        raise TemplateError(f"{path} has no environment {env!r} (has {known})")
    sections: dict[str, Any] = config[env]
    return sections


def samconfig_overrides(
    samconfig: Path | str, env: str, *, sam_python: Path | None = None
) -> dict[str, str]:
    """`sam deploy --config-env env`'s parameter overrides (see the module contract)."""
    path = Path(samconfig)
    sections = samconfig_environment(path, env)
    raw: Any = None
    for command in ("deploy", "global"):
        raw = sections.get(command, {}).get("parameters", {}).get("parameter_overrides")
        if raw is not None:
            break
    if raw is None:
        return {}
    python = sam_python or path.resolve().parent / ".venv-sam" / "bin" / "python"
    if not Path(python).exists():
        raise TemplateError(f"{python} is missing: run `make sam-venv` (SAM CLI's own venv)")
    items = raw if isinstance(raw, list) else [raw]
    parsed = json.loads(_parse_with_sam_cli(str(python), json.dumps(items)))
    return {str(name): str(value) for name, value in parsed.items()}
