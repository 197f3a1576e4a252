"""One model of the CloudFormation / SAM template, for development tools only.

Contract: the one place that reads template.yaml and plays CloudFormation's part on it.

- `load_template(path)` / `parse_template(text)` (`loader`): the file as SAM CLI reads it, with
  the short-form tags (!Ref, !Sub, !GetAtt, !If, ...) in long form.
- `samconfig_environment(samconfig, env)` / `samconfig_overrides(samconfig, env)`
  (`samconfig`): a samconfig.toml environment, and its parameter overrides as SAM CLI's own
  parser reads them.
- `parameter_values(template, given, unchecked=...)` (`parameters`): Defaults under the given
  values, checked against AllowedValues / AllowedPattern / lengths / Min / Max.
- `ResolvedTemplate` / `resolve_template(...)` (`resolver`): Rules checked, conditions evaluated,
  Fn::If / AWS::NoValue / Ref / Fn::Sub / ... resolved, resources and outputs whose condition
  holds, looked up by id or type.
- `intrinsics`: what an intrinsic function names (references, Fn::If alternatives), without
  values: shared with the cfn-lint rules, which get their template from cfn-lint.
- `sam_transform(template)` (`sam_transform`): the SAM transform offline (aws-sam-translator).

Users: the CloudFront emulator and the local stack (`local_stack`), the tests, the benchmarks,
the cfn-lint rules (`cfnlint_rules`). Never deployed and never imported by `edge_auth` or
`cookie_issuer` (a test checks both): it needs PyYAML, which the Lambda artifacts do not carry.
"""

from template_model.errors import ParameterError, TemplateError
from template_model.intrinsics import Reference, as_string, reference, references
from template_model.loader import load_template, parse_template
from template_model.parameters import ParameterValue, parameter_values
from template_model.resolver import (
    NO_VALUE,
    PSEUDO_PARAMETERS,
    ResolvedTemplate,
    resolve_template,
)
from template_model.sam_transform import sam_transform
from template_model.samconfig import samconfig_environment, samconfig_overrides

__all__ = [
    "NO_VALUE",
    "PSEUDO_PARAMETERS",
    "ParameterError",
    "ParameterValue",
    "Reference",
    "ResolvedTemplate",
    "TemplateError",
    "as_string",
    "load_template",
    "parameter_values",
    "parse_template",
    "reference",
    "references",
    "resolve_template",
    "sam_transform",
    "samconfig_environment",
    "samconfig_overrides",
]
