"""Parameter values for a template, checked as CloudFormation checks them before a deploy.

Contract: `parameter_values(template, given, unchecked=())` returns one value per parameter of
the template: `given[name]` when there, else the parameter's Default. String-like types give a
`str`, list types (`CommaDelimitedList`, `List<...>`) a `list[str]` split on commas with each
member space-trimmed. It raises `ParameterError` listing every problem at once: a given name the
template does not declare, a parameter with neither value nor Default, and a value that breaks
the parameter's AllowedValues, AllowedPattern (whole value), MinLength / MaxLength, Number type or
MinValue / MaxValue (list types: each member). Values of NoEcho parameters never appear in a
message.

`unchecked` names parameters whose value deliberately breaks those constraints; the caller says
why beside the name (the local stack's archive URLs are plain http on loopback, the template
demands https). An unknown name there is an error too, so a rename cannot hide one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from typing import Any

from template_model.errors import ParameterError
from template_model.intrinsics import as_string

ParameterValue = str | list[str]


def is_list_type(spec: Mapping[str, Any]) -> bool:
    kind = str(spec.get("Type", "String"))
    return kind == "CommaDelimitedList" or kind.startswith("List<") or "<List<" in kind


def _is_number_type(spec: Mapping[str, Any]) -> bool:
    kind = str(spec.get("Type", "String"))
    return kind in ("Number", "List<Number>")


def _typed(spec: Mapping[str, Any], raw: Any) -> ParameterValue:
    if is_list_type(spec):
        members = raw if isinstance(raw, list) else as_string(raw).split(",")
        return [as_string(member).strip() for member in members]
    return as_string(raw)


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _member_problems(spec: Mapping[str, Any], member: str) -> list[str]:
    problems: list[str] = []
    allowed = spec.get("AllowedValues")
    if allowed is not None and member not in [as_string(a) for a in allowed]:
        problems.append(f"is not one of {', '.join(as_string(a) for a in allowed)}")
    pattern = spec.get("AllowedPattern")
    if pattern is not None and re.fullmatch(str(pattern), member) is None:
        problems.append(f"does not match AllowedPattern {pattern}")
    if "MinLength" in spec and len(member) < int(spec["MinLength"]):
        problems.append(f"is shorter than MinLength {spec['MinLength']}")
    if "MaxLength" in spec and len(member) > int(spec["MaxLength"]):
        problems.append(f"is longer than MaxLength {spec['MaxLength']}")
    if _is_number_type(spec):
        number = _number(member)
        if number is None:
            problems.append("is not a number")
        elif "MinValue" in spec and number < float(spec["MinValue"]):
            problems.append(f"is below MinValue {spec['MinValue']}")
        elif "MaxValue" in spec and number > float(spec["MaxValue"]):
            problems.append(f"is above MaxValue {spec['MaxValue']}")
    return problems


def _problems(name: str, spec: Mapping[str, Any], value: ParameterValue) -> list[str]:
    shown = "(NoEcho value)" if as_string(spec.get("NoEcho", False)) == "true" else None
    found: list[str] = []
    for member in value if isinstance(value, list) else [value]:
        for problem in _member_problems(spec, member):
            hint = spec.get("ConstraintDescription")
            found.append(
                f"{name} {shown or repr(member)} {problem}"
                + (f" (expected {hint})" if hint else "")
            )
    return found


def parameter_values(
    template: Mapping[str, Any],
    given: Mapping[str, Any] | None = None,
    *,
    unchecked: Collection[str] = (),
) -> dict[str, ParameterValue]:
    """Every parameter's value: given, else Default; checked (see the module contract)."""
    specs: Mapping[str, Any] = template.get("Parameters") or {}
    given = given or {}
    problems = [
        f"{name} is not a parameter of the template"
        for name in (*given, *unchecked)
        if name not in specs
    ]
    values: dict[str, ParameterValue] = {}
    for name, spec in specs.items():
        raw = given[name] if name in given else spec.get("Default")
        if raw is None:
            problems.append(f"{name} has no Default: give it a value")
            continue
        values[name] = _typed(spec, raw)
        if name not in unchecked:
            problems.extend(_problems(name, spec, values[name]))
    if problems:
        raise ParameterError(sorted(set(problems), key=problems.index))
    return values
