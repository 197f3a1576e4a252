"""CloudFormation's intrinsic functions in long form: what they name, before any value is known.

Contract: pure functions over a template fragment as `load_template` returns it (or as cfn-lint
decodes it: the same long form), none of which needs parameter values:

- `reference(node)`: the resource a `Ref` / `Fn::GetAtt` names, as `Reference(logical_id,
  attribute)` (SAM's `!Ref Fn.Version` included), else None.
- `sub_tokens(text)`: an `Fn::Sub` string as literal text and `${Name}` variables (`${!Text}`
  is the literal `${Text}`).
- `references(node)`: every name a fragment refers to (Ref, GetAtt, Fn::Sub variables), pseudo
  parameters and Fn::Sub's own variables left out. In a fragment `ResolvedTemplate` returned,
  parameters are gone, so what remains names resources.
- `alternatives(node, path)` / `items(node, path)`: each value a fragment (or each item of a list)
  can take across `Fn::If` branches, with its path, `AWS::NoValue` dropped: for checks that must
  hold whatever the conditions turn out to be (the cfn-lint rules).
- `cache_behaviors(template)`: every cache behavior of every CloudFront distribution (the default
  and each of CacheBehaviors, in every `Fn::If` branch), with its path.
- `as_string(value)`: a scalar as CloudFormation turns it into a string (true -> "true").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

NO_VALUE_REF: Final = "AWS::NoValue"
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Reference:
    """A resource (or a name not known to be one) and, for GetAtt / `${X.Attr}`, the attribute."""

    logical_id: str
    attribute: str | None = None

    def __str__(self) -> str:
        return self.logical_id + (f".{self.attribute}" if self.attribute else "")


def intrinsic(node: Any) -> tuple[str, Any] | None:
    """(function, argument) when `node` is one intrinsic function call, else None."""
    if isinstance(node, dict) and len(node) == 1:
        ((key, arg),) = node.items()
        if key == "Ref" or key == "Condition" or key.startswith("Fn::"):
            return key, arg
    return None


def split_name(name: str) -> Reference:
    """`X` or `X.Attr` (Fn::Sub variables, SAM's `Ref X.Version`) as a Reference."""
    logical, _, attribute = name.partition(".")
    return Reference(logical, attribute or None)


def reference(node: Any) -> Reference | None:
    """The name behind `{"Ref": X}` / `{"Fn::GetAtt": [X, A]}` (or "X.A"), else None."""
    call = intrinsic(node)
    if call is None:
        return None
    key, arg = call
    if key == "Ref" and isinstance(arg, str) and arg != NO_VALUE_REF:
        return split_name(arg)
    if key == "Fn::GetAtt":
        parts = arg.split(".", 1) if isinstance(arg, str) else arg
        if isinstance(parts, list) and len(parts) == 2 and all(isinstance(p, str) for p in parts):
            return Reference(parts[0], parts[1])
    return None


def sub_tokens(text: str) -> Iterator[tuple[str, str | None]]:
    """(literal, None) and ("", variable name) pieces of an Fn::Sub string, in order."""
    position = 0
    for match in _SUB_VARIABLE.finditer(text):
        if match.start() > position:
            yield text[position : match.start()], None
        name = match.group(1)
        if name.startswith("!"):
            yield "${" + name[1:] + "}", None
        else:
            yield "", name.strip()
        position = match.end()
    if position < len(text):
        yield text[position:], None


def sub_arguments(arg: Any) -> tuple[str, dict[str, Any]]:
    """(text, variables) of an Fn::Sub argument, either form; ValueError when malformed."""
    if isinstance(arg, str):
        return arg, {}
    if (
        isinstance(arg, list)
        and len(arg) == 2
        and isinstance(arg[0], str)
        and isinstance(arg[1], dict)
    ):
        return arg[0], arg[1]
    raise ValueError(f"Fn::Sub takes a string or [string, {{variables}}], got {arg!r}")


def references(node: Any) -> list[Reference]:
    """Every name `node` refers to, in document order (see the module contract)."""
    found: list[Reference] = []
    call = intrinsic(node)
    if call is not None and call[0] == "Fn::Sub":
        try:
            text, variables = sub_arguments(call[1])
        except ValueError:
            return found
        for _, name in sub_tokens(text):
            if name and name not in variables and not name.startswith("AWS::"):
                found.append(split_name(name))
        for value in variables.values():
            found.extend(references(value))
        return found
    ref = reference(node)
    if ref is not None:
        if not ref.logical_id.startswith("AWS::"):
            found.append(ref)
        return found
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        found.extend(references(child))
    return found


def alternatives(node: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Each value `node` takes across nested Fn::If branches, with its path; NoValue dropped."""
    call = intrinsic(node)
    if call is not None and call[0] == "Fn::If":
        args = call[1]
        if isinstance(args, list) and len(args) == 3:
            for branch in (1, 2):
                yield from alternatives(args[branch], (*path, "Fn::If", branch))
            return
    if call is not None and call == ("Ref", NO_VALUE_REF):
        return
    yield path, node


def items(node: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Each item of a list across Fn::If branches (of the list and of each item), with paths."""
    for list_path, value in alternatives(node, path):
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from alternatives(item, (*list_path, index))


def cache_behaviors(template: dict[str, Any]) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Each behavior of each `AWS::CloudFront::Distribution`, whatever the conditions turn out."""
    for name, res in (template.get("Resources") or {}).items():
        if not isinstance(res, dict) or res.get("Type") != "AWS::CloudFront::Distribution":
            continue
        base = ("Resources", name, "Properties", "DistributionConfig")
        for config_path, config in alternatives(
            (res.get("Properties") or {}).get("DistributionConfig"), base
        ):
            if not isinstance(config, dict):
                continue
            default = config.get("DefaultCacheBehavior")
            for path, behavior in (
                *alternatives(default, (*config_path, "DefaultCacheBehavior")),
                *items(config.get("CacheBehaviors"), (*config_path, "CacheBehaviors")),
            ):
                if isinstance(behavior, dict):
                    yield path, behavior


def as_string(value: Any) -> str:
    """A scalar as CloudFormation writes it into a string; ValueError for lists and mappings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise ValueError(f"{value!r} is not a scalar")
