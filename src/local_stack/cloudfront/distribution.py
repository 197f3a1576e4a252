"""The distribution as template.yaml declares it: behaviors, origins, key groups, functions.

Contract: `load_distribution(template_path, parameters)` reads the SAM template (YAML with
CloudFormation short-form tags), resolves the intrinsic functions the distribution uses (Ref to
parameters and pseudo parameters, Fn::If / Equals / Not / And / Or / Condition, Select, Split,
Join, Sub, GetAtt, AWS::NoValue) with parameter defaults overridden by `parameters`, and returns
a `Distribution`: ordered `CacheBehavior`s (path pattern, target origin, whether a trusted key
group guards it and with which public keys, which Lambda handler runs on viewer-request) plus
the default behavior, and `Origin`s classified as the viewer bucket, a named S3 bucket, or the
issuer HTTP API (with the handler of the function behind its integration).

What runs locally is what deploys: change a path pattern, an origin or a function association in
template.yaml and the emulator changes with it. Anything it cannot resolve raises
`TemplateError` naming the part, rather than guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

from edge_auth.cookie_policy import resource_matches

PSEUDO_PARAMETERS: Final = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "000000000000",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "linc-local",
}


class TemplateError(ValueError):
    """template.yaml has something the emulator cannot resolve (the message names it)."""


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Final = _NoValue()


@dataclass(frozen=True, slots=True)
class ResourceRef:
    """A reference to a resource (or one of its attributes) the emulator maps to a local part."""

    logical_id: str
    attribute: str | None = None


@dataclass(frozen=True, slots=True)
class Origin:
    origin_id: str
    kind: str  # "s3" | "issuer"
    bucket_logical_id: str | None = None  # an S3 bucket defined in this template
    bucket_name: str | None = None  # an S3 bucket named by domain (another stack's bucket)
    handler: str | None = None  # issuer: module.function
    routes: tuple[str, ...] = ()  # issuer: the API's route keys ("GET /_auth/login", ...)


@dataclass(frozen=True, slots=True)
class CacheBehavior:
    path_pattern: str  # "*" for the default behavior
    origin_id: str
    allowed_methods: tuple[str, ...]
    trusted_public_keys: tuple[str, ...] = ()  # PEMs of the trusted key group(s)
    viewer_request_handler: str | None = None

    @property
    def requires_signed_cookies(self) -> bool:
        return bool(self.trusted_public_keys)

    def matches(self, path: str) -> bool:
        pattern = (
            self.path_pattern if self.path_pattern.startswith("/") else "/" + self.path_pattern
        )
        return self.path_pattern == "*" or resource_matches(pattern, path)


@dataclass(frozen=True, slots=True)
class Distribution:
    behaviors: tuple[CacheBehavior, ...]
    default: CacheBehavior
    origins: dict[str, Origin] = field(default_factory=dict)

    def behavior_for(self, path: str) -> CacheBehavior:
        """CloudFront's rule: the first path pattern in order that matches, else the default."""
        for behavior in self.behaviors:
            if behavior.matches(path):
                return behavior
        return self.default


class _Loader(yaml.SafeLoader):  # type: ignore[misc]  # no stubs for PyYAML
    """YAML with CloudFormation short-form tags turned into their long form."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "Condition":
        return {"Condition": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_Loader.add_multi_constructor("!", _tag)


def read_template(path: Path) -> dict[str, Any]:
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506
    if not isinstance(document, dict) or "Resources" not in document:
        raise TemplateError(f"{path} is not a CloudFormation template")
    return document


class _Resolver:
    def __init__(self, template: dict[str, Any], overrides: dict[str, str]) -> None:
        self.template = template
        self.resources: dict[str, Any] = template["Resources"]
        self.params: dict[str, Any] = {}
        for name, spec in (template.get("Parameters") or {}).items():
            raw = overrides.get(name, spec.get("Default"))
            if raw is None:
                raise TemplateError(f"parameter {name} has no default: pass a local value")
            raw = str(raw)
            is_list = spec.get("Type") == "CommaDelimitedList"
            self.params[name] = raw.split(",") if is_list else raw
        self.conditions: dict[str, Any] = template.get("Conditions") or {}
        self._condition_cache: dict[str, bool] = {}

    def condition(self, name: str) -> bool:
        if name not in self._condition_cache:
            if name not in self.conditions:
                raise TemplateError(f"unknown condition {name}")
            self._condition_cache[name] = bool(self.resolve(self.conditions[name]))
        return self._condition_cache[name]

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in PSEUDO_PARAMETERS:
            return PSEUDO_PARAMETERS[name]
        if name in self.params:
            return self.params[name]
        logical, _, attribute = name.partition(".")
        if logical in self.resources:
            return ResourceRef(logical, attribute or None)
        raise TemplateError(f"Ref to unknown name {name}")

    def _sub(self, value: Any) -> Any:
        text, variables = (value, {}) if isinstance(value, str) else (value[0], value[1])
        local = {k: self.resolve(v) for k, v in variables.items()}
        refs: list[ResourceRef] = []

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            found = local[name] if name in local else self._ref(name)
            if isinstance(found, ResourceRef):
                refs.append(found)
                return "${" + name + "}"
            return str(found)

        result = re.sub(r"\$\{([A-Za-z0-9_:.]+)\}", replace, text)
        return {"Fn::Sub": result, "refs": refs} if refs else result

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            return [r for r in (self.resolve(item) for item in node) if r is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                return self._ref(arg)
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::If":
                return self.resolve(arg[1] if self.condition(arg[0]) else arg[2])
            if key == "Fn::Equals":
                return self.resolve(arg[0]) == self.resolve(arg[1])
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::And":
                return all(self.resolve(item) for item in arg)
            if key == "Fn::Or":
                return any(self.resolve(item) for item in arg)
            if key == "Fn::Select":
                items = self.resolve(arg[1])
                return items[int(self.resolve(arg[0]))]
            if key == "Fn::Split":
                return str(self.resolve(arg[1])).split(arg[0])
            if key == "Fn::Join":
                return arg[0].join(str(item) for item in self.resolve(arg[1]))
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::GetAtt":
                return ResourceRef(arg[0], arg[1])
        resolved = {k: self.resolve(v) for k, v in node.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def resource(self, ref: Any, *types: str) -> tuple[str, dict[str, Any]]:
        if not isinstance(ref, ResourceRef) or ref.logical_id not in self.resources:
            raise TemplateError(f"expected a reference to a {' or '.join(types)}, got {ref!r}")
        resource = self.resources[ref.logical_id]
        if resource.get("Type") not in types:
            raise TemplateError(f"{ref.logical_id} is a {resource.get('Type')}, not {types}")
        return ref.logical_id, resource


def _handler(resolver: _Resolver, ref: Any) -> str:
    _, function = resolver.resource(ref, "AWS::Serverless::Function", "AWS::Lambda::Function")
    handler = resolver.resolve(function.get("Properties", {}).get("Handler"))
    if not isinstance(handler, str) or "." not in handler:
        raise TemplateError(f"function {ref.logical_id} has no module.function Handler")
    return handler


def _public_keys(resolver: _Resolver, groups: list[Any]) -> tuple[str, ...]:
    pems: list[str] = []
    for group_ref in groups:
        _, group = resolver.resource(group_ref, "AWS::CloudFront::KeyGroup")
        for key_ref in resolver.resolve(group["Properties"]["KeyGroupConfig"]["Items"]):
            _, key = resolver.resource(key_ref, "AWS::CloudFront::PublicKey")
            pems.append(resolver.resolve(key["Properties"]["PublicKeyConfig"]["EncodedKey"]))
    if groups and not pems:
        raise TemplateError("a trusted key group has no public keys")
    return tuple(pems)


def _behavior(resolver: _Resolver, raw: dict[str, Any], default: bool) -> CacheBehavior:
    viewer_request = None
    for association in raw.get("LambdaFunctionAssociations", []):
        if association.get("EventType") == "viewer-request":
            viewer_request = _handler(resolver, association["LambdaFunctionARN"])
    return CacheBehavior(
        path_pattern="*" if default else str(raw["PathPattern"]),
        origin_id=str(raw["TargetOriginId"]),
        allowed_methods=tuple(raw.get("AllowedMethods", ["GET", "HEAD"])),
        trusted_public_keys=_public_keys(resolver, raw.get("TrustedKeyGroups", [])),
        viewer_request_handler=viewer_request,
    )


def _origin(resolver: _Resolver, raw: dict[str, Any]) -> Origin:
    origin_id = str(raw["Id"])
    domain = raw["DomainName"]
    if "S3OriginConfig" in raw:
        if isinstance(domain, ResourceRef):
            logical, _ = resolver.resource(domain, "AWS::S3::Bucket")
            return Origin(origin_id, "s3", bucket_logical_id=logical)
        match = re.fullmatch(r"([a-z0-9.-]+)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com", str(domain))
        if not match:
            raise TemplateError(f"origin {origin_id}: cannot tell the S3 bucket of {domain!r}")
        return Origin(origin_id, "s3", bucket_name=match.group(1))
    if isinstance(domain, dict) and "execute-api" in domain.get("Fn::Sub", ""):
        (api_ref,) = domain["refs"]
        api_id, _ = resolver.resource(api_ref, "AWS::ApiGatewayV2::Api")
        routes = tuple(
            str(r["Properties"]["RouteKey"])
            for r in resolver.resources.values()
            if r.get("Type") == "AWS::ApiGatewayV2::Route"
            and r.get("Properties", {}).get("ApiId") == {"Ref": api_id}
        )
        for resource in resolver.resources.values():
            props = resource.get("Properties", {})
            if resource.get("Type") == "AWS::ApiGatewayV2::Integration" and props.get("ApiId") == {
                "Ref": api_id
            }:
                uri = resolver.resolve(props["IntegrationUri"])
                return Origin(origin_id, "issuer", handler=_handler(resolver, uri), routes=routes)
        raise TemplateError(f"origin {origin_id}: API {api_id} has no Lambda integration")
    raise TemplateError(f"origin {origin_id}: neither S3 nor the issuer API ({domain!r})")


def load_distribution(template_path: Path, parameters: dict[str, str]) -> Distribution:
    template = read_template(template_path)
    resolver = _Resolver(template, parameters)
    distributions = [
        (name, r)
        for name, r in resolver.resources.items()
        if r.get("Type") == "AWS::CloudFront::Distribution"
    ]
    if len(distributions) != 1:
        raise TemplateError(
            f"expected one AWS::CloudFront::Distribution, found {len(distributions)}"
        )
    config = resolver.resolve(distributions[0][1]["Properties"]["DistributionConfig"])
    origins = {o.origin_id: o for o in (_origin(resolver, raw) for raw in config["Origins"])}
    behaviors = tuple(_behavior(resolver, raw, False) for raw in config.get("CacheBehaviors", []))
    default = _behavior(resolver, config["DefaultCacheBehavior"], True)
    for behavior in (*behaviors, default):
        if behavior.origin_id not in origins:
            raise TemplateError(f"behavior {behavior.path_pattern} targets unknown origin")
    return Distribution(behaviors=behaviors, default=default, origins=origins)
