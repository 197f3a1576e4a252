"""The page files: filled in one pass, hashed from the shipped bytes, size-checked, loaded lazily.

The interstitial must stay small (INTERSTITIAL_MAX_BYTES for a short return path) and every
generated response, even with the longest return path the edge accepts, under CloudFront's 40 KB
limit for a Lambda@Edge generated response (headers included). The pass-through path must never
read the files or import hashlib (benchmarks/edge_bench.py measures what that saves).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from edge_auth import pages
from edge_auth.page_templates import csp_hash, fill
from edge_auth.return_path import MAX_RETURN_PATH_BYTES, safe_return_path
from tests.edge_auth.events import EVENTS

ROOT = Path(__file__).resolve().parents[2]


def _response_bytes(response: dict[str, Any]) -> int:
    # The JSON the function hands back: an upper bound of the headers-plus-body size CloudFront
    # counts against its limit.
    return len(json.dumps(response, separators=(",", ":")).encode("utf-8"))


def test_fill_is_one_pass_and_strict() -> None:
    template = "<p>{{a}}</p><p>{{b}}</p><p>{{a}}</p>"
    assert fill(template, a="{{b}}", b="x") == "<p>{{b}}</p><p>x</p><p>{{b}}</p>"
    with pytest.raises(KeyError):
        fill(template, a="1")
    with pytest.raises(KeyError, match="c"):
        fill(template, a="1", b="2", c="3")
    # CSS and JavaScript braces are not placeholders.
    assert fill("a {b: c} f(){} {{ x }} {{X}}") == "a {b: c} f(){} {{ x }} {{X}}"


def test_csp_hash_is_sha256_base64_of_the_utf8_bytes() -> None:
    source = "console.log('é')"
    digest = base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()
    assert csp_hash(source) == f"sha256-{digest}"


def test_interstitial_template_has_only_the_login_blank() -> None:
    template = pages.interstitial_template()
    assert template.count(pages.LOGIN_SLOT) == 3
    assert re.findall(r"\{\{[a-z_]+\}\}", template) == [pages.LOGIN_SLOT] * 3
    assert pages.interstitial_body("/v/") == template.replace(
        pages.LOGIN_SLOT, "/_auth/login?return=%2Fv%2F"
    )


def test_a_return_path_cannot_fill_another_blank() -> None:
    body = pages.interstitial_body("/{{login}}/{{script}}")
    assert "{{" not in body and body.count("<script>") == 1


def test_interstitial_stays_under_its_size_limits() -> None:
    short = pages.interstitial_response("/")
    assert len(short["body"].encode("utf-8")) < pages.INTERSTITIAL_MAX_BYTES
    # The longest path safe_return_path accepts, every byte percent-encoded (three times over
    # in the page): the worst case the edge can produce.
    longest = "/" + "é" * ((MAX_RETURN_PATH_BYTES - 1) // 2)
    assert safe_return_path(longest) == longest
    worst = pages.interstitial_response(longest)
    assert worst["body"].count("%C3%A9" * 1000) == 3
    assert _response_bytes(worst) < pages.GENERATED_RESPONSE_MAX_BYTES
    assert _response_bytes(pages.bad_request_response()) < pages.INTERSTITIAL_MAX_BYTES


def test_pass_through_reads_no_file_and_imports_no_hashlib() -> None:
    code = (
        "import json, sys; from edge_auth import handler, pages; "
        "event = json.load(open(sys.argv[1])); "
        "assert 'status' not in handler.lambda_handler(event, None); "
        "print('hashlib' in sys.modules, pages.interstitial_template.cache_info().currsize, "
        "pages.style.cache_info().currsize)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(EVENTS / "page-load-valid-cookies.json")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.split() == ["False", "0", "0"]


def test_every_page_file_is_package_data() -> None:
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]
    folders = sorted(p.parent.name for p in (ROOT / "src").glob("*/templates"))
    assert folders == ["cookie_issuer", "edge_auth"]
    for package in folders:
        assert "templates/*" in package_data.get(package, []), package
