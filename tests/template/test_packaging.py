"""The Lambda zips hold the files git tracks and nothing else; no deploy without a build.

Issue 13, items 6 and 7: the build targets copied the packages with `cp -R` (a git-ignored stray
`*.pem` landed in both zips), and `CodeUri: .` let a `sam deploy` without `sam build` zip the
whole checkout (1.6 GB with the virtualenvs).
"""

from __future__ import annotations

import importlib.util
import io
import os
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from template_model import load_template
from tests.template.support import ROOT, SAMCONFIG, TEMPLATE, run, sam_exe

_SPEC = importlib.util.spec_from_file_location("package_lambda", ROOT / "scripts/package_lambda.py")
assert _SPEC is not None and _SPEC.loader is not None
PACKAGER = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(PACKAGER)

FUNCTIONS = {"EdgeAuthFunction": ("edge_auth",), "IssuerFunction": ("edge_auth", "cookie_issuer")}
STRAYS = ("src/edge_auth/stray.pem", "src/cookie_issuer/templates/stray.pem")


def _zip_names(directory: Path) -> list[str]:
    """The artifact zipped as `sam package` does: every file under the folder."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(directory).as_posix())
    return zipfile.ZipFile(buf).namelist()


@pytest.fixture
def strays() -> Iterator[list[Path]]:
    """Git-ignored files planted in both packages (removed afterwards, whatever happens)."""
    planted = [ROOT / p for p in STRAYS]
    for path in planted:
        assert not path.exists(), f"{path} exists already"
        path.write_text("stray: must never ship\n")
    try:
        ignored = subprocess.run(
            ["git", "check-ignore", *STRAYS], cwd=ROOT, capture_output=True, text=True
        )
        assert ignored.stdout.split() == list(STRAYS), "the planted files must be git-ignored"
        yield planted
    finally:
        for path in planted:
            path.unlink(missing_ok=True)


@pytest.mark.slow
@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_build_targets_package_tracked_files_only(
    strays: list[Path], tmp_path: Path, function: str
) -> None:
    artifacts = tmp_path / function
    # As `sam build` calls it: make in the CodeUri folder, ARTIFACTS_DIR in the environment.
    done = subprocess.run(
        ["make", "-C", str(ROOT / "lambda"), f"build-{function}"],
        env={**os.environ, "ARTIFACTS_DIR": str(artifacts)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    names = _zip_names(artifacts)
    assert not [n for n in names if n.endswith(".pem")], names
    # The CloudFront Function ships inline in template.yaml, never in a Lambda zip.
    assert "edge_auth/cloudfront_function.js" not in names
    for package in FUNCTIONS[function]:
        tracked = subprocess.run(
            ["git", "ls-files", f"src/{package}/"], cwd=ROOT, capture_output=True, text=True
        ).stdout.split()
        shipped = {n for n in names if n.startswith(f"{package}/")}
        expected = {t.removeprefix("src/") for t in tracked}
        assert shipped == {t for t in expected if not PACKAGER.left_out(package, t)}


def test_functions_point_at_a_folder_with_nothing_but_the_build_makefile() -> None:
    resources = load_template(TEMPLATE)["Resources"]
    for function in FUNCTIONS:
        assert resources[function]["Properties"]["CodeUri"] == "lambda/"
    on_disk = sorted(p.name for p in (ROOT / "lambda").iterdir())
    assert on_disk == ["Makefile"]


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_sam_deploy_without_sam_build_stops_with_a_clear_error(tmp_path: Path, env: str) -> None:
    """A copy of the project with no .aws-sam/: `sam deploy --config-env ENV` must refuse before
    packaging anything (no AWS endpoint is reachable from here either way)."""
    for name in ("template.yaml", "samconfig.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "lambda", tmp_path / "lambda")
    assert SAMCONFIG.name == "samconfig.toml"
    proc = run(
        [str(sam_exe()), "deploy", "--config-env", env, "--no-confirm-changeset"],
        cwd=tmp_path,
        env={
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        },
        timeout=120,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "Template file not found" in out and ".aws-sam/build/template.yaml" in out, out
    assert "Uploading" not in out
