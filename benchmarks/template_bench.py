"""Benchmark of the deployable artifacts: `python -m benchmarks template_bench`.

Prints one table: wall time of loading template.yaml and resolving it (`template_model`), of
the offline SAM transform (first call, which imports aws-sam-translator, then a warm one), of
cfn-lint with our rules, and of `sam build` (makefile builder, Lambda wheels from PyPI or pip's
cache), then the zipped size of each function artifact against its limit. Needs
`make sam-venv` for the sam build row.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from template_model import load_template, resolve_template, sam_transform

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "SAM_CLI_TELEMETRY": "0"}


def _timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=ENV, check=False, capture_output=True)
    return time.perf_counter() - start


def _seconds(work: Callable[[], Any]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def _zipped(directory: Path) -> int:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(directory).as_posix())
    return len(buf.getvalue())


def main() -> None:
    bindir = Path(sys.executable).parent
    rows: list[tuple[str, str]] = []
    template_path = ROOT / "template.yaml"
    template = load_template(template_path)
    loads = min(_seconds(lambda: load_template(template_path)) for _ in range(5))
    rows.append(("load template.yaml (best of 5)", f"{loads * 1000:.1f} ms"))
    required = {
        "AssetBucketName": "linc-bench-assets",
        "ArchiveLoginUrl": "https://archive.example.org/login",
        "ArchiveLogoutUrl": "https://archive.example.org/logout",
        "JwksUrl": "https://archive.example.org/jwks.json",
        "JwtIssuer": "https://archive.example.org",
        "JwtAudience": "neuroglancer",
        "SessionCookieName": "session",
        "OAuthProviderUrl": "https://archive.example.org/oauth/",
        "OAuthClientId": "bench-client",
        "ArchiveApiUrl": "https://archive.example.org/api",
    }
    resolve = min(_seconds(lambda: resolve_template(template, required).document) for _ in range(5))
    rows.append(("resolve parameters + conditions (best of 5)", f"{resolve * 1000:.1f} ms"))
    first = _seconds(lambda: sam_transform(template))
    rows.append(("SAM transform, first (imports translator)", f"{first:.2f} s"))
    rows.append(("SAM transform, warm", f"{_seconds(lambda: sam_transform(template)):.2f} s"))
    lint = [str(bindir / "cfn-lint"), "--append-rules", "cfnlint_rules", "template.yaml"]
    rows.append(("cfn-lint + Lambda@Edge rules", f"{_timed(lint):.1f} s"))
    sam = ROOT / ".venv-sam" / "bin" / "sam"
    if sam.exists():
        with tempfile.TemporaryDirectory() as tmp:
            build = Path(tmp) / "build"
            cmd = [str(sam), "build", "--build-in-source", "--build-dir", str(build)]
            rows.append(("sam build (both functions)", f"{_timed(cmd):.1f} s"))
            for name, limit in (
                ("EdgeAuthFunction", "1 MB (ours: 32 KB)"),
                ("IssuerFunction", "50 MB"),
            ):
                size = _zipped(build / name)
                rows.append((f"{name} zip", f"{size / 1024:,.1f} KiB (limit {limit})"))
    else:
        rows.append(("sam build", "skipped: run `make sam-venv`"))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)} | value")
    print(f"{'-' * width}-|------")
    for label, value in rows:
        print(f"{label.ljust(width)} | {value}")


if __name__ == "__main__":
    main()
