"""Play CloudFormation's part for one set of parameter values: rules, conditions, intrinsics.

Contract: `ResolvedTemplate(template, values, pseudo=..., physical=...)` takes a template as
`load_template` returns it (or as the SAM transform leaves it) and the values
`parameter_values` returned, then:

- checks the template's `Rules` (RuleCondition, Assertions with Fn::Equals / Not / And / Or /
  Contains / EachMemberEquals / EachMemberIn) and raises `ParameterError` with each failing
  AssertDescription;
- evaluates every condition (`conditions`, `condition(name)`);
- `resolve(node)` resolves a fragment: Fn::If (anywhere, lists included) and AWS::NoValue
  (the key or list item disappears), Fn::Equals / Not / And / Or / Condition, Ref and Fn::Sub of
  parameters and pseudo parameters, Fn::Select / Split / Join / FindInMap / Base64 / Length
  once their arguments are known. A Ref / GetAtt / Sub variable naming a resource becomes its
  value in `physical` ({"X": Ref value, "X.Attr": attribute value}: what a deployed stack
  knows) or stays symbolic in long form ({"Ref": "X"}, {"Fn::GetAtt": ["X", "Attr"]}, an Fn::Sub
  with the known parts filled in), and so does any function of a symbolic value;
- `resources` / `outputs` hold the resolved resources and outputs whose Condition holds,
  `resource(id, *types)` / `of_type(*types)` look them up, `document` is the whole template as
  CloudFormation would create it.

What CloudFormation would refuse raises `TemplateError` naming the part: a Ref to a name that is
no parameter, pseudo parameter or resource; an unknown condition; a reference (outside the Fn::If
guarding it) to a resource whose condition leaves it out; Fn::Select past the end of a list; a
condition that is not a boolean or depends on itself.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any, Final

from template_model.errors import ParameterError, TemplateError
from template_model.intrinsics import (
    NO_VALUE_REF,
    Reference,
    as_string,
    intrinsic,
    split_name,
    sub_arguments,
    sub_tokens,
)
from template_model.loader import load_template
from template_model.parameters import ParameterValue, parameter_values

PSEUDO_PARAMETERS: Final[Mapping[str, str]] = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "linc-edge-auth",
    "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/linc-edge-auth/"
    "00000000-0000-0000-0000-000000000000",
}


class _NoValue:
    def __repr__(self) -> str:
        return NO_VALUE_REF


NO_VALUE: Final = _NoValue()


def _known(value: Any) -> bool:
    """A value fixed before deployment (a dict is a symbolic function or a property mapping)."""
    return not isinstance(value, dict)


def _escape(text: str) -> str:
    return text.replace("${", "${!")


class ResolvedTemplate:
    """One template under one set of parameter values (see the module contract)."""

    def __init__(
        self,
        template: Mapping[str, Any],
        values: Mapping[str, ParameterValue],
        *,
        pseudo: Mapping[str, str] | None = None,
        physical: Mapping[str, Any] | None = None,
    ) -> None:
        self.template = template
        self.values = dict(values)
        self.pseudo = {**PSEUDO_PARAMETERS, **(pseudo or {})}
        self.physical = dict(physical or {})
        self._specs: Mapping[str, Any] = template.get("Resources") or {}
        self._condition_specs: Mapping[str, Any] = template.get("Conditions") or {}
        self._conditions: dict[str, bool] = {}
        self._evaluating: set[str] = set()
        self._functions: dict[str, Callable[[Any], Any]] = {
            "Ref": self._ref,
            "Condition": self.condition,
            "Fn::If": self._if,
            "Fn::Equals": lambda a: self._equal(*self._args(a, 2, "Fn::Equals")),
            "Fn::Not": lambda a: not self._truth(self._args(a, 1, "Fn::Not")[0]),
            "Fn::And": lambda a: all(self._truth(self.resolve(x)) for x in a),
            "Fn::Or": lambda a: any(self._truth(self.resolve(x)) for x in a),
            "Fn::Sub": self._sub,
            "Fn::GetAtt": self._get_att,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::Join": self._join,
            "Fn::FindInMap": self._find_in_map,
            "Fn::Base64": self._base64,
            "Fn::Length": lambda a: self._on_list("Fn::Length", a, len),
            "Fn::Contains": lambda a: self._rule_pair(a, lambda xs, y: y in xs),
            "Fn::EachMemberEquals": lambda a: self._rule_pair(a, lambda xs, y: set(xs) <= {y}),
            "Fn::EachMemberIn": lambda a: self._rule_pair(a, lambda xs, ys: set(xs) <= set(ys)),
        }
        self.conditions = {name: self.condition(name) for name in self._condition_specs}
        self._check_rules()

    # -- conditions and rules ---------------------------------------------------------
    def condition(self, name: Any) -> bool:
        if not isinstance(name, str) or name not in self._condition_specs:
            raise TemplateError(f"unknown condition {name!r}")
        if name not in self._conditions:
            if name in self._evaluating:
                raise TemplateError(f"condition {name} depends on itself")
            self._evaluating.add(name)
            try:
                value = self.resolve(self._condition_specs[name])
                self._conditions[name] = self._truth(value, f"condition {name}")
            finally:
                self._evaluating.discard(name)
        return self._conditions[name]

    def _truth(self, value: Any, what: str = "a condition function") -> bool:
        if isinstance(value, bool):
            return value
        raise TemplateError(f"{what} gives {value!r}, not true or false")

    def _check_rules(self) -> None:
        failed: list[str] = []
        for name, rule in (self.template.get("Rules") or {}).items():
            what = f"rule {name}"
            if "RuleCondition" in rule and not self._truth(
                self.resolve(rule["RuleCondition"]), what
            ):
                continue
            for assertion in rule.get("Assertions") or []:
                if not self._truth(self.resolve(assertion.get("Assert")), what):
                    reason = assertion.get("AssertDescription", "an assertion fails")
                    failed.append(f"{what}: {reason}")
        if failed:
            raise ParameterError(failed)

    # -- resources ------------------------------------------------------------------------
    def is_active(self, logical_id: str) -> bool:
        """Whether the resource exists under these values (its Condition holds, or it has none)."""
        spec = self._specs[logical_id]
        return "Condition" not in spec or self.condition(spec["Condition"])

    def _require(self, ref: Reference, what: str) -> None:
        if ref.logical_id not in self._specs:
            raise TemplateError(
                f"{what}: {ref.logical_id} is no parameter, pseudo parameter or resource"
            )
        if not self.is_active(ref.logical_id):
            condition = self._specs[ref.logical_id]["Condition"]
            raise TemplateError(
                f"{what}: resource {ref.logical_id} is left out (condition {condition} is "
                f"false); guard the reference with Fn::If [{condition}, ...]"
            )

    def _section(self, name: str) -> dict[str, Any]:
        resolved: dict[str, Any] = {}
        for key, spec in (self.template.get(name) or {}).items():
            if "Condition" in spec and not self.condition(spec["Condition"]):
                continue
            try:
                resolved[key] = self.resolve(spec)
            except TemplateError as exc:
                raise TemplateError(f"{name}.{key}: {exc}") from None
        return resolved

    @functools.cached_property
    def resources(self) -> dict[str, Any]:
        return self._section("Resources")

    @functools.cached_property
    def outputs(self) -> dict[str, Any]:
        return self._section("Outputs")

    @functools.cached_property
    def document(self) -> dict[str, Any]:
        resolved = {**self.template, "Resources": self.resources}
        if "Outputs" in self.template:
            resolved["Outputs"] = self.outputs
        return resolved

    def resource(self, logical_id: str, *types: str) -> dict[str, Any]:
        """The resolved resource; TemplateError when absent, left out, or of another type."""
        self._require(Reference(logical_id), "resource lookup")
        found: dict[str, Any] = self.resources[logical_id]
        if types and found.get("Type") not in types:
            raise TemplateError(
                f"{logical_id} is a {found.get('Type')}, expected {' or '.join(types)}"
            )
        return found

    def of_type(self, *types: str) -> dict[str, dict[str, Any]]:
        return {k: r for k, r in self.resources.items() if r.get("Type") in types}

    # -- intrinsic functions --------------------------------------------------------------
    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            return [r for r in map(self.resolve, node) if r is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        call = intrinsic(node)
        if call is not None:
            key, arg = call
            function = self._functions.get(key)
            if function is not None:
                return function(arg)
            return {key: self.resolve(arg)}  # a function we do not evaluate: symbolic
        resolved = {k: self.resolve(v) for k, v in node.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def _args(self, arg: Any, count: int, name: str) -> list[Any]:
        if not isinstance(arg, list) or len(arg) != count:
            raise TemplateError(f"{name} takes a list of {count}, got {arg!r}")
        return [self.resolve(a) for a in arg]

    def _ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            raise TemplateError(f"Ref takes a name, got {name!r}")
        if name == NO_VALUE_REF:
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.values:
            return self.values[name]
        if name == "AWS::NotificationARNs":
            return []
        self._require(split_name(name), f"Ref {name}")
        return self.physical.get(name, {"Ref": name})

    def _get_att(self, arg: Any) -> Any:
        parts = arg.split(".", 1) if isinstance(arg, str) else self.resolve(arg)
        if not (isinstance(parts, list) and len(parts) == 2 and all(map(_known, parts))):
            raise TemplateError(f"Fn::GetAtt takes [resource, attribute], got {arg!r}")
        ref = Reference(str(parts[0]), str(parts[1]))
        self._require(ref, f"Fn::GetAtt {ref}")
        return self.physical.get(str(ref), {"Fn::GetAtt": [ref.logical_id, ref.attribute]})

    def _if(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) == 3):
            raise TemplateError(f"Fn::If takes [condition, then, else], got {arg!r}")
        return self.resolve(arg[1] if self.condition(arg[0]) else arg[2])

    def _scalar(self, value: Any, what: str) -> str:
        try:
            return as_string(value)
        except ValueError:
            raise TemplateError(f"{what} is {value!r}, not a string") from None

    def _equal(self, left: Any, right: Any) -> bool:
        for value in (left, right):
            if not _known(value):
                raise TemplateError(f"Fn::Equals compares {value!r}, known only after deploy")

        def norm(v: Any) -> Any:
            return (
                [self._scalar(x, "Fn::Equals") for x in v]
                if isinstance(v, list)
                else (self._scalar(v, "Fn::Equals"))
            )

        return bool(norm(left) == norm(right))

    def _sub_variable(self, name: str, local: Mapping[str, Any]) -> Any:
        if name in local:
            return local[name]
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.values:
            value = self.values[name]
            if isinstance(value, list):
                raise TemplateError(f"Fn::Sub cannot insert the list parameter {name}")
            return value
        self._require(split_name(name), f"Fn::Sub variable ${{{name}}}")
        return self.physical.get(name, {"Ref": name})

    def _sub(self, arg: Any) -> Any:
        try:
            text, variables = sub_arguments(arg)
        except ValueError as exc:
            raise TemplateError(str(exc)) from None
        local = {k: self.resolve(v) for k, v in variables.items()}
        pieces: list[tuple[str, bool]] = []  # (text, is a variable left symbolic)
        kept: dict[str, Any] = {}
        for literal, name in sub_tokens(text):
            if name is None:
                pieces.append((literal, False))
                continue
            value = self._sub_variable(name, local)
            if _known(value):
                pieces.append((self._scalar(value, f"Fn::Sub variable {name}"), False))
            else:
                pieces.append((name, True))
                if name in local:
                    kept[name] = value
        if not any(symbolic for _, symbolic in pieces):
            return "".join(piece for piece, _ in pieces)
        rebuilt = "".join("${" + p + "}" if symbolic else _escape(p) for p, symbolic in pieces)
        return {"Fn::Sub": [rebuilt, kept] if kept else rebuilt}

    def _select(self, arg: Any) -> Any:
        index, items = self._args(arg, 2, "Fn::Select")
        if not isinstance(items, list) or not _known(index):
            return {"Fn::Select": [index, items]}
        position = int(self._scalar(index, "Fn::Select index"))
        if not 0 <= position < len(items):
            raise TemplateError(f"Fn::Select index {position} is outside {items!r}")
        return items[position]

    def _split(self, arg: Any) -> Any:
        separator, text = self._args(arg, 2, "Fn::Split")
        return text.split(separator) if isinstance(text, str) else {"Fn::Split": [separator, text]}

    def _join(self, arg: Any) -> Any:
        separator, items = self._args(arg, 2, "Fn::Join")
        if isinstance(items, list) and all(map(_known, items)):
            return str(separator).join(self._scalar(i, "an Fn::Join item") for i in items)
        return {"Fn::Join": [separator, items]}

    def _find_in_map(self, arg: Any) -> Any:
        if not isinstance(arg, list) or len(arg) not in (3, 4):
            raise TemplateError(f"Fn::FindInMap takes [map, key, key], got {arg!r}")
        keys = [self.resolve(a) for a in arg[:3]]
        if not all(map(_known, keys)):
            return {"Fn::FindInMap": keys + arg[3:]}
        name, top, second = (self._scalar(k, "an Fn::FindInMap key") for k in keys)
        try:
            return self.resolve(self.template["Mappings"][name][top][second])
        except (KeyError, TypeError):
            if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                return self.resolve(arg[3]["DefaultValue"])
            raise TemplateError(f"Fn::FindInMap: Mappings has no {name}.{top}.{second}") from None

    def _base64(self, arg: Any) -> Any:
        text = self.resolve(arg)
        if not isinstance(text, str):
            return {"Fn::Base64": text}
        return base64.b64encode(text.encode()).decode()

    def _on_list(self, name: str, arg: Any, function: Callable[[list[Any]], Any]) -> Any:
        value = self.resolve(arg)
        return function(value) if isinstance(value, list) else {name: value}

    def _rule_pair(self, arg: Any, test: Callable[[list[str], Any], bool]) -> bool:
        members, other = self._args(arg, 2, "a rule function")
        if not (isinstance(members, list) and _known(other)):
            raise TemplateError(f"a rule function needs a list and a value, got {arg!r}")
        expected = [as_string(o) for o in other] if isinstance(other, list) else as_string(other)
        return test([as_string(m) for m in members], expected)


def resolve_template(
    template: Path | str | Mapping[str, Any],
    parameters: Mapping[str, Any] | None = None,
    *,
    unchecked: Collection[str] = (),
    pseudo: Mapping[str, str] | None = None,
    physical: Mapping[str, Any] | None = None,
) -> ResolvedTemplate:
    """Load (when given a path), take `parameters` over the Defaults, check, resolve."""
    document = template if isinstance(template, Mapping) else load_template(template)
    values = parameter_values(document, parameters, unchecked=unchecked)
    return ResolvedTemplate(document, values, pseudo=pseudo, physical=physical)
