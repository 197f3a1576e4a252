"""`stack.json` and the stats endpoint say what docs/local-stack.md says they say."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from tests.docs.support import DOCS, code_spans, tables_with_header

PAGE = DOCS / "local-stack.md"


def _documented_keys() -> dict[str, set[str]]:
    """Top-level key -> the names written in backticks in its value cell."""
    (table,) = tables_with_header(PAGE.read_text(), "key")
    documented: dict[str, set[str]] = {}
    for key_cell, value_cell in table.rows:
        for key in code_spans(key_cell):
            documented[key] = set(code_spans(value_cell))
    return documented


def _inner_keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value)
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return set().union(*(set(v) for v in value))
    return set()


def test_every_stack_json_key_is_documented(local_stack: dict[str, Any]) -> None:
    # The file itself, not the fixture's copy (which adds `_log` for the tests).
    written = json.loads((Path(local_stack["_log"]).parent / "stack.json").read_text())
    documented = _documented_keys()
    assert set(written) == set(documented), (
        f"undocumented: {sorted(set(written) - set(documented))}, "
        f"documented but absent: {sorted(set(documented) - set(written))}"
    )
    for key, value in written.items():
        missing = _inner_keys(value) - documented[key]
        assert not missing, f"docs/local-stack.md: `{key}` does not name {sorted(missing)}"


def test_stats_counters_and_log_fields_are_documented(local_stack: dict[str, Any]) -> None:
    page = urllib.request.Request(local_stack["viewer_url"], headers={"Accept": "text/html"})
    with urllib.request.urlopen(page, timeout=30) as answer:
        answer.read()  # one request in the log, whatever ran before
    with urllib.request.urlopen(local_stack["stats_url"], timeout=30) as answer:
        stats = json.load(answer)
    spans = set(code_spans(PAGE.read_text()))
    counters = set(stats) - {"log"}
    assert counters <= spans, f"undocumented counters: {sorted(counters - spans)}"
    fields = _inner_keys(stats["log"])
    assert fields, "the request log is empty: the stack served nothing yet?"
    assert fields <= spans, f"undocumented log fields: {sorted(fields - spans)}"
