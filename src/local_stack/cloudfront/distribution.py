"""The distribution as template.yaml declares it: behaviors, origins, key groups, functions.

Contract: `load_distribution(template)` takes the template resolved for the local parameter
values (`template_model.ResolvedTemplate`: conditions evaluated, Fn::If / AWS::NoValue gone,
parameters filled in, resources left out by their condition absent) and returns a
`Distribution`: its alternate domain names (`Aliases`), ordered `CacheBehavior`s (path pattern,
target origin, whether a trusted key group guards it and with which public keys, which Lambda
handler or which CloudFront Function code runs on viewer-request) plus the default behavior, and
`Origin`s classified as the viewer bucket, a named S3 bucket, or the issuer HTTP API (with the
handler of the function behind its integration). An S3 origin also carries the `s3:prefix`
patterns under which the template's bucket policies let CloudFront `s3:ListBucket`
(`listable_prefixes`; `("*",)` for an unconditional grant): S3 then answers a missing key there
with 404 instead of 403.

What runs locally is what deploys: change a path pattern, an origin, a condition or a function
association in template.yaml and the emulator changes with it. Anything it cannot follow
raises `template_model.TemplateError` naming the part, rather than guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from edge_auth.cookie_policy import resource_matches
from template_model import ResolvedTemplate, TemplateError, reference, references


@dataclass(frozen=True, slots=True)
class Origin:
    origin_id: str
    kind: str  # "s3" | "issuer"
    bucket_logical_id: str | None = None  # an S3 bucket defined in this template
    bucket_name: str | None = None  # an S3 bucket named by domain (another stack's bucket)
    handler: str | None = None  # issuer: module.function
    routes: tuple[str, ...] = ()  # issuer: the API's route keys ("GET /_auth/login", ...)
    listable_prefixes: tuple[str, ...] = ()  # s3: StringLike patterns of s3:prefix


@dataclass(frozen=True, slots=True)
class CacheBehavior:
    path_pattern: str  # "*" for the default behavior
    origin_id: str
    allowed_methods: tuple[str, ...]
    trusted_public_keys: tuple[str, ...] = ()  # PEMs of the trusted key group(s)
    viewer_request_handler: str | None = None  # Lambda@Edge: module.function
    viewer_request_function: str | None = None  # CloudFront Function: its JavaScript code

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
    aliases: tuple[str, ...] = ()  # alternate domain names (CNAMEs), lower case

    def behavior_for(self, path: str) -> CacheBehavior:
        """CloudFront's rule: the first path pattern in order that matches, else the default."""
        for behavior in self.behaviors:
            if behavior.matches(path):
                return behavior
        return self.default


def _resource(template: ResolvedTemplate, ref: Any, *types: str) -> tuple[str, dict[str, Any]]:
    found = reference(ref)
    if found is None:
        raise TemplateError(f"expected a reference to a {' or '.join(types)}, got {ref!r}")
    return found.logical_id, template.resource(found.logical_id, *types)


def _handler(template: ResolvedTemplate, ref: Any) -> str:
    logical_id, function = _resource(
        template, ref, "AWS::Serverless::Function", "AWS::Lambda::Function"
    )
    handler = function.get("Properties", {}).get("Handler")
    if not isinstance(handler, str) or "." not in handler:
        raise TemplateError(f"function {logical_id} has no module.function Handler")
    return handler


CLOUDFRONT_FUNCTION_RUNTIME = "cloudfront-js-2.0"


def _function_code(template: ResolvedTemplate, ref: Any) -> str:
    logical_id, function = _resource(template, ref, "AWS::CloudFront::Function")
    props = function.get("Properties", {})
    runtime = props.get("FunctionConfig", {}).get("Runtime")
    if runtime != CLOUDFRONT_FUNCTION_RUNTIME:
        raise TemplateError(f"function {logical_id}: runtime {runtime!r}, not cloudfront-js-2.0")
    code = props.get("FunctionCode")
    if not isinstance(code, str) or not code:
        raise TemplateError(f"function {logical_id} has no inline FunctionCode")
    return code


def _public_keys(template: ResolvedTemplate, groups: list[Any]) -> tuple[str, ...]:
    pems: list[str] = []
    for group_ref in groups:
        _, group = _resource(template, group_ref, "AWS::CloudFront::KeyGroup")
        for key_ref in group["Properties"]["KeyGroupConfig"]["Items"]:
            _, key = _resource(template, key_ref, "AWS::CloudFront::PublicKey")
            pems.append(str(key["Properties"]["PublicKeyConfig"]["EncodedKey"]))
    if groups and not pems:
        raise TemplateError("a trusted key group has no public keys")
    return tuple(pems)


def _behavior(template: ResolvedTemplate, raw: dict[str, Any], default: bool) -> CacheBehavior:
    viewer_request = None
    for association in raw.get("LambdaFunctionAssociations", []):
        if association.get("EventType") == "viewer-request":
            viewer_request = _handler(template, association["LambdaFunctionARN"])
    function_code = None
    for association in raw.get("FunctionAssociations", []):
        if association.get("EventType") == "viewer-request":
            function_code = _function_code(template, association["FunctionARN"])
    if viewer_request and function_code:
        # CloudFront refuses both on one event type of one behavior.
        raise TemplateError(
            "a behavior has both a Lambda@Edge and a CloudFront Function viewer-request association"
        )
    return CacheBehavior(
        path_pattern="*" if default else str(raw["PathPattern"]),
        origin_id=str(raw["TargetOriginId"]),
        allowed_methods=tuple(raw.get("AllowedMethods", ["GET", "HEAD"])),
        trusted_public_keys=_public_keys(template, raw.get("TrustedKeyGroups", [])),
        viewer_request_handler=viewer_request,
        viewer_request_function=function_code,
    )


def _issuer(template: ResolvedTemplate, origin_id: str, api_ref: Any) -> Origin:
    api_id, _ = _resource(template, api_ref, "AWS::ApiGatewayV2::Api")
    on_api = {
        logical: resource["Properties"]
        for logical, resource in template.of_type(
            "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Integration"
        ).items()
        if resource.get("Properties", {}).get("ApiId") == {"Ref": api_id}
    }
    routes = tuple(str(p["RouteKey"]) for p in on_api.values() if "RouteKey" in p)
    for props in on_api.values():
        if "IntegrationUri" in props:
            handler = _handler(template, props["IntegrationUri"])
            return Origin(origin_id, "issuer", handler=handler, routes=routes)
    raise TemplateError(f"origin {origin_id}: API {api_id} has no Lambda integration")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _listable_prefixes(
    template: ResolvedTemplate, bucket: str | None, named: bool
) -> tuple[str, ...]:
    """The s3:prefix patterns CloudFront may list in `bucket` (a logical id, or a bucket name
    when `named`) under the template's bucket policies; ("*",) for a grant without s3:prefix."""
    found: list[str] = []
    for policy in template.of_type("AWS::S3::BucketPolicy").values():
        props = policy.get("Properties", {})
        target = props.get("Bucket")
        ref = reference(target)
        if (named and target != bucket) or (
            not named and (ref is None or ref.logical_id != bucket)
        ):
            continue
        for statement in props.get("PolicyDocument", {}).get("Statement", []):
            principal = statement.get("Principal", {})
            services = _as_list(principal.get("Service", []) if isinstance(principal, dict) else [])
            if (
                statement.get("Effect") != "Allow"
                or "cloudfront.amazonaws.com" not in services
                or "s3:ListBucket" not in _as_list(statement.get("Action", []))
            ):
                continue
            like = statement.get("Condition", {}).get("StringLike", {}).get("s3:prefix")
            if like is None:
                found.append("*")  # no s3:prefix condition: the whole bucket is listable
            else:
                found.extend(str(p) for p in _as_list(like))
    return tuple(found)


def _origin(template: ResolvedTemplate, raw: dict[str, Any]) -> Origin:
    origin_id = str(raw["Id"])
    domain = raw["DomainName"]
    if "S3OriginConfig" in raw:
        if reference(domain) is not None:
            logical, _ = _resource(template, domain, "AWS::S3::Bucket")
            listable = _listable_prefixes(template, logical, named=False)
            return Origin(origin_id, "s3", bucket_logical_id=logical, listable_prefixes=listable)
        match = re.fullmatch(r"([a-z0-9.-]+)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com", str(domain))
        if not match:
            raise TemplateError(f"origin {origin_id}: cannot tell the S3 bucket of {domain!r}")
        name = match.group(1)
        listable = _listable_prefixes(template, name, named=True)
        return Origin(origin_id, "s3", bucket_name=name, listable_prefixes=listable)
    named = references(domain)
    if "execute-api" in str(domain) and len(named) == 1:
        return _issuer(template, origin_id, {"Ref": named[0].logical_id})
    raise TemplateError(f"origin {origin_id}: neither S3 nor the issuer API ({domain!r})")


def load_distribution(template: ResolvedTemplate) -> Distribution:
    distributions = list(template.of_type("AWS::CloudFront::Distribution").values())
    if len(distributions) != 1:
        raise TemplateError(
            f"expected one AWS::CloudFront::Distribution, found {len(distributions)}"
        )
    config = distributions[0]["Properties"]["DistributionConfig"]
    origins = {o.origin_id: o for o in (_origin(template, raw) for raw in config["Origins"])}
    behaviors = tuple(_behavior(template, raw, False) for raw in config.get("CacheBehaviors", []))
    default = _behavior(template, config["DefaultCacheBehavior"], True)
    for behavior in (*behaviors, default):
        if behavior.origin_id not in origins:
            raise TemplateError(f"behavior {behavior.path_pattern} targets unknown origin")
    aliases = tuple(str(name).lower() for name in config.get("Aliases", []))
    return Distribution(behaviors=behaviors, default=default, origins=origins, aliases=aliases)
