"""Our cfn-lint rules for CloudFront Functions: each fixture trips its rule and only it, and
the real template (either EdgeRuntime) passes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.template.support import RULES_DIR, TEMPLATE
from tests.template.test_template_lint import lint

FIXTURES = Path(__file__).parent / "fixtures" / "cloudfront_function"
FUNCTION_IDS = {"E9111", "E9112", "E9113"}


@pytest.fixture(scope="module")
def findings() -> dict[str, set[str]]:
    files = sorted(FIXTURES.glob("*.yaml"))
    found: dict[str, set[str]] = {f.name: set() for f in files}
    for item in lint(*files):
        found[Path(item["Filename"]).name].add(item["Rule"]["Id"])
    return found


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.glob("E911*.yaml")))
def test_fixture_fires_its_rule_and_only_it(findings: dict[str, set[str]], fixture: str) -> None:
    assert findings[fixture] & FUNCTION_IDS == {fixture.split("_")[0]}


def test_good_function_fires_nothing(findings: dict[str, set[str]]) -> None:
    assert findings["good.yaml"] == set()
    assert {name.split("_")[0] for name in findings} >= FUNCTION_IDS


def test_real_template_breaking_the_function_trips_the_rules(tmp_path: Path) -> None:
    text = TEMPLATE.read_text()
    broken = text.replace("Runtime: cloudfront-js-2.0", "Runtime: cloudfront-js-1.0").replace(
        "            - - EventType: viewer-request\n                FunctionARN:",
        "            - - EventType: viewer-response\n                FunctionARN:",
    )
    assert broken.count("cloudfront-js-1.0") == 1 and "viewer-response" in broken
    path = tmp_path / "template.yaml"
    path.write_text(broken)
    assert {item["Rule"]["Id"] for item in lint(path)} & FUNCTION_IDS == {"E9112", "E9113"}


def test_rules_module_documents_every_id() -> None:
    text = (RULES_DIR / "cloudfront_function.py").read_text()
    for rule_id in FUNCTION_IDS:
        assert f'id = "{rule_id}"' in text and f"    {rule_id}  " in text
