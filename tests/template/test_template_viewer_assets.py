"""The viewer's hashed bundles have their own behavior: cached, and never behind the edge function.

A viewer-request function runs on every request of its behavior, before the cache; on the default
behavior it would run on every script, style sheet and worker of the viewer (issue 13, item 1).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.template.support import PEM_A, ROOT, deployed, translate

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
DIST = ROOT / "viewer" / "dist"


@pytest.fixture(scope="module")
def behaviors() -> list[dict[str, Any]]:
    t = deployed(translate(), PublicKeyA=PEM_A).document
    found: list[dict[str, Any]] = t["Resources"]["Distribution"]["Properties"][
        "DistributionConfig"
    ]["CacheBehaviors"]
    return found


def test_assets_behavior_serves_the_viewer_bucket_without_any_function(
    behaviors: list[dict[str, Any]],
) -> None:
    (assets,) = [b for b in behaviors if b["PathPattern"] == "/assets/*"]
    assert assets["TargetOriginId"] == "viewer"
    assert "LambdaFunctionAssociations" not in assets
    assert "FunctionAssociations" not in assets
    assert "TrustedKeyGroups" not in assets
    assert assets["AllowedMethods"] == ["GET", "HEAD"]
    # Honours the objects' `max-age=31536000, immutable` (CachingOptimized: max TTL one year).
    assert assets["CachePolicyId"] == CACHING_OPTIMIZED
    assert assets["ViewerProtocolPolicy"] == "redirect-to-https"


def test_assets_behavior_precedes_every_other_pattern_that_could_match(
    behaviors: list[dict[str, Any]],
) -> None:
    """CloudFront takes the first matching pattern: nothing earlier may claim /assets/."""
    patterns = [b["PathPattern"] for b in behaviors]
    before = patterns[: patterns.index("/assets/*")]
    assert all(not p.startswith("/assets") and p != "*" for p in before), patterns


def _dist() -> Path:
    """The real viewer build (built once if missing, as the local stack tests do)."""
    if not (DIST / "index.html").is_file():
        subprocess.run(["bash", str(ROOT / "viewer" / "build.sh")], check=True)
    return DIST


def test_built_viewer_has_only_index_html_outside_assets() -> None:
    """Vite's defaults (assetsDir "assets", no public/ folder) put every hashed file there."""
    dist = _dist()
    outside = sorted(
        str(p.relative_to(dist))
        for p in dist.rglob("*")
        if p.is_file() and p.relative_to(dist).parts[0] != "assets"
    )
    assert outside == ["index.html"]
    hashed = re.compile(r".+-[A-Za-z0-9_-]{8}\.[a-z0-9]+")
    unhashed = [p.name for p in (dist / "assets").iterdir() if not hashed.fullmatch(p.name)]
    assert unhashed == []


def test_index_html_loads_only_from_assets() -> None:
    html = (_dist() / "index.html").read_text()
    refs = [r for r in re.findall(r'(?:src|href)="([^"]+)"', html) if not r.startswith("data:")]
    assert refs and all(r.startswith("./assets/") for r in refs), refs
