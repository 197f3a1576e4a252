"""Read a CloudFormation / SAM template file into plain Python data, as SAM CLI reads it.

Contract: `load_template(path)` and `parse_template(text)` return the document as dicts, lists
and scalars with every short-form tag turned into its long form, exactly as SAM CLI's own
loader (`samcli.yamlhelper`) does before `sam build` / `sam deploy`: `!Ref X` -> {"Ref": "X"},
`!Condition X` -> {"Condition": "X"}, any other `!Name arg` -> {"Fn::Name": arg} (so `!Sub`,
`!GetAtt`, `!If`, `!Equals`, `!Not`, `!And`, `!Or`, `!Select`, `!Split`, `!Join`, `!FindInMap`,
`!Base64`, `!GetAZs`, `!ImportValue`, `!Cidr`, `!Transform` and whatever AWS adds next), and
`!GetAtt A.B.C` -> {"Fn::GetAtt": ["A", "B.C"]}. JSON text is read as JSON. Dates stay strings
(`Version: 2012-10-17` is a policy version, not a date), as in SAM CLI. libyaml parses when
PyYAML has it; `parse_template(text, pure_python=True)` uses PyYAML's own parser, SAM CLI's
(the same document; a test holds them to it). A file that is not a template (unreadable, not
YAML, no `Resources` mapping) raises `TemplateError` naming the file.

This is the one reader of template.yaml in the project: the CloudFront emulator, the local
stack, the tests and the benchmarks use it (the cfn-lint rules get cfn-lint's own decoding,
which carries line numbers, and share `intrinsics` with this package instead).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from template_model.errors import TemplateError

_PLAIN_KEYS = frozenset({"Ref", "Condition"})
# libyaml's parser when PyYAML has it: template.yaml loads in 70-90 ms instead of 530-580 ms
# with the pure-Python one (measured on this machine). Both build the same document (a test
# compares them on template.yaml); SAM CLI uses the pure-Python one.
_BASE: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CloudFormationLoader(_BASE):  # type: ignore[misc]  # PyYAML has no stubs here
    """A safe loader plus CloudFormation's short-form tags; a subclass, so yaml.SafeLoader stays
    untouched for everyone else (SAM CLI patches the global one)."""


def _short_form(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    key = suffix if suffix in _PLAIN_KEYS else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {key: value}


class _PurePythonLoader(yaml.SafeLoader):  # type: ignore[misc]
    """The same with PyYAML's pure-Python parser (SAM CLI's)."""


for _loader in (_CloudFormationLoader, _PurePythonLoader):
    _loader.add_multi_constructor("!", _short_form)
    _loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


def parse_template(
    text: str, source: str = "<template>", *, pure_python: bool = False
) -> dict[str, Any]:
    """The template in `text` (YAML or JSON); `source` names it in errors. `pure_python` uses
    PyYAML's own parser, as SAM CLI does, instead of libyaml's."""
    loader = _PurePythonLoader if pure_python else _CloudFormationLoader
    try:
        document = json.loads(text)
    except ValueError:
        try:
            document = yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader
        except yaml.YAMLError as exc:
            raise TemplateError(f"{source} is not valid YAML: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError(f"{source} is not a CloudFormation template (no Resources mapping)")
    return document


def load_template(path: Path | str) -> dict[str, Any]:
    """The template in the file at `path`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(f"cannot read template {path}: {exc.strerror}") from None
    return parse_template(text, str(path))
