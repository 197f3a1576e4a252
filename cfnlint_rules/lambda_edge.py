"""cfn-lint rules for the Lambda@Edge limits that cfn-lint itself does not know.

Load with `cfn-lint template.yaml --append-rules cfnlint_rules` (the template first:
`--append-rules` takes every path after it as a rules folder). Every rule looks at the
functions a CloudFront distribution associates with a *viewer* event (viewer-request or
viewer-response, in DefaultCacheBehavior or any CacheBehaviors item) and reports:

    E9101  the function has environment variables
    E9102  the function has layers
    E9103  the function is not x86_64
    E9104  memory above 128 MB
    E9105  timeout above 5 s
    E9106  a runtime Lambda@Edge does not support (or a container image)
    E9107  the association is not a numbered version ($LATEST, an alias, an unqualified ARN)
    E9108  a SAM function without AutoPublishAliasAllProperties: true (a change of runtime,
           memory, timeout or handler alone would publish no new version, and CloudFront
           would keep running the old one)

Both forms are understood: plain CloudFormation (AWS::Lambda::Function + AWS::Lambda::Version)
and SAM (AWS::Serverless::Function, `!Ref Fn.Version` with AutoPublishAlias): cfn-lint 1.x
validates SAM templates without running the SAM transform (it only merges Globals, so a
Globals.Function.Environment is seen on each function). Values that cannot be known
statically (a Ref to a parameter) are not reported: the rules only flag what is certain. Every
branch of an Fn::If counts (around the behavior list, a behavior, the association list, an
association or its ARN), whatever the conditions: a function associated in any branch may be
deployed.

The rules read the template cfn-lint decoded (with line numbers) and interpret intrinsic
functions with `template_model.intrinsics`, the project's one model of the template; cfn-lint
must therefore run in the venv where linc-edge-auth is installed (`.venv/bin/cfn-lint`).
Source of the limits: CloudFront Developer Guide, "Restrictions on Lambda@Edge" and
"Quotas on Lambda@Edge".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

try:
    from template_model.intrinsics import (
        alternatives,
        cache_behaviors,
        intrinsic,
        items,
        reference,
        sub_arguments,
        sub_tokens,
    )
except ImportError as exc:  # cfn-lint from another venv (pipx, Homebrew) cannot see our package
    raise ImportError(
        "cfnlint_rules need the linc-edge-auth package (template_model): run the cfn-lint of "
        "the project venv, .venv/bin/cfn-lint (`make venv` installs it)"
    ) from exc

VIEWER_EVENTS = frozenset({"viewer-request", "viewer-response"})
MAX_MEMORY_MB = 128
MAX_TIMEOUT_S = 5
SUPPORTED_RUNTIMES = frozenset(
    {
        "nodejs18.x",
        "nodejs20.x",
        "nodejs22.x",
        "python3.9",
        "python3.10",
        "python3.11",
        "python3.12",
        "python3.13",
    }
)
FUNCTION_TYPES = frozenset({"AWS::Lambda::Function", "AWS::Serverless::Function"})
SOURCE = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-at-edge-function-restrictions.html"
_NUMBERED_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[^:]+:\d+$")
_VERSION_SUFFIX = re.compile(r":\d+$")
_ALIAS = "is an alias; Lambda@Edge needs a numbered version"

Path = list[str | int]


class _Association:
    """One viewer-event association: where it is, and the function behind it (if in-template)."""

    def __init__(self, path: Path, arn: Any, event: str) -> None:
        self.path = path
        self.arn = arn
        self.event = event


def _associations(template: dict[str, Any]) -> Iterator[_Association]:
    for behavior_path, behavior in cache_behaviors(template):
        key = "LambdaFunctionAssociations"
        for path, assoc in items(behavior.get(key), (*behavior_path, key)):
            if isinstance(assoc, dict) and assoc.get("EventType") in VIEWER_EVENTS:
                yield _Association(
                    list(path), assoc.get("LambdaFunctionARN"), str(assoc["EventType"])
                )


def _resource(template: dict[str, Any], logical_id: Any) -> dict[str, Any] | None:
    if not isinstance(logical_id, str):
        return None
    res = (template.get("Resources") or {}).get(logical_id)
    return res if isinstance(res, dict) else None


def _function_id_of(value: Any) -> str | None:
    """The logical id behind `Ref F` / `GetAtt F.Arn`, else None."""
    ref = reference(value)
    return ref.logical_id if ref is not None else None


def _ref_problem(template: dict[str, Any], name: str) -> tuple[str | None, str | None]:
    """(function id, problem) for `Ref name`: a version, an alias, a function, SAM's F.Version."""
    if "." in name:
        # SAM: `!Ref Fn.Version` (numbered, with AutoPublishAlias) or `!Ref Fn.Alias`.
        base, suffix = name.split(".", 1)
        target = _resource(template, base)
        if target is None or target.get("Type") != "AWS::Serverless::Function":
            return None, None
        return base, None if suffix == "Version" else f"Ref {name} {_ALIAS}"
    target = _resource(template, name)
    kind = target.get("Type") if target is not None else None  # None: a parameter, unknowable
    if target is not None and kind in ("AWS::Lambda::Version", "AWS::Lambda::Alias"):
        fn = _function_id_of((target.get("Properties") or {}).get("FunctionName"))
        return fn, None if kind == "AWS::Lambda::Version" else f"Ref {name} {_ALIAS}"
    if kind in FUNCTION_TYPES:
        return name, f"Ref {name} is the function name, not a numbered version"
    return None, None


def _sub_problem(arg: Any) -> tuple[str | None, str | None]:
    """(function id, problem) for an Fn::Sub ARN: it must end in a version number."""
    try:
        text, _ = sub_arguments(arg)
    except ValueError:
        return None, None
    tokens = list(sub_tokens(text))
    first, last = (tokens[0][1], tokens[-1]) if tokens else (None, ("", None))
    fn = first.removesuffix(".Arn") if first and first.endswith(".Arn") else None
    if last[1] is None and _VERSION_SUFFIX.search(last[0]):
        return fn, None
    return fn, f"'{text}' is not qualified with a version number"


def resolve(template: dict[str, Any], arn: Any) -> list[tuple[str | None, str | None]]:
    """(function logical id or None, problem or None) for each possible value of `arn`."""
    found: list[tuple[str | None, str | None]] = []
    for _, value in alternatives(arn):
        found.append(_value_problem(template, value))
    return found


def _value_problem(template: dict[str, Any], arn: Any) -> tuple[str | None, str | None]:
    if isinstance(arn, str):
        if _NUMBERED_ARN.match(arn):
            return None, None
        return None, f"'{arn}' is not the ARN of a numbered function version"
    call = intrinsic(arn)
    if call is None:
        return None, None
    key, arg = call
    if key == "Ref" and isinstance(arg, str):
        return _ref_problem(template, arg)
    if key == "Fn::GetAtt":
        fn = _function_id_of(arn)
        target = _resource(template, fn)
        if target is not None and target.get("Type") in FUNCTION_TYPES:
            return fn, f"GetAtt {fn}.Arn is unqualified ($LATEST); use a numbered version"
        if target is not None and target.get("Type") == "AWS::Lambda::Version":
            return None, f"GetAtt on {fn} gives a version number, not an ARN"
        return None, None
    if key == "Fn::Sub":
        return _sub_problem(arg)
    if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
        parts = arg[1]
        if isinstance(parts, list) and parts:
            fn = next((_function_id_of(p) for p in parts if _function_id_of(p)), None)
            last = parts[-1]
            if isinstance(last, str) and re.fullmatch(r":?\d+", last):
                return fn, None
            return fn, "Fn::Join does not end in a version number"
    return None, None


def _edge_functions(cfn: Any) -> Iterator[tuple[_Association, str, dict[str, Any]]]:
    """Each (association, function logical id, function properties) in the template."""
    template = cfn.template
    for assoc in _associations(template):
        for fn, _ in resolve(template, assoc.arn):
            res = _resource(template, fn)
            if res is not None and res.get("Type") in FUNCTION_TYPES and fn:
                yield assoc, fn, res.get("Properties") or {}


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


class _EdgeRule:
    """What every rule here shares. Not a CloudFormationLintRule itself: cfn-lint instantiates
    each class in the module that subclasses one, so a shared base would load as a rule."""

    source_url = SOURCE
    tags: ClassVar[list[str]] = ["lambda", "cloudfront", "lambda@edge"]


class _ViewerFunctionRule(_EdgeRule):
    """E9101-E9106: one check of a viewer function's properties, reported once per function
    (the same function may back many behaviors)."""

    id: str

    def check(self, props: dict[str, Any]) -> tuple[str, str] | None:
        """(the property at fault, what is wrong, after "F is associated with EVENT"), or None."""
        raise NotImplementedError

    def match(self, cfn: Any) -> list[RuleMatch]:
        seen: set[str] = set()
        matches: list[RuleMatch] = []
        for assoc, fn, props in _edge_functions(cfn):
            found = self.check(props)
            if found is not None and fn not in seen:
                seen.add(fn)
                prop, problem = found
                path = ["Resources", fn, "Properties", prop]
                matches.append(RuleMatch(path, f"{fn} is associated with {assoc.event} {problem}"))
        return matches


class EdgeFunctionNoEnvironment(_ViewerFunctionRule, CloudFormationLintRule):  # type: ignore[misc]
    id = "E9101"
    shortdesc = "Lambda@Edge viewer function has environment variables"
    description = "Lambda@Edge does not support environment variables."

    def check(self, props: dict[str, Any]) -> tuple[str, str] | None:
        env = props.get("Environment")
        if isinstance(env, dict) and env.get("Variables"):
            return "Environment", "and has environment variables; Lambda@Edge allows none"
        return None


class EdgeFunctionNoLayers(_ViewerFunctionRule, CloudFormationLintRule):  # type: ignore[misc]
    id = "E9102"
    shortdesc = "Lambda@Edge viewer function has layers"
    description = "Lambda@Edge does not support Lambda layers."

    def check(self, props: dict[str, Any]) -> tuple[str, str] | None:
        if props.get("Layers"):
            return "Layers", "and has layers; Lambda@Edge allows none"
        return None


class EdgeFunctionX86(_ViewerFunctionRule, CloudFormationLintRule):  # type: ignore[misc]
    id = "E9103"
    shortdesc = "Lambda@Edge viewer function is not x86_64"
    description = "Lambda@Edge runs x86_64 functions only."

    def check(self, props: dict[str, Any]) -> tuple[str, str] | None:
        arch = props.get("Architectures")
        if isinstance(arch, list) and arch != ["x86_64"]:
            return "Architectures", f"with Architectures {arch}; Lambda@Edge needs x86_64"
        return None


class EdgeFunctionMemory(_ViewerFunctionRule, CloudFormationLintRule):  # type: ignore[misc]
    id = "E9104"
    shortdesc = "Lambda@Edge viewer function memory above 128 MB"
    description = "Viewer-event Lambda@Edge functions have at most 128 MB."

    def check(self, props: dict[str, Any]) -> tuple[str, str] | None:
        memory = _as_int(props.get("MemorySize"))
        if memory is not None and memory > MAX_MEMORY_MB:
            return "MemorySize", f"with MemorySize {memory}; the limit is {MAX_MEMORY_MB}"
        return None


class EdgeFunctionTimeout(_ViewerFunctionRule, CloudFormationLintRule):  # type: ignore[misc]
    id = "E9105"
    shortdesc = "Lambda@Edge viewer function timeout above 5 s"
    description = "Viewer-event Lambda@Edge functions time out after at most 5 seconds."

    def check(self, props: dict[str, Any]) -> tuple[str, str] | None:
        timeout = _as_int(props.get("Timeout"))
        if timeout is not None and timeout > MAX_TIMEOUT_S:
            return "Timeout", f"with Timeout {timeout}; the limit is {MAX_TIMEOUT_S}"
        return None


class EdgeFunctionRuntime(_ViewerFunctionRule, CloudFormationLintRule):  # type: ignore[misc]
    id = "E9106"
    shortdesc = "Lambda@Edge viewer function runtime unsupported"
    description = "Lambda@Edge supports some Node.js and Python runtimes, and no container images."

    def check(self, props: dict[str, Any]) -> tuple[str, str] | None:
        if props.get("PackageType") == "Image":
            return "PackageType", "and is a container image; Lambda@Edge needs a zip package"
        runtime = props.get("Runtime")
        if isinstance(runtime, str) and runtime not in SUPPORTED_RUNTIMES:
            supported = ", ".join(sorted(SUPPORTED_RUNTIMES))
            return "Runtime", f"with runtime {runtime}; Lambda@Edge supports {supported}"
        return None


class EdgeFunctionNumberedVersion(_EdgeRule, CloudFormationLintRule):  # type: ignore[misc]
    id = "E9107"
    shortdesc = "Lambda@Edge association is not a numbered version"
    description = "CloudFront associates numbered function versions only: not $LATEST, not aliases."

    def match(self, cfn: Any) -> list[RuleMatch]:
        matches: list[RuleMatch] = []
        for assoc in _associations(cfn.template):
            for _, problem in resolve(cfn.template, assoc.arn):
                if problem:
                    matches.append(
                        RuleMatch([*assoc.path, "LambdaFunctionARN"], f"{assoc.event}: {problem}")
                    )
        return matches


class EdgeFunctionPublishesOnEveryChange(_ViewerFunctionRule, CloudFormationLintRule):  # type: ignore[misc]
    id = "E9108"
    shortdesc = "Lambda@Edge SAM function does not publish a version on every property change"
    description = (
        "With AutoPublishAlias alone SAM publishes a new version only when the code changes; "
        "AutoPublishAliasAllProperties: true publishes one on any property change."
    )
    source_url = "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html"

    def check(self, props: dict[str, Any]) -> tuple[str, str] | None:
        if "AutoPublishAlias" not in props:
            return None  # plain versions (AWS::Lambda::Version) or E9107's finding
        value = props.get("AutoPublishAliasAllProperties")
        if value is True or (isinstance(value, str) and value.lower() == "true"):
            return None
        if intrinsic(value) is not None:
            return None  # a parameter: cannot be known statically
        return (
            "AutoPublishAlias",
            "without AutoPublishAliasAllProperties: true; a change of runtime, memory, timeout "
            "or handler would publish no new version and CloudFront would keep the old one",
        )
