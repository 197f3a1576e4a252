"""Scripts against the running local stack (issue 15): `login` with a demo user's real API key at
the issuer API, `cookies` in the formats curl and wget read, `logout`, and private data read from
Python through the viewer origin (zarr and xarray over fsspec, requests), compared with the
source values. The CloudFront emulator checks every cookie as CloudFront would."""

from __future__ import annotations

import hashlib
import io
import json
import os
import pty
import shutil
import stat
import subprocess
import sys
import time
import uuid
from http.cookiejar import MozillaCookieJar
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import linc_edge_auth
from linc_edge_auth import cookie_store
from linc_edge_auth.cli import main
from linc_edge_auth.errors import UserError
from tests.local_stack.client import aws_client, chunk_url, http

pytestmark = pytest.mark.slow


@pytest.fixture
def signed_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("LINC_API_KEY", raising=False)
    monkeypatch.delenv("LINC_ISSUER_URL", raising=False)
    return tmp_path


def _token(info: dict[str, Any], user: str) -> str:
    return str(next(u["api_token"] for u in info["users"] if u["username"] == user))


@pytest.fixture
def signed_in(
    local_stack: dict[str, Any], signed_out: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    monkeypatch.setenv("LINC_API_KEY", _token(local_stack, "alice"))
    assert main(["login", "--issuer-url", local_stack["issuer_api_url"]]) == 0
    monkeypatch.delenv("LINC_API_KEY")
    return local_stack


def _viewer(info: dict[str, Any]) -> str:
    return str(info["viewer_url"]).rstrip("/")


def test_login_cookies_logout(
    local_stack: dict[str, Any],
    signed_out: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    info = local_stack
    monkeypatch.setenv("LINC_API_KEY", _token(info, "alice"))
    assert main(["login", "--issuer-url", info["issuer_api_url"]]) == 0
    monkeypatch.delenv("LINC_API_KEY")
    out = capsys.readouterr().out
    assert f"signed in: cookies for {info['viewer_public_origin']} valid until" in out
    assert _token(info, "alice") not in out
    assert http(chunk_url(info))[0] == 403

    assert main(["cookies"]) == 0
    name, value = capsys.readouterr().out.strip().split(": ", 1)
    assert name == "Cookie"
    assert http(chunk_url(info), headers={"Cookie": value})[0] == 200

    cookie_file = signed_out / "cookies.txt"
    assert main(["cookies", "--format", "netscape", "--output", str(cookie_file)]) == 0
    assert capsys.readouterr().out == ""
    assert stat.S_IMODE(cookie_file.stat().st_mode) == 0o600
    jar = MozillaCookieJar(str(cookie_file))  # the format curl -b and wget read
    jar.load()
    assert "; ".join(f"{c.name}={c.value}" for c in jar) == value
    assert {(c.domain, c.path, c.secure) for c in jar} == {("localhost", "/", False)}
    if curl := shutil.which("curl"):
        result = subprocess.run(
            [curl, "-s", "-o", "/dev/null", "-w", "%{http_code}", "-b", str(cookie_file),
             chunk_url(info)],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        assert result.stdout == "200"

    assert main(["logout"]) == 0
    assert f"removed the cookies for {info['viewer_public_origin']}" in capsys.readouterr().out
    assert not cookie_store.path().exists()
    assert main(["cookies"]) == 2
    assert "run `linc-edge-auth login`" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("user", "expected"),
    [("bob", "refused this account: "), (None, "refused the API key in LINC_API_KEY: ")],
)
def test_login_refusals_are_one_line_without_the_key(
    local_stack: dict[str, Any],
    signed_out: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    user: str | None,
    expected: str,
) -> None:
    key = _token(local_stack, user) if user else "not-a-key"
    monkeypatch.setenv("LINC_API_KEY", key)
    monkeypatch.setenv("LINC_ISSUER_URL", local_stack["issuer_api_url"])
    assert main(["login"]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and expected in captured.err
    assert key not in captured.err + captured.out
    assert not cookie_store.path().exists()


def test_login_asks_for_the_key_without_echo(local_stack: dict[str, Any], signed_out: Path) -> None:
    """In a real terminal (a pty): the prompt, the typed key not shown, then signed in."""
    key = _token(local_stack, "alice")
    env = {k: v for k, v in os.environ.items() if k != "LINC_API_KEY"}
    env["XDG_CONFIG_HOME"] = str(signed_out / "config")
    cli = str(Path(sys.executable).with_name("linc-edge-auth"))
    pid, fd = pty.fork()
    if pid == 0:  # the child: the CLI on the pty
        os.execve(cli, [cli, "login", "--issuer-url", local_stack["issuer_api_url"]], env)
    seen = io.BytesIO()
    deadline = time.monotonic() + 60
    typed = False
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # the child closed the pty
            break
        if not chunk:
            break
        seen.write(chunk)
        if not typed and b"API key (not shown):" in seen.getvalue():
            os.write(fd, key.encode() + b"\n")
            typed = True
    _, status = os.waitpid(pid, 0)
    text = seen.getvalue().decode(errors="replace")
    assert typed, text
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "signed in: cookies for" in text
    assert key not in text
    assert cookie_store.path().exists()


def test_zarr_reads_the_values_of_the_source(signed_in: dict[str, Any]) -> None:
    """Level 0 of the OME-Zarr, read with zarr through fsspec, equals the NIfTI it was made of
    (read through requests on the same origin), oriented as the sample documents."""
    import nibabel as nib
    import zarr

    from local_stack.samples.assets import nifti_affine, orient

    info = signed_in
    session = linc_edge_auth.requests_session()
    response = session.get(_viewer(info) + info["assets"]["nifti"], timeout=30)
    assert response.status_code == 200
    nifti = response.content
    image: Any = nib.Nifti1Image.from_bytes(nifti)
    data = np.asarray(image.get_fdata(), dtype=np.float32)
    scaled = (255 * (data - data.min()) / max(float(np.ptp(data)), 1e-6)).astype(np.uint8)
    expected = orient(scaled, nifti_affine(nifti)).zyx

    url = _viewer(info) + info["assets"]["zarr"]
    group: Any = zarr.open(url, mode="r", storage_options=linc_edge_auth.storage_options())
    level0 = group["0"][:]
    assert level0.shape == tuple(info["assets"]["shape_zyx"]) == expected.shape
    assert np.array_equal(level0, expected)
    assert len(np.unique(level0)) > 50  # a real scan, not a block of fill values
    assert "multiscales" in group.attrs


def test_xarray_open_zarr_on_the_viewer_url(signed_in: dict[str, Any], tmp_path: Path) -> None:
    """A dataset xarray wrote (consolidated, as xarray writes it) under zarr/<uuid>/ in the
    asset bucket opens from its viewer URL with the same values."""
    import xarray as xr

    info = signed_in
    rng = np.random.default_rng(15)
    source = xr.Dataset(
        {"signal": (("t", "x"), rng.normal(size=(40, 30)).astype(np.float32))},
        coords={"t": np.arange(40), "x": np.linspace(0.0, 2.9, 30)},
    )
    written = tmp_path / "signal.zarr"
    source.to_zarr(written, zarr_format=2, consolidated=True)
    prefix = f"zarr/{uuid.uuid4()}/"
    s3 = aws_client(info, "s3")
    for file in sorted(p for p in written.rglob("*") if p.is_file()):
        key = prefix + file.relative_to(written).as_posix()
        s3.put_object(Bucket=info["buckets"]["assets"], Key=key, Body=file.read_bytes())
    opened = xr.open_zarr(
        _viewer(info) + "/" + prefix, storage_options=linc_edge_auth.storage_options()
    )
    assert np.array_equal(opened["signal"].values, source["signal"].values)
    assert np.array_equal(opened["x"].values, source["x"].values)


def test_refused_cookies_are_an_error_never_empty_data(signed_in: dict[str, Any]) -> None:
    import zarr

    info = signed_in
    stored = cookie_store.find(None)
    assert stored is not None
    forged = dict(stored.cookies, **{"CloudFront-Signature": "AAAA"})
    cookie_store.save(cookie_store.SignedCookies(
        stored.viewer_origin, stored.issuer_url, forged, stored.expires
    ))  # fmt: skip
    url = _viewer(info) + info["assets"]["zarr"]
    with pytest.raises(UserError, match=r"refused the cookies.*linc-edge-auth login"):
        zarr.open(url, mode="r", storage_options=linc_edge_auth.storage_options())


def test_cookies_close_to_expiry_are_renewed_with_the_key(
    signed_in: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    info = signed_in
    stored = cookie_store.find(None)
    assert stored is not None
    soon = int(time.time()) + 60
    cookie_store.save(cookie_store.SignedCookies(
        stored.viewer_origin, stored.issuer_url, stored.cookies, soon
    ))  # fmt: skip
    monkeypatch.setenv("LINC_API_KEY", _token(info, "alice"))
    session = linc_edge_auth.requests_session()
    assert session.get(chunk_url(info), timeout=30).status_code == 200
    renewed = cookie_store.find(None)
    assert renewed is not None and renewed.expires > soon + 600
    # Cookies go to the viewer only: the archive never sees them.
    archive = session.get(info["archive_url"], timeout=30)
    assert "CloudFront" not in archive.request.headers.get("Cookie", "")


def _link_env(info: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LINC_VIEWER_URL", info["viewer_url"])
    monkeypatch.setenv("LINC_BUCKET", info["buckets"]["assets"])
    monkeypatch.setenv("LINC_DATA_PREFIXES", ",".join(info["data_prefixes"]))
    return f"s3://{info['buckets']['assets']}{info['assets']['zarr']}"


def test_link_centre_reads_metadata_with_the_stored_cookies(
    signed_in: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = _link_env(signed_in, monkeypatch)
    capsys.readouterr()
    assert main(["link", "--centre", "--json", ref]) == 0
    out = capsys.readouterr()
    state = json.loads(out.out)
    assert out.err == ""
    assert state["layers"][0]["source"][0]["url"].endswith("|zarr2:")  # the metadata was read
    assert len(state["position"]) == 3


def test_link_centre_says_why_it_cannot_centre(
    local_stack: dict[str, Any],
    signed_out: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ref = _link_env(local_stack, monkeypatch)
    assert main(["link", "--centre", "--json", ref]) == 0
    out = capsys.readouterr()
    assert "position" not in json.loads(out.out)
    warnings = out.err.splitlines()
    assert len(warnings) == 2, out.err  # no cookies; then the refusal, once
    assert "no cookies" in warnings[0] and "reading metadata without cookies" in warnings[0]
    assert "refused to read" in warnings[1] and "HTTP 403" in warnings[1]
    assert "run `linc-edge-auth login`" in warnings[1]


def test_link_short_stores_the_state_and_prints_a_short_link(
    local_stack: dict[str, Any],
    signed_out: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    info = local_stack
    ref = _link_env(info, monkeypatch)
    monkeypatch.setenv("LINC_ISSUER_URL", info["issuer_api_url"])
    monkeypatch.setenv("LINC_API_KEY", _token(info, "alice"))
    assert main(["link", "--json", ref]) == 0
    expected = json.loads(capsys.readouterr().out)
    assert main(["link", "--short", ref]) == 0
    short = capsys.readouterr().out.strip()
    viewer = _viewer(info)
    prefix = f"{viewer}/#!{viewer}/links/"
    assert short.startswith(prefix) and short.endswith(".json")
    link_id = short[len(prefix) : -len(".json")]
    state_url = short.split("#!", 1)[1]

    status, _, _ = http(state_url)
    assert status == 403  # members only, like data
    assert main(["login"]) == 0
    capsys.readouterr()
    response = linc_edge_auth.requests_session().get(state_url, timeout=30)
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == link_id
    assert response.json() == expected

    # The link does not grow with the state: three layers give a link of the same length.
    assert main(["link", "--short", ref, ref, ref]) == 0
    longer = capsys.readouterr().out.strip()
    assert longer != short and len(longer) == len(short)


def test_link_short_refusals_are_one_line(
    local_stack: dict[str, Any],
    signed_out: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ref = _link_env(local_stack, monkeypatch)
    monkeypatch.setenv("LINC_API_KEY", _token(local_stack, "bob"))
    assert main(["link", "--short", ref]) == 2
    err = capsys.readouterr().err
    assert "which issuer? give --issuer-url or set LINC_ISSUER_URL" in err
    monkeypatch.setenv("LINC_ISSUER_URL", local_stack["issuer_api_url"])
    assert main(["link", "--short", ref]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "refused this account" in err
