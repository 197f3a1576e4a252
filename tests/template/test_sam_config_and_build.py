"""samconfig.toml matches the template; `sam build` (makefile builder) makes the right artifacts."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from template_model import (
    load_template,
    parameter_values,
    samconfig_environment,
    samconfig_overrides,
)
from tests.template.support import ROOT, SAMCONFIG, TEMPLATE, run, sam_exe

EDGE_ZIP_LIMIT = 32 * 1024  # our own budget; Lambda@Edge's hard limit is 1 MB
SRC = ROOT / "src"


def _page_files(package: str) -> set[str]:
    """The page templates a package ships, relative to its artifact's root."""
    folder = SRC / package / "templates"
    return {f"{package}/templates/{p.name}" for p in folder.iterdir() if p.is_file()}


def _files(artifact: Path) -> set[str]:
    return {p.relative_to(artifact).as_posix() for p in artifact.rglob("*") if p.is_file()}


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_samconfig_environment(env: str) -> None:
    sections = samconfig_environment(SAMCONFIG, env)
    deploy = sections["deploy"]["parameters"]
    assert deploy["stack_name"] == f"linc-edge-auth-{env}"
    assert deploy["region"] == "us-east-1"
    assert set(deploy["capabilities"].split()) == {"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"}
    assert sections["build"]["parameters"]["build_in_source"] is True


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_samconfig_overrides_match_template_parameters(env: str) -> None:
    """Every override names a parameter, every required one has a value, every value is valid."""
    overrides = samconfig_overrides(SAMCONFIG, env)
    # Placeholders are meant to fail until an operator fills them in.
    placeholders = [name for name, value in overrides.items() if "REPLACE" in value]
    values = parameter_values(load_template(TEMPLATE), overrides, unchecked=placeholders)
    assert values["DataPathPatterns"] == ["/zarr/*", "/blobs/*"]
    assert values["PublicKeyA"] == ""  # SAM CLI reads PublicKeyA="" as empty, not '""'


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build_dir = tmp_path_factory.mktemp("sam") / "build"
    proc = run(
        [
            str(sam_exe()),
            "build",
            "--build-in-source",
            "--template-file",
            str(TEMPLATE),
            "--build-dir",
            str(build_dir),
        ],
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return build_dir


def _zip(directory: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(directory).as_posix())
    return buf.getvalue()


@pytest.mark.slow
def test_edge_artifact_is_the_edge_auth_package_only(built: Path) -> None:
    edge = built / "EdgeAuthFunction"
    top = {p.name for p in edge.iterdir()}
    assert top == {"edge_auth"}
    assert not list(edge.rglob("__pycache__"))
    assert len(_zip(edge)) <= EDGE_ZIP_LIMIT
    pages = _page_files("edge_auth")
    assert {"edge_auth/templates/interstitial.html", "edge_auth/templates/page.css"} <= pages
    assert pages <= _files(edge)
    # The CloudFront Function is inlined in the template, not shipped in the Lambda.
    assert not list(edge.rglob("cloudfront_function.*"))


@pytest.mark.slow
def test_edge_artifact_renders_its_pages_alone(built: Path) -> None:
    """The artifact by itself (no site-packages, no src) answers with both of its pages."""
    edge = built / "EdgeAuthFunction"
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import edge_auth.handler as h; "
        "assert h.__file__.startswith(sys.argv[1]), h.__file__; "
        "nav = {'uri': '/v/', 'method': 'GET', 'headers': {'host': [{'key': 'Host', "
        "'value': 'v.example.org'}], 'sec-fetch-mode': [{'key': 'Sec-Fetch-Mode', "
        "'value': 'navigate'}]}}; "
        "page = h.lambda_handler({'Records': [{'cf': {'request': nav}}]}, None); "
        "bad = h.lambda_handler({}, None); "
        "print(page['status'], bad['status'], 'data-login' in page['body'], "
        "'<style>' in bad['body'])"
    )
    done = subprocess.run(
        [sys.executable, "-S", "-c", code, str(edge)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["200", "400", "True", "True"]


@pytest.mark.slow
def test_issuer_artifact_has_packages_and_lambda_wheels(built: Path) -> None:
    issuer = built / "IssuerFunction"
    top = {p.name for p in issuer.iterdir()}
    assert {"cookie_issuer", "edge_auth", "jwt", "cryptography", "aws_lambda_powertools"} <= top
    assert {"aws_xray_sdk", "wrapt", "cffi"} <= top
    # boto3/botocore come with the python3.13 runtime: shipping them would only add weight.
    assert not top & {"boto3", "botocore", "s3transfer"}
    # Development tools never ship: the template model, the local stack.
    assert not top & {"template_model", "local_stack", "linc_edge_auth"}
    # The issuer's pages, and the edge's style they share.
    pages = _page_files("cookie_issuer") | _page_files("edge_auth")
    assert "cookie_issuer/templates/callback.js" in pages
    assert pages <= _files(issuer)
    # Wheels for the Lambda platform, not for this machine's Python.
    binaries = [p.name for p in issuer.rglob("*.so")]
    assert any("cpython-313-x86_64-linux-gnu" in b for b in binaries), binaries
    assert not any("cpython-311" in b for b in binaries)


@pytest.mark.slow
def test_built_template_points_at_the_artifacts(built: Path) -> None:
    text = (built / "template.yaml").read_text()
    assert "CodeUri: EdgeAuthFunction" in text
    assert "CodeUri: IssuerFunction" in text
