"""ResolvedTemplate plays CloudFormation: rules, conditions on resources, outputs and list items,
Fn::If / AWS::NoValue anywhere, Ref / Sub of parameters and pseudo parameters, lookups."""

from __future__ import annotations

from typing import Any

import pytest

from template_model import (
    ParameterError,
    ResolvedTemplate,
    TemplateError,
    parse_template,
    resolve_template,
)

# A template shaped like the ones coming (issue 14: an EdgeRuntime parameter choosing between
# a CloudFront Function and Lambda@Edge; optional behaviors; conditional outputs).
TEMPLATE = parse_template(
    """
Parameters:
  EdgeRuntime:
    {Type: String, Default: lambda-edge, AllowedValues: [lambda-edge, cloudfront-function]}
  ExtraPath: {Type: String, Default: ""}
  Origins: {Type: CommaDelimitedList, Default: "https://a.example.org"}
  Domain: {Type: String, Default: ""}
  Certificate: {Type: String, Default: ""}
Mappings:
  Sizes:
    us-east-1: {Memory: "128"}
Rules:
  DomainNeedsCertificate:
    RuleCondition: !Not [!Equals [!Ref Domain, ""]]
    Assertions:
      - Assert: !Not [!Equals [!Ref Certificate, ""]]
        AssertDescription: Domain needs Certificate.
Conditions:
  UseLambda: !Equals [!Ref EdgeRuntime, lambda-edge]
  UseFunction: !Not [!Condition UseLambda]
  HasExtra: !Not [!Equals [!Ref ExtraPath, ""]]
  ExtraWithLambda: !And [!Condition HasExtra, !Condition UseLambda]
Resources:
  EdgeLambda:
    Type: AWS::Serverless::Function
    Condition: UseLambda
    Properties:
      MemorySize: !FindInMap [Sizes, !Ref "AWS::Region", Memory]
  EdgeFunction:
    Type: AWS::CloudFront::Function
    Condition: UseFunction
    Properties:
      Name: !Sub "${AWS::StackName}-edge"
  Distribution:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Aliases: !If [UseLambda, [!Ref Domain], !Ref AWS::NoValue]
        Comment: !Sub
          - "${AWS::Region} ${Who} ${!Literal} ${Bucket.Arn}"
          - Who: !Select [0, !Ref Origins]
        DefaultCacheBehavior:
          TargetOriginId: site
          LambdaFunctionAssociations: !If
            - UseLambda
            - - EventType: viewer-request
                LambdaFunctionARN: !Ref EdgeLambda.Version
            - !Ref AWS::NoValue
          FunctionAssociations: !If
            - UseFunction
            - - EventType: viewer-request
                FunctionARN: !GetAtt EdgeFunction.FunctionARN
            - !Ref AWS::NoValue
        CacheBehaviors:
          - PathPattern: /always/*
            TargetOriginId: site
          - !If
            - HasExtra
            - PathPattern: !Ref ExtraPath
              TargetOriginId: site
              Compress: !If [ExtraWithLambda, true, false]
            - !Ref AWS::NoValue
  Bucket:
    Type: AWS::S3::Bucket
Outputs:
  LambdaVersion:
    Condition: UseLambda
    Value: !Ref EdgeLambda.Version
  Joined:
    Value: !Join [",", !Ref Origins]
"""
)


def resolved(**given: Any) -> ResolvedTemplate:
    return resolve_template(TEMPLATE, given)


def behaviors(template: ResolvedTemplate) -> list[dict[str, Any]]:
    config = template.resource("Distribution")["Properties"]["DistributionConfig"]
    found: list[dict[str, Any]] = config["CacheBehaviors"]
    return found


def test_conditions_choose_resources_and_associations() -> None:
    lam = resolved()
    assert lam.conditions == {
        "UseLambda": True,
        "UseFunction": False,
        "HasExtra": False,
        "ExtraWithLambda": False,
    }
    assert set(lam.resources) == {"EdgeLambda", "Distribution", "Bucket"}
    default = lam.resource("Distribution")["Properties"]["DistributionConfig"][
        "DefaultCacheBehavior"
    ]
    assert default["LambdaFunctionAssociations"][0]["LambdaFunctionARN"] == {
        "Ref": "EdgeLambda.Version"
    }
    assert "FunctionAssociations" not in default
    assert lam.resource("EdgeLambda")["Properties"]["MemorySize"] == "128"

    cff = resolved(EdgeRuntime="cloudfront-function")
    assert set(cff.resources) == {"EdgeFunction", "Distribution", "Bucket"}
    default = cff.resource("Distribution")["Properties"]["DistributionConfig"][
        "DefaultCacheBehavior"
    ]
    assert "LambdaFunctionAssociations" not in default
    assert default["FunctionAssociations"][0]["FunctionARN"] == {
        "Fn::GetAtt": ["EdgeFunction", "FunctionARN"]
    }
    assert cff.resource("EdgeFunction")["Properties"]["Name"] == "linc-edge-auth-edge"
    assert "Aliases" not in cff.resource("Distribution")["Properties"]["DistributionConfig"]
    assert "LambdaVersion" not in cff.outputs


def test_fn_if_items_of_a_list_come_and_go() -> None:
    assert [b["PathPattern"] for b in behaviors(resolved())] == ["/always/*"]
    extra = behaviors(resolved(ExtraPath="/extra/*"))
    assert [b["PathPattern"] for b in extra] == ["/always/*", "/extra/*"]
    assert extra[1]["Compress"] is True
    cff = behaviors(resolved(ExtraPath="/extra/*", EdgeRuntime="cloudfront-function"))
    assert cff[1]["Compress"] is False


def test_sub_fills_parameters_and_pseudo_parameters_and_keeps_resources() -> None:
    config = resolved().resource("Distribution")["Properties"]["DistributionConfig"]
    # ${!Literal} stays escaped while the Sub is still symbolic (a resource is in it).
    assert config["Comment"] == {
        "Fn::Sub": "us-east-1 https://a.example.org ${!Literal} ${Bucket.Arn}"
    }
    deployed = resolve_template(TEMPLATE, {}, physical={"Bucket.Arn": "arn:aws:s3:::b"})
    comment = deployed.resource("Distribution")["Properties"]["DistributionConfig"]["Comment"]
    assert comment == "us-east-1 https://a.example.org ${Literal} arn:aws:s3:::b"
    assert deployed.outputs["Joined"]["Value"] == "https://a.example.org"
    other = resolve_template(TEMPLATE, {}, pseudo={"AWS::Region": "eu-west-1"})
    with pytest.raises(TemplateError, match=r"Fn::FindInMap: Mappings has no Sizes.eu-west-1"):
        other.resource("EdgeLambda")


def test_physical_ids_replace_refs_and_attributes() -> None:
    template = resolve_template(TEMPLATE, {}, physical={"EdgeLambda.Version": "arn:...:7"})
    assert template.outputs["LambdaVersion"]["Value"] == "arn:...:7"


def test_rules_fail_with_their_description() -> None:
    with pytest.raises(ParameterError, match="rule DomainNeedsCertificate: Domain needs Certif"):
        resolved(Domain="viewer.example.org")
    assert resolved(Domain="viewer.example.org", Certificate="arn:cert").conditions["UseLambda"]


def test_document_is_what_cloudformation_would_create() -> None:
    document = resolved(EdgeRuntime="cloudfront-function").document
    assert set(document["Resources"]) == {"EdgeFunction", "Distribution", "Bucket"}
    assert set(document["Outputs"]) == {"Joined"}
    assert document["Parameters"] == TEMPLATE["Parameters"]


def test_lookups_check_existence_condition_and_type() -> None:
    template = resolved()
    with pytest.raises(TemplateError, match=r"EdgeFunction is left out .*UseFunction is false"):
        template.resource("EdgeFunction")
    with pytest.raises(
        TemplateError, match="Nowhere is no parameter, pseudo parameter or resource"
    ):
        template.resource("Nowhere")
    with pytest.raises(TemplateError, match="Bucket is a AWS::S3::Bucket, expected AWS::Lambda"):
        template.resource("Bucket", "AWS::Lambda::Function")
    assert set(template.of_type("AWS::S3::Bucket")) == {"Bucket"}


def _broken(resources: str, conditions: str = "C: !Equals [a, a]") -> ResolvedTemplate:
    text = f"Conditions:\n  {conditions}\nResources:\n{resources}"
    return ResolvedTemplate(parse_template(text), {})


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        (
            "  Gone: {Type: X, Condition: N}\n  R: {Type: Y, Properties: {P: !Ref Gone}}",
            "Resources.R: Ref Gone: resource Gone is left out",
        ),
        ("  R: {Type: Y, Properties: {P: !Ref Ghost}}", "Ref Ghost: Ghost is no parameter"),
        ("  R: {Type: Y, Properties: {P: !Sub '${Ghost.Arn}'}}", "Fn::Sub variable"),
        ("  R: {Type: Y, Properties: {P: !Select [3, [a, b]]}}", "index 3 is outside"),
        ("  R: {Type: Y, Properties: {P: !If [Nope, a, b]}}", "unknown condition 'Nope'"),
        ("  R: {Type: Y, Properties: {P: !GetAtt [Ghost, Arn]}}", "Fn::GetAtt Ghost.Arn"),
    ],
)
def test_what_cloudformation_refuses_is_a_clear_error(resources: str, message: str) -> None:
    conditions = "C: !Equals [a, a]\n  N: !Equals [a, b]"
    with pytest.raises(TemplateError, match=message):
        _ = _broken(resources, conditions).resources


def test_a_guarded_reference_to_a_left_out_resource_is_fine() -> None:
    template = _broken(
        "  Gone: {Type: X, Condition: N}\n"
        "  R: {Type: Y, Properties: {P: [!If [N, !Ref Gone, !Ref AWS::NoValue], keep]}}",
        "N: !Equals [a, b]",
    )
    assert template.resource("R")["Properties"]["P"] == ["keep"]


def test_conditions_must_be_booleans_without_cycles() -> None:
    with pytest.raises(TemplateError, match="condition A depends on itself"):
        _broken("  R: {Type: X}", "A: !Not [!Condition B]\n  B: !Condition A")
    with pytest.raises(TemplateError, match="condition A gives 'text', not true or false"):
        _broken("  R: {Type: X}", "A: text")
