"""The issuer zip carries python3.13 bytecode (issue 13 item 4): /var/task is read-only, so a zip
without it compiles every module on every cold start.

`make build-IssuerFunction` compiles with LAMBDA_PYTHON (the Lambda runtime's version, 3.13) into
hash-based, unchecked pycs whose file names say /var/task: two builds in different directories
are byte-identical, nothing names the build directory, and the interpreter really loads them
(a module's source changed after the build does not run). Needs a python3.13 (found as the cold
start benchmark finds it: LAMBDA_PYTHON, python3.13 on PATH, or pyenv's); without one the test
says so and skips, and the build prints that the zip has no bytecode.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest
from benchmarks.cold_start_bench import lambda_python

from tests.template.support import ROOT

PYTHON, VERSION = lambda_python()
pytestmark = pytest.mark.slow
# Outside CI a machine without 3.13 skips loudly; CI (CI=true) must have one, so there it runs
# and fails rather than counting a skip as a pass.
needs_313 = pytest.mark.skipif(
    not VERSION.startswith("3.13") and os.environ.get("CI") != "true",
    reason="no python3.13 here: cannot build 3.13 bytecode (CI=true makes this a failure)",
)


def _build(where: Path) -> Path:
    done = subprocess.run(
        ["make", "--no-print-directory", "build-IssuerFunction", f"ARTIFACTS_DIR={where}"],
        cwd=ROOT,
        env={**os.environ, "LAMBDA_PYTHON": PYTHON},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "no bytecode" not in done.stderr
    return where


def _pycs(where: Path) -> dict[str, str]:
    return {
        p.relative_to(where).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in where.rglob("*.pyc")
    }


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return (
        _build(tmp_path_factory.mktemp("one") / "IssuerFunction"),
        _build(tmp_path_factory.mktemp("two-other-place") / "IssuerFunction"),
    )


@needs_313
def test_bytecode_is_for_313_hash_based_and_reproducible(builds: tuple[Path, Path]) -> None:
    one, two = builds
    pycs = _pycs(one)
    for module in ("cookie_issuer/app", "edge_auth/cookie_policy", "jwt/api_jwt"):
        folder, name = module.rsplit("/", 1)
        assert f"{folder}/__pycache__/{name}.cpython-313.pyc" in pycs
    assert any(name.startswith("aws_lambda_powertools/") for name in pycs)
    assert pycs == _pycs(two)  # same bytes from another directory
    magic = subprocess.run(
        [PYTHON, "-c", "import importlib.util as u, sys; sys.stdout.write(u.MAGIC_NUMBER.hex())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for path in one.rglob("*.pyc"):
        data = path.read_bytes()
        assert data[:4].hex() == magic, path
        # PEP 552 flags: 0b01 = hash-based, source not checked (no mtime to go stale in a zip).
        assert int.from_bytes(data[4:8], "little") == 0b01, path
        assert str(one).encode() not in data, path
    app = (one / "cookie_issuer/__pycache__/app.cpython-313.pyc").read_bytes()
    assert b"/var/task/cookie_issuer/app.py" in app


@needs_313
def test_the_runtime_loads_the_bytecode_not_the_source(builds: tuple[Path, Path]) -> None:
    one, _ = builds
    source = one / "edge_auth" / "cookie_policy.py"
    source.write_text('raise SystemExit("compiled at cold start")\n' + source.read_text())
    done = subprocess.run(
        [
            PYTHON,
            "-I",
            "-B",
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); import edge_auth.cookie_policy as p; "
            "print(p.HASH_SHA256)",
            str(one),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "SHA256"


def test_without_python_313_the_build_says_so_and_ships_no_bytecode(tmp_path: Path) -> None:
    done = subprocess.run(
        ["make", "--no-print-directory", "build-IssuerFunction", f"ARTIFACTS_DIR={tmp_path}"],
        cwd=ROOT,
        env={**os.environ, "LAMBDA_PYTHON": "python3.11"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "python3.11 is not Python 3.13: no bytecode in the zip" in done.stderr
    assert "LAMBDA_PYTHON" in done.stderr
    assert (tmp_path / "cookie_issuer" / "app.py").is_file()
    assert not list(tmp_path.rglob("*.pyc"))
