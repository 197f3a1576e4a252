"""Page templates shipped as files in a package's `templates/` folder, filled and hashed.

Contract (standard library only, used by the edge's and the issuer's pages):
- `templates_dir(module_file)` is the `templates/` folder beside a module; `read_template(folder,
  name)` returns one file's text exactly as shipped (UTF-8, newlines untouched).
- `fill(template, **values)` replaces every `{{name}}` placeholder in one pass: a substituted
  value is never scanned again, so request data inside a value cannot reach another placeholder.
  A placeholder without a value, or a value without a placeholder, raises `KeyError` (a template
  and its code cannot drift apart silently).
- `csp_hash(source)` is the Content-Security-Policy source expression (`sha256-<base64>`) of the
  UTF-8 bytes of an inline script or style, computed from the shipped bytes, never pasted.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

#: `{{name}}`: names are lowercase identifiers, so CSS and JavaScript braces never match.
_PLACEHOLDER: Final = r"\{\{([a-z_]+)\}\}"


def templates_dir(module_file: str) -> str:
    return os.path.join(os.path.dirname(os.path.abspath(module_file)), "templates")


def read_template(folder: str, name: str) -> str:
    with open(os.path.join(folder, name), encoding="utf-8", newline="") as file:
        return file.read()


def fill(template: str, **values: str) -> str:
    # re is already imported by json at the edge; the pattern compiles on first use, not import.
    import re

    used: set[str] = set()

    def value(match: re.Match[str]) -> str:
        used.add(match.group(1))
        return values[match.group(1)]

    filled = re.sub(_PLACEHOLDER, value, template)
    unused = values.keys() - used
    if unused:
        raise KeyError(f"no placeholder for {sorted(unused)}")
    return filled


def csp_hash(source: str) -> str:
    # Imported on first use: hashlib loads OpenSSL, a large share of the edge's cold import,
    # and the pass-through path (valid cookies) never renders a page.
    import binascii
    import hashlib

    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "sha256-" + binascii.b2a_base64(digest, newline=False).decode("ascii")
