"""docs/migration.md: every step names the tests that exercise it, and those tests exist.

Each `## N.` step must name at least one test file; every `tests/...py` path in the page must
exist, and a test name after a path must be a test function of that file. The page's commands
are checked like every other doc command (tests/docs/test_doc_commands.py).
"""

from __future__ import annotations

import re

from tests.docs.support import ROOT

DOC = ROOT / "docs/migration.md"
#: `tests/x/test_y.py`, optionally followed by `, \`test_name\``.
TEST_REF = re.compile(r"`(tests/[\w/]+\.py)`(?:, `(test_\w+)`)?")


def _steps() -> list[tuple[str, str]]:
    text = DOC.read_text()
    parts = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    return [(part.splitlines()[0], part) for part in parts]


def test_every_step_has_a_rollback_and_tests() -> None:
    steps = _steps()
    assert [title.split(".")[0] for title, _ in steps] == ["1", "2", "3", "4", "5"]
    for title, body in steps:
        assert "Rollback" in body, title
        assert TEST_REF.search(body), f"step {title!r} names no test"
        for who in ("Browsers", "cripts", "archive web app"):
            assert who in body, (title, who)


def test_named_tests_exist() -> None:
    refs = TEST_REF.findall(DOC.read_text())
    assert refs
    for path, name in refs:
        source = ROOT / path
        assert source.is_file(), path
        if name:
            assert re.search(rf"^def {name}\(", source.read_text(), re.MULTILINE), (path, name)
