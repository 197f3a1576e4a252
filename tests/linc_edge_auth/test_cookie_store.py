"""Stored cookies: file mode, formats, matching by viewer, refusal of foreign files; the
renewal rules of `signin.current` (a renewal goes to a real loopback issuer in the local stack
tests; here an expired set without a key must refuse, not send)."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest

from linc_edge_auth import cookie_store, signin
from linc_edge_auth.cli import main
from linc_edge_auth.cookie_store import SignedCookies
from linc_edge_auth.errors import UserError
from linc_edge_auth.issuer_client import _parse, issuer_url_from

VALUES = {
    "CloudFront-Policy": "cG9s",
    "CloudFront-Signature": "c2ln",
    "CloudFront-Key-Pair-Id": "K1",
}


@pytest.fixture(autouse=True)
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("LINC_API_KEY", raising=False)
    return tmp_path / "config"


def cookies(origin: str = "https://viewer.example.org", left: float = 3600) -> SignedCookies:
    return SignedCookies(
        origin, "https://issuer.example.org", dict(VALUES), int(time.time() + left)
    )


def test_saved_file_is_private_and_round_trips(config_home: Path) -> None:
    saved = cookies()
    written = cookie_store.save(saved)
    assert written == config_home / "linc-edge-auth" / "cookies.json"
    assert stat.S_IMODE(os.stat(written).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(written.parent).st_mode) == 0o700
    assert cookie_store.find("https://viewer.example.org/zarr/x/") == saved
    assert cookie_store.find(None) == saved


def test_one_set_per_viewer_and_matching_by_host_and_port() -> None:
    cookie_store.save(cookies("https://a.example.org"))
    cookie_store.save(cookies("https://localhost:8741"))
    cookie_store.save(cookies("https://a.example.org", left=7200))  # replaces, does not add
    assert sorted(cookie_store.load_all()) == ["https://a.example.org", "https://localhost:8741"]
    assert cookie_store.find(None) is None  # two viewers: the caller must say which
    local = cookie_store.find("http://localhost:8741/")  # the local stack serves plain http
    assert local is not None and local.viewer_origin == "https://localhost:8741"
    assert cookie_store.find("http://localhost:8742/") is None
    assert local.covers("http://localhost:8741/zarr/x/.zattrs")
    a = cookie_store.find("https://a.example.org")
    assert a is not None
    assert a.covers("https://a.example.org/blobs/k") and not a.covers("http://a.example.org/k")
    assert not a.covers("https://evil.example.org/k")
    assert cookie_store.delete("https://a.example.org") == ["https://a.example.org"]
    assert list(cookie_store.load_all()) == ["https://localhost:8741"]
    assert cookie_store.delete(None) == ["https://localhost:8741"]
    assert not cookie_store.path().exists()


def test_header_and_netscape_formats() -> None:
    c = cookies()
    assert (
        c.header() == "CloudFront-Policy=cG9s; CloudFront-Signature=c2ln; CloudFront-Key-Pair-Id=K1"
    )
    lines = [ln for ln in c.netscape().splitlines() if not ln.startswith("#")]
    assert lines[0].split("\t") == [
        "viewer.example.org", "FALSE", "/", "TRUE", str(c.expires), "CloudFront-Policy", "cG9s",
    ]  # fmt: skip
    assert cookies("https://localhost:9").netscape().splitlines()[2].split("\t")[3] == "FALSE"


def test_a_foreign_file_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    cookie_store.path().parent.mkdir(parents=True)
    cookie_store.path().write_text('{"something": "else"}')
    assert main(["cookies"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a cookie file of this tool" in err


def test_expired_without_key_refuses_and_close_to_expiry_warns(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cookie_store.save(cookies(left=-5))
    with pytest.raises(UserError, match="expired: run `linc-edge-auth login`"):
        signin.current()
    cookie_store.save(cookies(left=150))
    assert signin.current().cookies == VALUES
    assert "expire in 2 min; set LINC_API_KEY" in capsys.readouterr().err


def test_no_cookies_says_login(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cookies"]) == 2
    assert "no cookies stored: run `linc-edge-auth login`" in capsys.readouterr().err


def test_issuer_url_checks_name_their_source() -> None:
    assert issuer_url_from("https://x.example.org/api/permissions/s3/", "--issuer-url") == (
        "https://x.example.org"
    )
    with pytest.raises(UserError, match=r"LINC_ISSUER_URL 'http://x\.example\.org'.*https"):
        issuer_url_from("http://x.example.org", "LINC_ISSUER_URL")
    with pytest.raises(UserError, match="--issuer-url 'ftp://x'"):
        issuer_url_from("ftp://x", "--issuer-url")


@pytest.mark.parametrize(
    "body",
    [
        b"<html>a login page</html>",
        json.dumps({"cookies": VALUES, "expires": 1, "resource": "https://v/k"}).encode(),
        json.dumps({"cookies": {"a": "b"}, "expires": 1, "resource": "https://v/*"}).encode(),
        json.dumps({"cookies": VALUES, "expires": "soon", "resource": "https://v/*"}).encode(),
    ],
)
def test_answers_that_are_not_an_issuers_are_refused(body: bytes) -> None:
    with pytest.raises(UserError, match="did not answer like a linc-edge-auth issuer"):
        _parse(body, "https://issuer.example.org")
