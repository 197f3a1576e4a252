"""The one template loader: short-form tags in long form, as SAM CLI reads them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from template_model import TemplateError, load_template, parse_template

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"

TAGS = """
Resources:
  R:
    Type: X
    Properties:
      Ref: !Ref Param
      Cond: !Condition HasThing
      Sub: !Sub "${A}-${B.Arn}"
      SubList: !Sub ["${x}", {x: !Ref Param}]
      GetAttShort: !GetAtt Fn.Arn
      GetAttDotted: !GetAtt Stack.Outputs.Name
      GetAttList: [!GetAtt [Fn, Arn]]
      If: !If [C, !Ref A, !Ref AWS::NoValue]
      Logic: !And [!Equals [!Ref A, ""], !Not [!Or [!Condition X, !Condition Y]]]
      Select: !Select [1, !Split [",", !Join [",", [a, b]]]]
      Map: !FindInMap [M, !Ref AWS::Region, key]
      Other: !Base64 text
      Future: !SomethingNew {a: 1}
      Policy:
        Version: 2012-10-17
"""


def test_every_short_form_becomes_its_long_form() -> None:
    props = parse_template(TAGS)["Resources"]["R"]["Properties"]
    assert props["Ref"] == {"Ref": "Param"}
    assert props["Cond"] == {"Condition": "HasThing"}
    assert props["Sub"] == {"Fn::Sub": "${A}-${B.Arn}"}
    assert props["SubList"] == {"Fn::Sub": ["${x}", {"x": {"Ref": "Param"}}]}
    assert props["GetAttShort"] == {"Fn::GetAtt": ["Fn", "Arn"]}
    assert props["GetAttDotted"] == {"Fn::GetAtt": ["Stack", "Outputs.Name"]}
    assert props["GetAttList"] == [{"Fn::GetAtt": ["Fn", "Arn"]}]
    assert props["If"] == {"Fn::If": ["C", {"Ref": "A"}, {"Ref": "AWS::NoValue"}]}
    assert props["Logic"] == {
        "Fn::And": [
            {"Fn::Equals": [{"Ref": "A"}, ""]},
            {"Fn::Not": [{"Fn::Or": [{"Condition": "X"}, {"Condition": "Y"}]}]},
        ]
    }
    assert props["Select"] == {
        "Fn::Select": [1, {"Fn::Split": [",", {"Fn::Join": [",", ["a", "b"]]}]}]
    }
    assert props["Map"] == {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "key"]}
    assert props["Other"] == {"Fn::Base64": "text"}
    assert props["Future"] == {"Fn::SomethingNew": {"a": 1}}
    assert props["Policy"]["Version"] == "2012-10-17"  # a string, not a date


def test_libyaml_and_pure_python_parsers_agree_on_the_real_template() -> None:
    text = TEMPLATE.read_text()
    assert parse_template(text) == parse_template(text, pure_python=True)


def test_the_real_template_loads_as_sam_cli_reads_it() -> None:
    """SAM CLI's own loader (in its venv) is the reference: `sam deploy` sends what it reads."""
    code = (
        "import json, sys\n"
        "from samcli.yamlhelper import yaml_parse\n"
        "print(json.dumps(yaml_parse(open(sys.argv[1]).read())))\n"
    )
    sam_python = TEMPLATE.parent / ".venv-sam" / "bin" / "python"
    proc = subprocess.run(
        [str(sam_python), "-c", code, str(TEMPLATE)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert load_template(TEMPLATE) == json.loads(proc.stdout)


def test_json_templates_load_too() -> None:
    doc = parse_template('{"Resources": {"R": {"Type": "X"}}}')
    assert doc == {"Resources": {"R": {"Type": "X"}}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Resources: [unclosed", "not valid YAML"),
        ("Parameters: {}", "no Resources mapping"),
        ("- a list", "no Resources mapping"),
    ],
)
def test_what_is_not_a_template_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        parse_template(text, "bad.yaml")


def test_a_missing_file_names_itself(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match=r"cannot read template .*nowhere\.yaml"):
        load_template(tmp_path / "nowhere.yaml")
