"""Optional dependencies, grouped as the package's extras, and the one-line error for a missing one.

Contract: `require(module, extra, what)` raises `UserError` with one line naming the extra to
install ("streamlines convert needs the [streamlines] extra: pip install
'linc-edge-auth[streamlines]'") when `module` cannot be imported; `missing(extra, what)` is that
line, for callers that catch the ImportError themselves. Checked with `importlib.util.find_spec`
so the check imports nothing heavy.
"""

from __future__ import annotations

import importlib.util

from linc_edge_auth.errors import UserError


def missing(extra: str, what: str) -> str:
    return f"{what} needs the [{extra}] extra: pip install 'linc-edge-auth[{extra}]'"


def require(module: str, extra: str, what: str) -> None:
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a broken install
        found = False
    if not found:
        raise UserError(missing(extra, what))
