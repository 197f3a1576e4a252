"""samconfig.toml read in one place, its parameter_overrides parsed by SAM CLI's own parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from template_model import TemplateError, samconfig_environment, samconfig_overrides

SAM_PYTHON = Path(__file__).resolve().parents[2] / ".venv-sam" / "bin" / "python"

SAMCONFIG = """
version = 0.1
[listed.deploy.parameters]
stack_name = "s"
parameter_overrides = ["Plain=a", "Empty=\\"\\"", "Spaced=\\"two words\\"", "List=/a/*,/b/*"]
[one_string.deploy.parameters]
parameter_overrides = "A=1 B=\\"x y\\""
[only_global.global.parameters]
parameter_overrides = "FromGlobal=yes"
[both.global.parameters]
parameter_overrides = "FromGlobal=yes"
[both.deploy.parameters]
parameter_overrides = "FromDeploy=yes"
[nothing.build.parameters]
build_in_source = true
"""


@pytest.fixture
def samconfig(tmp_path: Path) -> Path:
    path = tmp_path / "samconfig.toml"
    path.write_text(SAMCONFIG)
    return path


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ("listed", {"Plain": "a", "Empty": "", "Spaced": "two words", "List": "/a/*,/b/*"}),
        ("one_string", {"A": "1", "B": "x y"}),
        ("only_global", {"FromGlobal": "yes"}),
        ("both", {"FromDeploy": "yes"}),  # the command's own key wins over global, as in SAM CLI
        ("nothing", {}),
    ],
)
def test_overrides_as_sam_cli_reads_them(
    samconfig: Path, env: str, expected: dict[str, str]
) -> None:
    assert samconfig_overrides(samconfig, env, sam_python=SAM_PYTHON) == expected


def test_environment_tables(samconfig: Path) -> None:
    assert samconfig_environment(samconfig, "listed")["deploy"]["parameters"]["stack_name"] == "s"


def test_unknown_environment_names_the_known_ones(samconfig: Path) -> None:
    with pytest.raises(TemplateError, match="no environment 'prd' \\(has listed, one_string"):
        samconfig_overrides(samconfig, "prd", sam_python=SAM_PYTHON)


def test_missing_sam_cli_says_how_to_install_it(samconfig: Path, tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="run `make sam-venv`"):
        samconfig_overrides(samconfig, "listed", sam_python=tmp_path / "no-python")
