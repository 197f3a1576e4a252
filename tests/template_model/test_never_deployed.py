"""template_model is a development tool: the deployed packages never import it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.mark.parametrize("package", ["edge_auth", "cookie_issuer"])
def test_deployed_packages_do_not_import_the_template_model(package: str) -> None:
    files = sorted((SRC / package).rglob("*.py"))
    assert files
    importers = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name.split(".")[0] == "template_model" for name in names):
                importers.append(path.name)
    assert importers == []
