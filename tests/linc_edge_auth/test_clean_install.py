"""The package as a user installs it: `pip install linc-edge-auth` (no extra) into a virtualenv
made for this test session, with its real dependencies from the package index.

The base install runs `link` and the sign-in commands; it does not pull the Lambdas' own
dependencies; each command or helper that needs an extra says, in one line and without a
traceback, which extra to install. Slow (a real install, about two minutes), done once."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.requirements import Requirement

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
B = "linc-brain-mit-prod-us-east-2"
Z = "0b5b0a8e-4e6f-4a52-9a2c-2f3d1c0e9f10"


@pytest.fixture(scope="session")
def base_venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("clean-install")
    # The project's own files only (not the developer's .venv, node_modules or build output).
    source = root / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(
        REPO / "src", source / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__")
    )
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", str(source)],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-3000:]
    yield venv


def run(venv: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "linc-edge-auth"), *args],
        capture_output=True, text=True, timeout=120, check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(venv), "XDG_CONFIG_HOME": str(venv / "cfg")},
    )  # fmt: skip


def test_the_base_install_runs_link(base_venv: Path) -> None:
    result = run(base_venv, "link", f"s3://{B}/zarr/{Z}/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("https://neuroglancer.lincbrain.org/#!")
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (["streamlines", "convert", "tracts.trk", "out"], "streamlines"),
        (["streamlines", "synth", "volume.nii", "tracts.trk"], "streamlines"),
        (["link", "asset:9c1f6a7e-2b3d-4e5f-8a9b-0c1d2e3f4a5b"], "archive"),
    ],
)
def test_a_missing_extra_is_one_line_naming_it(
    base_venv: Path, args: list[str], extra: str
) -> None:
    result = run(base_venv, *args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"needs the [{extra}] extra: pip install 'linc-edge-auth[{extra}]'" in result.stderr


def test_python_helpers_name_the_data_extra(base_venv: Path) -> None:
    code = "import linc_edge_auth; linc_edge_auth.storage_options()"
    result = subprocess.run(
        [str(base_venv / "bin" / "python"), "-c", code],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "needs the [data] extra: pip install 'linc-edge-auth[data]'" in result.stderr


def test_the_base_install_leaves_out_the_lambdas_dependencies(base_venv: Path) -> None:
    for module in ("aws_lambda_powertools", "aws_xray_sdk", "jwt", "nibabel", "dandi", "zarr"):
        found = subprocess.run(
            [str(base_venv / "bin" / "python"), "-c", f"import {module}"],
            capture_output=True, timeout=60, check=False,
        )  # fmt: skip
        assert found.returncode != 0, f"{module} came with the base install"


def test_every_new_command_shows_an_example(base_venv: Path) -> None:
    for command in ("login", "cookies", "logout", "link"):
        result = run(base_venv, command, "--help")
        assert result.returncode == 0
        examples = result.stdout.split("\nexamples:\n", 1)[1]
        assert f"linc-edge-auth {command}" in examples, result.stdout


def test_the_lambda_extra_matches_the_issuers_zip() -> None:
    """`[lambda]` (local stack, tests) and requirements.txt (the issuer's zip) name the same
    packages, and each pinned version satisfies the extra's range."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extra = {
        Requirement(r).name.lower(): Requirement(r)
        for r in project["optional-dependencies"]["lambda"]
    }
    pins: dict[str, str] = {}
    for line in (REPO / "src/cookie_issuer/requirements.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.strip().lower()] = version.strip()
    for name, requirement in extra.items():
        assert name in pins, f"{name} is in [lambda] but not in the issuer's requirements.txt"
        assert requirement.specifier.contains(pins[name]), (name, pins[name])
