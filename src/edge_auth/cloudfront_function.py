"""Build the CloudFront Function (cloudfront-js-2.0) from `cloudfront_function.js` and our pages.

Contract (standard library only; build time, never imported by the Lambda@Edge handler):
- `function_code()` returns the code template.yaml inlines: the JS source with every `{{name}}`
  placeholder filled from the Python constants and page templates (the interstitial is
  `pages.interstitial_template()` and the bad-request page `pages.bad_request_response()`, their
  shared style `pages.style()` spelled once, headers `pages.page_header_pairs`, paths `auth_routes`,
  limits `cookie_policy` / `return_path` / `handler`), so pages, paths and limits have one
  source; whole-line `//` comments, indentation and blank lines are dropped (the source stays
  readable, the shipped code stays under MAX_CODE_BYTES).
- `MAX_CODE_BYTES` is CloudFront's 10 KB function size quota; `function_code()` raises
  `ValueError` above it.
- `python -m edge_auth.cloudfront_function` prints the code and its size;
  `--template PATH` rewrites the inline `FunctionCode` block of that template (between the
  BEGIN/END markers) so template.yaml carries exactly the built code (a test checks they match).
"""

from __future__ import annotations

import json
import os
import sys

from edge_auth.auth_routes import AUTH_PREFIX, LOGIN_PATH, RETURN_PARAM
from edge_auth.cookie_policy import MAX_COOKIE_VALUE_BYTES, MAX_EPOCH
from edge_auth.handler import REFRESH_MARGIN_SECONDS
from edge_auth.legacy_paths import LEGACY_VIEWER_PATHS, VIEWER_ROOT
from edge_auth.page_templates import fill, read_template
from edge_auth.pages import (
    LOGIN_SLOT,
    bad_request_response,
    content_security_policy,
    interstitial_template,
    page_header_pairs,
    style,
)
from edge_auth.return_path import _DECODE_ROUNDS, MAX_RETURN_PATH_BYTES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

MAX_CODE_BYTES: Final = 10_240
RUNTIME: Final = "cloudfront-js-2.0"
SOURCE_NAME: Final = "cloudfront_function.js"
BEGIN_MARKER: Final = (
    "# BEGIN cloudfront_function.js (built: python -m edge_auth.cloudfront_function)"
)
END_MARKER: Final = "# END cloudfront_function.js"


def source() -> str:
    """The readable JS source, placeholders unfilled."""
    return read_template(os.path.dirname(os.path.abspath(__file__)), SOURCE_NAME)


def _function_headers(pairs: tuple[tuple[str, str], ...]) -> dict[str, dict[str, str]]:
    # CloudFront Functions shape: lowercase names, one {value} each.
    return {name.lower(): {"value": value} for name, value in pairs}


def _compact(code: str) -> str:
    lines = (line.strip() for line in code.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//")) + "\n"


def _around_style(page: str) -> tuple[str, str]:
    """The page before and after its one copy of the shared style."""
    head, sep, tail = page.partition(style())
    if not sep or style() in tail:
        raise ValueError("a page must hold the shared style exactly once")
    return head, tail


def function_code() -> str:
    bad = bad_request_response()
    page_head, page_tail = _around_style(interstitial_template())
    bad_head, bad_tail = _around_style(bad["body"])
    filled = fill(
        source(),
        auth_prefix=json.dumps(AUTH_PREFIX),
        login_path=json.dumps(LOGIN_PATH),
        return_param=json.dumps(RETURN_PARAM),
        refresh_margin=str(REFRESH_MARGIN_SECONDS),
        max_cookie_bytes=str(MAX_COOKIE_VALUE_BYTES),
        max_return_bytes=str(MAX_RETURN_PATH_BYTES),
        decode_rounds=str(_DECODE_ROUNDS),
        max_epoch=str(MAX_EPOCH),
        legacy_paths=json.dumps(sorted(LEGACY_VIEWER_PATHS), separators=(",", ":")),
        viewer_root=json.dumps(VIEWER_ROOT),
        style=json.dumps(style()),
        interstitial_head=json.dumps(page_head),
        interstitial_tail=json.dumps(page_tail),
        login_slot=json.dumps(LOGIN_SLOT),
        page_headers=json.dumps(  # compact: the quota counts every byte
            {
                name: value
                for name, value in _function_headers(page_header_pairs("")).items()
                if name != "content-security-policy"
            },
            separators=(",", ":"),
        ),
        interstitial_csp=json.dumps(content_security_policy()),
        bad_request_head=json.dumps(bad_head),
        bad_request_tail=json.dumps(bad_tail),
        bad_request_csp=json.dumps(bad["headers"]["content-security-policy"][0]["value"]),
    )
    code = _compact(filled)
    size = len(code.encode("utf-8"))
    if size > MAX_CODE_BYTES:
        raise ValueError(f"CloudFront Function code is {size} bytes, over {MAX_CODE_BYTES}")
    return code


def template_block(indent: str) -> str:
    """The YAML block scalar lines (markers included) that carry the code in a template."""
    body = "".join(f"{indent}  {line}\n" for line in function_code().splitlines())
    return f"{indent}{BEGIN_MARKER}\n{indent}FunctionCode: |\n{body}{indent}{END_MARKER}\n"


def rewrite_template(text: str) -> str:
    """`text` with the block between the markers replaced by the current build."""
    start = text.index(BEGIN_MARKER)
    line_start = text.rindex("\n", 0, start) + 1
    end = text.index(END_MARKER, start)
    line_end = text.index("\n", end) + 1
    return text[:line_start] + template_block(text[line_start:start]) + text[line_end:]


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--template":
        with open(argv[1], encoding="utf-8") as file:
            text = file.read()
        with open(argv[1], "w", encoding="utf-8") as file:
            file.write(rewrite_template(text))
        return 0
    code = function_code()
    sys.stdout.write(code)
    sys.stderr.write(f"{len(code.encode('utf-8'))} bytes (limit {MAX_CODE_BYTES})\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
