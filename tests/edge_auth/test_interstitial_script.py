"""The interstitial's inline script really does what the page promises (run under Node.js).

The full round trip in a real browser is exercised by the local stack's browser tests; this test
pins the script's own logic: the fragment is saved (or a stale one cleared), the browser goes to
the login URL from `data-login`, and after MAX_ATTEMPTS quick tries it stops with a message.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from edge_auth.pages import MAX_ATTEMPTS, interstitial_script
from edge_auth.return_path import ATTEMPTS_STORAGE_KEY, SESSION_STORAGE_KEY

DRIVER = Path(__file__).with_name("interstitial_driver.js")
NODE = shutil.which("node")

if NODE is None:
    if os.environ.get("CI") == "true":
        raise RuntimeError("node is required in CI for the interstitial script test")
    pytestmark = pytest.mark.skip(reason="NO NODE.JS ON THIS MACHINE: interstitial script untested")


def run(tmp_path: Path, scenario: dict[str, Any]) -> dict[str, Any]:
    script = tmp_path / "interstitial.js"
    script.write_text(interstitial_script())
    done = subprocess.run(
        [str(NODE), str(DRIVER), str(script)],
        input=json.dumps(scenario),
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_saves_fragment_and_goes_to_login(tmp_path: Path) -> None:
    state = '#!{"layers":[{"type":"image","source":"zarr://https://v/zarr/a/"}]}'
    out = run(tmp_path, {"login": "/_auth/login?return=%2F", "hashes": [state]})
    assert out["loads"][0]["replaced"] == ["/_auth/login?return=%2F"]
    assert out["storage"][SESSION_STORAGE_KEY] == state


def test_empty_fragment_clears_a_stale_one(tmp_path: Path) -> None:
    out = run(
        tmp_path, {"login": "/l", "hashes": [""], "storage": [[SESSION_STORAGE_KEY, "#!old"]]}
    )
    assert SESSION_STORAGE_KEY not in out["storage"]
    assert out["loads"][0]["replaced"] == ["/l"]


def test_loop_is_broken_after_max_attempts(tmp_path: Path) -> None:
    out = run(tmp_path, {"login": "/l", "hashes": ["#!s"] * (MAX_ATTEMPTS + 2)})
    redirects = [load for load in out["loads"] if load["replaced"]]
    assert len(redirects) == MAX_ATTEMPTS
    assert out["loads"][MAX_ATTEMPTS]["loopShown"] and out["loads"][MAX_ATTEMPTS]["goHidden"]
    assert len(json.loads(out["storage"][ATTEMPTS_STORAGE_KEY])) == MAX_ATTEMPTS


def test_retry_clears_the_attempts(tmp_path: Path) -> None:
    out = run(tmp_path, {"login": "/l", "hashes": ["#!s"] * (MAX_ATTEMPTS + 1), "clickRetry": True})
    assert out["loads"][-1]["retried"]
    assert ATTEMPTS_STORAGE_KEY not in out["storage"]


def test_stale_attempts_expire(tmp_path: Path) -> None:
    old = json.dumps([0, 1, 2])  # epoch milliseconds long ago
    out = run(
        tmp_path, {"login": "/l", "hashes": ["#!s"], "storage": [[ATTEMPTS_STORAGE_KEY, old]]}
    )
    assert out["loads"][0]["replaced"] == ["/l"]


def test_garbage_in_storage_does_not_stop_login(tmp_path: Path) -> None:
    out = run(
        tmp_path, {"login": "/l", "hashes": ["#!s"], "storage": [[ATTEMPTS_STORAGE_KEY, "{nope"]]}
    )
    assert out["loads"][0]["replaced"] == ["/l"]
