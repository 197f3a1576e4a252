"""`linc-edge-auth link`: output, one-line errors, and the installed console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import neuroglancer
import pytest

from linc_edge_auth.cli import COMMAND_MODULES, main

B = "linc-brain-mit-prod-us-east-2"
Z = "0b5b0a8e-4e6f-4a52-9a2c-2f3d1c0e9f10"
BLOB = "blobs/3f2/a1c/3f2a1c9e-1b2d-4c3e-8f40-5a6b7c8d9e0f"


def test_link_is_registered() -> None:
    assert "linc_edge_auth.cli.cmd_link" in COMMAND_MODULES


def test_two_assets_with_names_formats_and_range(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "link",
            "--name", "dMRI", "--name", "HiP-CT",
            "--format", "nifti", "--format", "zarr",
            "--range", "0,1000",
            f"https://{B}.s3.amazonaws.com/{BLOB}",
            f"s3://{B}/zarr/{Z}/",
        ]
    )  # fmt: skip
    assert code == 0
    state = neuroglancer.parse_url(capsys.readouterr().out.strip())
    assert [la.name for la in state.layers] == ["dMRI", "HiP-CT"]
    assert state.layout.type == "xy-3d"
    assert list(state.layers["HiP-CT"].shader_controls["normalized"].range) == [0, 1000]


def test_json_output_and_layout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["link", "--json", "--layout", "3d", f"s3://{B}/zarr/{Z}/"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["layout"] == "3d"
    assert data["layers"][0]["name"] == "zarr-0b5b0a8e"


def test_deployment_flags_and_env(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINC_BUCKET", "staging-bucket")
    args = ["link", "--viewer-url", "http://localhost:8080", "s3://staging-bucket/zarr/x.zarr"]
    assert main(args) == 0
    url = capsys.readouterr().out.strip()
    assert url.startswith("http://localhost:8080/#!")
    assert neuroglancer.parse_url(url).layers[0].source[0].url == (
        "http://localhost:8080/zarr/x.zarr/|zarr:"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["s3://other/zarr/x/"], "bucket 'other' is not served"),
        ([f"s3://{B}/keys/k.pem"], "key 'keys/k.pem' is not under a served prefix"),
        ([f"s3://{B}/{BLOB}"], "cannot tell the format"),
        (["--name", "a", "--name", "b", "--name", "c", f"s3://{B}/zarr/{Z}/"], "--name: given 3"),
        (["--range", "high", f"s3://{B}/zarr/{Z}/"], "--range 'high'"),
        (["--bucket", "b", "--data-prefixes", "zarr", "s3://b/zarr/x/"], "--data-prefixes"),
    ],
)
def test_errors_are_one_line_naming_the_argument(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["link", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("linc-edge-auth link: error: ")
    assert message in lines[0]


def _console_script() -> str:
    found = Path(sys.executable).with_name("linc-edge-auth")
    if found.exists():
        return str(found)
    which = shutil.which("linc-edge-auth")
    assert which, "the linc-edge-auth console script is not installed (pip install -e .)"
    return which


def test_console_script_help_explains_asset_forms() -> None:
    result = subprocess.run(
        [_console_script(), "link", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    for form in ("s3://BUCKET/KEY", "s3.amazonaws.com", "dandi://linc/", "asset:", "--format"):
        assert form in result.stdout
    top = subprocess.run([_console_script(), "--help"], capture_output=True, text=True, timeout=60)
    assert top.returncode == 0 and "link" in top.stdout


def test_console_script_error_exit_status() -> None:
    result = subprocess.run(
        [_console_script(), "link", "s3://elsewhere/zarr/x/"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "bucket 'elsewhere' is not served" in result.stderr
    assert "Traceback" not in result.stderr
