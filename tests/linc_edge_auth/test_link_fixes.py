"""`link` rough edges (issue 15): Neuroglancer's own source spellings, archive lookups that give
up within 5 s, asset ids checked before any request, errors naming the variable a bad value
came from."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest

from linc_edge_auth import archive
from linc_edge_auth.cli import main
from tests.linc_edge_auth.dandi_stub import StubArchive, running

B = "linc-brain-mit-prod-us-east-2"
Z = "0b5b0a8e-4e6f-4a52-9a2c-2f3d1c0e9f10"
BLOB = "blobs/3f2/a1c/3f2a1c9e-1b2d-4c3e-8f40-5a6b7c8d9e0f"
VIEWER = "https://neuroglancer.lincbrain.org"
ASSET_ID = "9c1f6a7e-2b3d-4e5f-8a9b-0c1d2e3f4a5b"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LINC_VIEWER_URL", "LINC_BUCKET", "LINC_DATA_PREFIXES", "LINC_ARCHIVE"):
        monkeypatch.delenv(name, raising=False)


def link(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["link", *args])
    out = capsys.readouterr()
    return code, out.out.strip(), out.err


ZARR_FORMS = [
    f"{VIEWER}/zarr/{Z}/|zarr:",  # what Neuroglancer shows after loading
    f"{VIEWER}/zarr/{Z}/|zarr2:",
    f"s3://{B}/zarr/{Z}/|zarr3:",
    f"zarr://{VIEWER}/zarr/{Z}/",  # what --legacy-sources writes
    f"zarr2://s3://{B}/zarr/{Z}/",
]
NIFTI_FORMS = [
    f"https://{B}.s3.amazonaws.com/{BLOB}|nifti:",
    f"{VIEWER}/{BLOB}|gzip:|nifti:",
    f"nifti://{VIEWER}/{BLOB}",
]


@pytest.mark.parametrize("ref", ZARR_FORMS)
def test_zarr_source_spellings_give_the_plain_urls_link(
    capsys: pytest.CaptureFixture[str], ref: str
) -> None:
    plain = link(capsys, f"s3://{B}/zarr/{Z}/")
    assert plain[0] == 0
    assert link(capsys, ref) == plain


@pytest.mark.parametrize("ref", NIFTI_FORMS)
def test_nifti_source_spellings_name_the_format(
    capsys: pytest.CaptureFixture[str], ref: str
) -> None:
    plain = link(capsys, "--format", "nifti", f"s3://{B}/{BLOB}")
    assert plain[0] == 0
    assert link(capsys, ref) == plain  # the spelling stands in for --format


def test_the_tools_own_legacy_output_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = link(capsys, "--legacy-sources", "--json", f"s3://{B}/zarr/{Z}/")
    assert code == 0
    source = json.loads(out)["layers"][0]["source"]
    legacy = source[0]["url"]
    assert legacy.startswith("zarr://https://")
    assert link(capsys, legacy) == link(capsys, f"s3://{B}/zarr/{Z}/")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--format", "zarr", f"{VIEWER}/{BLOB}|nifti:"],
            "the source says nifti, --format says zarr",
        ),
        ([f"{VIEWER}/zarr/{Z}/|zarr2:0/"], "a Neuroglancer source this tool reads is URL|zarr:"),
        ([f"{VIEWER}/zarr/{Z}/|n5:"], "a Neuroglancer source this tool reads"),
        ([f"nifti://{VIEWER}/zarr/{Z}/|zarr:"], "names two formats"),
    ],
)
def test_source_spellings_that_do_not_fit_are_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    code, out, err = link(capsys, *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and expected in err


@pytest.mark.parametrize("bad", ["asset:not-a-uuid", "asset:9c1f6a7e", f"asset:{ASSET_ID}/x"])
def test_malformed_asset_ids_are_refused_before_any_request(
    capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    with running(StubArchive(assets=[])) as stub:
        code, _, err = link(capsys, "--archive", stub.api, bad)
        assert stub.requests == []
    assert code == 2 and "an asset id is a UUID" in err


@pytest.fixture
def silent_archive() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/api"


def _closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/api"


@pytest.mark.parametrize("kind", ["silent", "refusing"])
def test_an_unreachable_archive_fails_within_the_deadline_naming_it(
    capsys: pytest.CaptureFixture[str], silent_archive: str, kind: str
) -> None:
    api = silent_archive if kind == "silent" else _closed_port()
    started = time.monotonic()
    code, _, err = link(capsys, "--archive", api, f"asset:{ASSET_ID}")
    elapsed = time.monotonic() - started
    assert code == 2 and err.count("\n") == 1
    assert f"the archive at {api} did not answer" in err
    # The deadline, not dandi's minute of retries (generous slack for a loaded machine).
    assert archive.DEADLINE_SECONDS == 5.0 and elapsed < 20


@pytest.mark.parametrize(
    ("env", "args", "expected"),
    [
        ({"LINC_VIEWER_URL": "ftp://x"}, [], "LINC_VIEWER_URL 'ftp://x': expected https://HOST"),
        ({"LINC_DATA_PREFIXES": "zarr"}, [], "LINC_DATA_PREFIXES 'zarr': expected a CloudFront"),
        ({"LINC_BUCKET": "other-bucket"}, [], "; bucket from LINC_BUCKET"),
        ({"LINC_ARCHIVE": "nowhere"}, [f"asset:{ASSET_ID}"], "LINC_ARCHIVE 'nowhere': unknown"),
        ({}, ["--viewer-url", "ftp://x"], "--viewer-url 'ftp://x'"),
        ({}, ["--archive", "nowhere", f"asset:{ASSET_ID}"], "--archive 'nowhere': unknown"),
    ],
)
def test_errors_name_the_variable_a_value_came_from(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    args: list[str],
    expected: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    refs = [a for a in args if a.startswith("asset:")] or [f"s3://{B}/zarr/{Z}/"]
    flags = [a for a in args if not a.startswith("asset:")]
    code, _, err = link(capsys, *flags, *refs)
    assert code == 2 and err.count("\n") == 1
    assert expected in err


def test_a_flag_overrides_a_bad_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINC_VIEWER_URL", "ftp://x")
    code, out, _ = link(capsys, "--viewer-url", VIEWER, f"s3://{B}/zarr/{Z}/")
    assert code == 0 and out.startswith(VIEWER + "/#!")
