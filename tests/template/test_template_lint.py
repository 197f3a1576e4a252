"""cfn-lint (with our Lambda@Edge rules), sam validate --lint, and each custom rule's fixture."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from template_model import load_template
from tests.template.support import RULES_DIR, TEMPLATE, cfn_lint, run, sam_exe

FIXTURES = Path(__file__).parent / "fixtures" / "lambda_edge"
CUSTOM_IDS = {f"E910{i}" for i in range(1, 9)}


def lint(*paths: Path) -> list[dict[str, Any]]:
    proc = run([cfn_lint(), "--append-rules", str(RULES_DIR), "--format", "json", *map(str, paths)])
    assert proc.returncode in (0, 2, 4, 6, 8, 10, 12, 14), proc.stderr
    findings: list[dict[str, Any]] = json.loads(proc.stdout or "[]")
    return findings


@pytest.fixture(scope="module")
def fixture_findings() -> dict[str, set[str]]:
    """One cfn-lint run over every fixture: file name -> rule ids found."""
    files = sorted(FIXTURES.glob("*.yaml"))
    found: dict[str, set[str]] = {f.name: set() for f in files}
    for item in lint(*files):
        found[Path(item["Filename"]).name].add(item["Rule"]["Id"])
    return found


def test_template_is_cfn_lint_clean_with_our_rules() -> None:
    findings = lint(TEMPLATE)
    assert findings == [], json.dumps(findings, indent=1)


def test_every_custom_rule_has_a_fixture(fixture_findings: dict[str, set[str]]) -> None:
    covered = {name.split("_")[0] for name in fixture_findings}
    assert covered >= CUSTOM_IDS


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.glob("E910*.yaml")))
def test_fixture_fires_its_rule_and_only_it(
    fixture_findings: dict[str, set[str]], fixture: str
) -> None:
    expected = fixture.split("_")[0]
    assert fixture_findings[fixture] & CUSTOM_IDS == {expected}


@pytest.mark.parametrize("fixture", ["good.yaml", "good_sam.yaml", "origin_request_is_free.yaml"])
def test_valid_fixtures_fire_nothing(fixture_findings: dict[str, set[str]], fixture: str) -> None:
    assert fixture_findings[fixture] == set()


def _edge(doc: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = doc["Resources"]["EdgeAuthFunction"]["Properties"]
    return props


def _association(doc: dict[str, Any]) -> dict[str, Any]:
    config = doc["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    # The association sits in Fn::If [EdgeOnLambda, [...], AWS::NoValue] (EdgeRuntime).
    branches = config["DefaultCacheBehavior"]["LambdaFunctionAssociations"]["Fn::If"]
    assoc: dict[str, Any] = branches[1][0]
    return assoc


MUTATIONS = {
    "E9101": lambda d: _edge(d).update(Environment={"Variables": {"ARCHIVE": "https://x"}}),
    "E9102": lambda d: _edge(d).update(Layers=["arn:aws:lambda:us-east-1:123456789012:layer:x:1"]),
    "E9103": lambda d: _edge(d).update(Architectures=["arm64"]),
    "E9104": lambda d: _edge(d).update(MemorySize=512),
    "E9105": lambda d: _edge(d).update(Timeout=30),
    "E9106": lambda d: _edge(d).update(Runtime="nodejs16.x"),
    "E9107": lambda d: _association(d).update(
        LambdaFunctionARN={"Fn::GetAtt": ["EdgeAuthFunction", "Arn"]}
    ),
    "E9108": lambda d: _edge(d).pop("AutoPublishAliasAllProperties"),
}


@pytest.fixture(scope="module")
def mutation_findings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """Break the real SAM template once per rule; one cfn-lint run over all copies."""
    out_dir = tmp_path_factory.mktemp("mutated")
    paths = []
    for rule, mutate in MUTATIONS.items():
        doc = load_template(TEMPLATE)
        mutate(doc)
        path = out_dir / f"{rule}.json"
        path.write_text(json.dumps(doc))
        paths.append(path)
    found: dict[str, set[str]] = {rule: set() for rule in MUTATIONS}
    for item in lint(*paths):
        found[Path(item["Filename"]).stem].add(item["Rule"]["Id"])
    return found


@pytest.mark.parametrize("rule", sorted(MUTATIONS))
def test_rules_fire_on_the_real_sam_template(
    mutation_findings: dict[str, set[str]], rule: str
) -> None:
    """Breaking the SAM template's edge function trips exactly that rule among ours."""
    assert mutation_findings[rule] & CUSTOM_IDS == {rule}, mutation_findings[rule]


def test_sam_validate_lint_offline() -> None:
    proc = run([str(sam_exe()), "validate", "--lint", "--template-file", str(TEMPLATE)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "is a valid SAM Template" in proc.stdout + proc.stderr


def test_rules_module_documents_every_id() -> None:
    text = (RULES_DIR / "lambda_edge.py").read_text()
    for rule_id in CUSTOM_IDS:
        assert f'id = "{rule_id}"' in text
        assert f"    {rule_id}  " in text  # listed in the module docstring
