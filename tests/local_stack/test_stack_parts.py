"""Small parts of the local stack: the archive's `next` allowlist, ports, the CLI."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from local_stack.archive.session_jwt import viewer_callback_target
from local_stack.stack import LocalStack, PortBusyError, StackConfig

PUBLIC, LOCAL = "https://localhost:8741", "http://localhost:8741"


def test_archive_follows_next_only_to_the_viewer_callback() -> None:
    ok = "https://localhost:8741/_auth/callback?return=%2F&attempt=1"
    expected = "http://localhost:8741/_auth/callback?return=%2F&attempt=1"
    assert viewer_callback_target(ok, PUBLIC, LOCAL) == expected
    assert viewer_callback_target(expected, PUBLIC, LOCAL) == expected
    for bad in (
        "https://evil.example.org/_auth/callback?return=%2F",
        "https://localhost:8741/",
        "https://localhost:8741/_auth/callbackX",
        "https://localhost:8741.evil.org/_auth/callback",
        "https://localhost:8742/_auth/callback",
        "//localhost:8741/_auth/callback",
        "/_auth/callback",
        "",
        None,
    ):
        assert viewer_callback_target(bad, PUBLIC, LOCAL) is None, bad
    # Before the viewer's origin is known nothing is followed.
    assert viewer_callback_target(ok, "", "") is None


def test_busy_port_names_the_option(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<!doctype html>")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = StackConfig(
            viewer_port=0,
            archive_port=port,
            issuer_port=0,
            aws_port=0,
            state_dir=tmp_path / "state",
            viewer_dist=dist,
        )
        with pytest.raises(
            PortBusyError, match=f"port {port} .*--archive-port.*LOCAL_STACK_ARCHIVE_PORT"
        ):
            LocalStack(config).start()
    assert not (tmp_path / "state").exists()  # nothing started, nothing written


def test_help_lists_the_ports() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "local_stack", "--help"], capture_output=True, text=True, check=True
    )
    for option in ("--viewer-port", "--archive-port", "--issuer-port", "--aws-port"):
        assert option in result.stdout
    assert "--ask-consent" in result.stdout
