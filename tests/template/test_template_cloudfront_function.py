"""template.yaml carries exactly the built CloudFront Function, selected by EdgeRuntime."""

from __future__ import annotations

from pathlib import Path

from edge_auth.cloudfront_function import MAX_CODE_BYTES, function_code, rewrite_template
from template_model import load_template

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


def test_inline_code_is_the_build() -> None:
    text = TEMPLATE.read_text()
    assert rewrite_template(text) == text, "run `make cloudfront-function`"
    resource = load_template(TEMPLATE)["Resources"]["EdgeAuthCloudFrontFunction"]
    props = resource["Properties"]
    assert props["FunctionCode"] == function_code()
    assert len(props["FunctionCode"].encode()) <= MAX_CODE_BYTES
    assert props["AutoPublish"] is True
    assert props["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert resource["Condition"] == "EdgeOnCloudFrontFunction"


def test_edge_runtime_parameter_defaults_to_lambda_edge() -> None:
    parameter = load_template(TEMPLATE)["Parameters"]["EdgeRuntime"]
    assert parameter["Default"] == "lambda-edge"
    assert parameter["AllowedValues"] == ["lambda-edge", "cloudfront-function"]
