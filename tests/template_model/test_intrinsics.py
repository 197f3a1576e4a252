"""What intrinsic functions name, before any value is known (shared with the cfn-lint rules)."""

from __future__ import annotations

from template_model import Reference, as_string, parse_template, reference, references
from template_model.intrinsics import alternatives, items, sub_tokens

NODE = parse_template(
    """
Resources:
  R:
    Type: X
    Properties:
      List: !If
        - A
        - - one
          - !If [B, two, !Ref AWS::NoValue]
        - - three
      Sub: !Sub ["${Api}.execute-api.${AWS::Region}.${Suffix} ${!Not} ${Fn.Arn}", {Suffix: !Ref S}]
"""
)["Resources"]["R"]["Properties"]


def test_alternatives_and_items_walk_every_branch_with_paths() -> None:
    assert [value for _, value in alternatives(NODE["List"])] == [
        ["one", {"Fn::If": ["B", "two", {"Ref": "AWS::NoValue"}]}],
        ["three"],
    ]
    assert list(items(NODE["List"], ("List",))) == [
        (("List", "Fn::If", 1, 0), "one"),
        (("List", "Fn::If", 1, 1, "Fn::If", 1), "two"),
        (("List", "Fn::If", 2, 0), "three"),
    ]


def test_references_name_resources_not_pseudo_parameters_or_sub_variables() -> None:
    assert references(NODE["Sub"]) == [Reference("Api"), Reference("Fn", "Arn"), Reference("S")]
    assert reference({"Ref": "Fn.Version"}) == Reference("Fn", "Version")
    assert reference({"Fn::GetAtt": "Fn.Arn"}) == Reference("Fn", "Arn")
    assert reference({"Ref": "AWS::NoValue"}) is None
    assert reference({"Ref": "A", "Other": 1}) is None


def test_sub_tokens_keep_escapes_literal() -> None:
    assert list(sub_tokens("a${B}c${!D}")) == [("a", None), ("", "B"), ("c", None), ("${D}", None)]


def test_scalars_become_strings_as_in_cloudformation() -> None:
    assert [as_string(v) for v in (True, False, 3, "x")] == ["true", "false", "3", "x"]
