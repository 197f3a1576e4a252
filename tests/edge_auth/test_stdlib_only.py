"""`src/edge_auth` imports nothing outside the standard library (Lambda@Edge: 1 MB, no layers)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

EDGE = Path(__file__).resolve().parents[2] / "src" / "edge_auth"


def test_edge_auth_imports_only_stdlib() -> None:
    foreign = []
    files = sorted(EDGE.glob("*.py"))
    assert files
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ("edge_auth", "__future__"):
                    foreign.append(f"{path.name}: {name}")
    assert foreign == []
