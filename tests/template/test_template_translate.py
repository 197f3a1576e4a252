"""The SAM template, translated offline (aws-sam-translator) and resolved for parameter sets."""

from __future__ import annotations

import json
from typing import Any

import pytest

import tests.template.support as support
from template_model import load_template
from tests.template.support import PEM_A, PEM_B, TEMPLATE, translate

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"

ISSUER_ENV = {
    "LINKS_BUCKET",
    "VIEWER_ORIGIN",
    "KEY_PAIR_ID",
    "SIGNING_KEY_SECRET_ID",
    "HASH_ALGORITHM",
    "COOKIE_TTL_SECONDS",
    "COOKIE_DOMAIN",
    "LEGACY_COOKIE_DOMAINS",
    "ARCHIVE_LOGIN_URL",
    "ARCHIVE_LOGIN_NEXT_PARAM",
    "ARCHIVE_LOGOUT_URL",
    "ARCHIVE_API_URL",
    "JWKS_URL",
    "JWT_ISSUER",
    "JWT_AUDIENCE",
    "JWT_ALGORITHMS",
    "SESSION_COOKIE_NAME",
    "AUTH_RULE",
    "CORS_ALLOWED_ORIGINS",
    "AUTH_MODE",
    "OAUTH_PROVIDER_URL",
    "OAUTH_CLIENT_ID",
    "OAUTH_CLIENT_SECRET_ID",
    "OAUTH_REDIRECT_URI",
    "SEALING_KEY_SECRET_ID",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
}


@pytest.fixture(scope="module")
def translated() -> dict[str, Any]:
    return translate()


def deployed(translated: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return support.deployed(translated, **overrides).document


def dist_config(t: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = t["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    return config


def data_behaviors(t: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in dist_config(t)["CacheBehaviors"] if b["TargetOriginId"] == "assets"]


def test_transform_keeps_the_stack_in_us_east_1_shape(translated: dict[str, Any]) -> None:
    res = translated["Resources"]
    kinds = {r["Type"] for r in res.values()}
    assert "AWS::Serverless::Function" not in kinds
    assert {
        "AWS::Lambda::Function",
        "AWS::Lambda::Version",
        "AWS::CloudFront::Distribution",
    } <= kinds
    assert "Rules" in translated  # the parameter assertions survive the transform


def test_edge_function_associated_by_numbered_version(translated: dict[str, Any]) -> None:
    res = translated["Resources"]
    behavior = dist_config(translated)["DefaultCacheBehavior"]
    condition, (assoc,), other = behavior["LambdaFunctionAssociations"]["Fn::If"]
    assert (condition, other) == ("EdgeOnLambda", {"Ref": "AWS::NoValue"})
    assert assoc["EventType"] == "viewer-request"
    version_id = assoc["LambdaFunctionARN"]["Ref"]
    version = res[version_id]
    assert version["Type"] == "AWS::Lambda::Version"
    assert version["Properties"]["FunctionName"] == {"Ref": "EdgeAuthFunction"}
    # The CloudFront Function is the other branch of EdgeRuntime: exactly one is associated.
    condition, (fn_assoc,), other = behavior["FunctionAssociations"]["Fn::If"]
    assert (condition, other) == ("EdgeOnCloudFrontFunction", {"Ref": "AWS::NoValue"})
    assert fn_assoc["EventType"] == "viewer-request"
    assert res["EdgeAuthCloudFrontFunction"]["Condition"] == "EdgeOnCloudFrontFunction"
    conditions = translated["Conditions"]
    assert conditions["EdgeOnLambda"] == {"Fn::Equals": [{"Ref": "EdgeRuntime"}, "lambda-edge"]}
    assert conditions["EdgeOnCloudFrontFunction"] == {
        "Fn::Equals": [{"Ref": "EdgeRuntime"}, "cloudfront-function"]
    }


def test_edge_function_fits_lambda_at_edge(translated: dict[str, Any]) -> None:
    res = translated["Resources"]
    props = res["EdgeAuthFunction"]["Properties"]
    assert "Environment" not in props
    assert "Layers" not in props
    assert props["Handler"] == "edge_auth.handler.lambda_handler"
    assert props["Runtime"] == "python3.13"
    assert props["Architectures"] == ["x86_64"]
    assert props["MemorySize"] == 128
    assert props["Timeout"] == 5
    role = res[props["Role"]["Fn::GetAtt"][0]]["Properties"]["AssumeRolePolicyDocument"]
    principals = {p for s in role["Statement"] for p in s["Principal"]["Service"]}
    assert principals == {"lambda.amazonaws.com", "edgelambda.amazonaws.com"}


def test_issuer_gets_exactly_the_documented_environment(translated: dict[str, Any]) -> None:
    props = translated["Resources"]["IssuerFunction"]["Properties"]
    assert props["Handler"] == "cookie_issuer.app.lambda_handler"
    assert props["Runtime"] == "python3.13"
    assert set(props["Environment"]["Variables"]) == ISSUER_ENV


def test_issuer_environment_values(translated: dict[str, Any]) -> None:
    t = deployed(
        translated,
        PublicKeyA=PEM_A,
        ViewerDomain="neuroglancer.lincbrain.org",
        ViewerCertificateArn="arn:aws:acm:us-east-1:123456789012:certificate/"
        "00000000-0000-0000-0000-000000000000",
        CorsAllowedOrigins="https://a.example.org,https://b.example.org",
    )
    env = t["Resources"]["IssuerFunction"]["Properties"]["Environment"]["Variables"]
    assert env["VIEWER_ORIGIN"] == "https://neuroglancer.lincbrain.org"
    assert env["KEY_PAIR_ID"] == {"Ref": "PublicKeySlotA"}
    assert env["SIGNING_KEY_SECRET_ID"] == {"Ref": "SigningKeySecretA"}
    assert env["CORS_ALLOWED_ORIGINS"] == "https://a.example.org,https://b.example.org"
    assert env["JWT_ALGORITHMS"] == "RS256,ES256"
    assert env["ARCHIVE_LOGIN_NEXT_PARAM"] == "next"
    assert env["POWERTOOLS_SERVICE_NAME"] == "linc-edge-auth"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "LincEdgeAuth"
    assert env["LINKS_BUCKET"] == {"Ref": "ViewerBucket"}
    assert env["AUTH_MODE"] == "oauth2"  # the default: the archive as it is deployed today
    assert env["OAUTH_CLIENT_SECRET_ID"] == {"Ref": "OAuthClientSecret"}
    assert env["SEALING_KEY_SECRET_ID"] == {"Ref": "SealingKeySecret"}
    without_domain = deployed(translated, PublicKeyA=PEM_A)
    env = without_domain["Resources"]["IssuerFunction"]["Properties"]["Environment"]["Variables"]
    assert env["VIEWER_ORIGIN"] == {"Fn::Sub": "https://${Distribution.DomainName}"}


def test_issuer_reads_both_key_slots_so_a_flip_changes_no_policy(
    translated: dict[str, Any],
) -> None:
    """Flipping ActiveKey changes the issuer's environment only: its role is the same before and
    after, and grants both slots' secrets (no AccessDenied window during the update)."""
    roles = {}
    for slot in ("A", "B"):
        t = deployed(translated, PublicKeyA=PEM_A, PublicKeyB=PEM_B, ActiveKey=slot)
        env = t["Resources"]["IssuerFunction"]["Properties"]["Environment"]["Variables"]
        assert env["SIGNING_KEY_SECRET_ID"] == {"Ref": f"SigningKeySecret{slot}"}
        role = t["Resources"]["IssuerFunctionRole"]["Properties"]
        roles[slot] = role
        statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
        secret, oauth, links = statements
        assert secret["Action"] == "secretsmanager:GetSecretValue"
        assert secret["Resource"] == [{"Ref": "SigningKeySecretA"}, {"Ref": "SigningKeySecretB"}]
        # OAuth2 mode: this stack's client secret and sealing key, nothing else.
        assert oauth["Action"] == "secretsmanager:GetSecretValue"
        assert oauth["Resource"] == [{"Ref": "OAuthClientSecret"}, {"Ref": "SealingKeySecret"}]
        # Short links: create-only under links/ of our own bucket, and only as a conditional
        # write (If-None-Match), so the role cannot replace anyone's link.
        assert links["Action"] == "s3:PutObject"
        assert links["Resource"] == {"Fn::Sub": "${ViewerBucket.Arn}/links/*"}
        assert links["Condition"] == {"Null": {"s3:if-none-match": "false"}}
    assert roles["A"] == roles["B"]


def test_issuer_api_routes_payload_v2_and_throttling(translated: dict[str, Any]) -> None:
    res = translated["Resources"]
    routes = {
        r["Properties"]["RouteKey"] for r in res.values() if r["Type"] == "AWS::ApiGatewayV2::Route"
    }
    assert routes == {
        "GET /_auth/login",
        "GET /_auth/callback",
        "GET /_auth/logout",
        "POST /_auth/logout",
        "POST /_auth/refresh",
        "GET /_auth/session",
        "GET /api/permissions/s3/",
        "OPTIONS /api/permissions/s3/",
        "POST /api/links/",
        "$default",
    }
    integration = res["IssuerIntegration"]["Properties"]
    assert integration["PayloadFormatVersion"] == "2.0"
    assert integration["IntegrationUri"] == {"Fn::GetAtt": ["IssuerFunction", "Arn"]}
    settings = res["IssuerStage"]["Properties"]["DefaultRouteSettings"]
    assert {"ThrottlingRateLimit", "ThrottlingBurstLimit"} <= set(settings)
    # The API must not depend on the function (that would close the VIEWER_ORIGIN cycle).
    assert "IssuerFunction" not in json.dumps(res["IssuerApi"])


def test_data_behaviors_trusted_key_group_default_not(translated: dict[str, Any]) -> None:
    t = deployed(translated, PublicKeyA=PEM_A)
    config = dist_config(t)
    assert "TrustedKeyGroups" not in config["DefaultCacheBehavior"]
    data = data_behaviors(t)
    assert [b["PathPattern"] for b in data] == ["/zarr/*", "/blobs/*"]
    for b in data:
        assert b["TrustedKeyGroups"] == [{"Ref": "KeyGroup"}]
        assert b["CachePolicyId"] == CACHING_OPTIMIZED
        assert b["ResponseHeadersPolicyId"] == {"Ref": "DataResponseHeadersPolicy"}
        assert b["ViewerProtocolPolicy"] == "redirect-to-https"
        assert "LambdaFunctionAssociations" not in b
    for b in config["CacheBehaviors"]:
        if b["TargetOriginId"] != "assets" and b["PathPattern"] != "/links/*":
            assert "TrustedKeyGroups" not in b


def test_short_link_states_are_guarded_like_data(translated: dict[str, Any]) -> None:
    (links,) = [
        b
        for b in dist_config(deployed(translated, PublicKeyA=PEM_A))["CacheBehaviors"]
        if b["PathPattern"] == "/links/*"
    ]
    assert links["TargetOriginId"] == "viewer"
    assert links["TrustedKeyGroups"] == [{"Ref": "KeyGroup"}]
    assert links["AllowedMethods"] == ["GET", "HEAD", "OPTIONS"]
    assert "LambdaFunctionAssociations" not in links
    # No key, no key group: the states must not fall through to the open default behavior.
    (keyless,) = [
        b
        for b in dist_config(deployed(translated))["CacheBehaviors"]
        if b["PathPattern"] == "/links/*"
    ]
    assert keyless["TargetOriginId"] == "issuer" and "TrustedKeyGroups" not in keyless


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_every_data_pattern_gets_a_guarded_behavior(translated: dict[str, Any], count: int) -> None:
    patterns = [f"/p{i}/*" for i in range(count)]
    t = deployed(translated, PublicKeyA=PEM_A, DataPathPatterns=",".join(patterns))
    data = data_behaviors(t)
    assert [b["PathPattern"] for b in data] == patterns
    assert all(b["TrustedKeyGroups"] == [{"Ref": "KeyGroup"}] for b in data)
    assert "ErrorAtMostFourDataPathPatterns" not in t["Resources"]


def test_a_fifth_pattern_fails_the_deployment(translated: dict[str, Any]) -> None:
    t = deployed(translated, PublicKeyA=PEM_A, DataPathPatterns="/a/*,/b/*,/c/*,/d/*,/e/*")
    waiter = t["Resources"]["ErrorAtMostFourDataPathPatterns"]
    assert waiter["Type"] == "AWS::CloudFormation::WaitCondition"
    assert waiter["Properties"]["Timeout"] == "1"


def test_no_key_means_no_data_behavior(translated: dict[str, Any]) -> None:
    t = deployed(translated)
    assert data_behaviors(t) == []
    assert "KeyGroup" not in t["Resources"]
    assert "KeyGroupId" not in t["Outputs"]


def test_auth_behavior_goes_uncached_to_the_issuer(translated: dict[str, Any]) -> None:
    t = deployed(translated, PublicKeyA=PEM_A)
    (auth,) = [b for b in dist_config(t)["CacheBehaviors"] if b["PathPattern"] == "/_auth/*"]
    assert dist_config(t)["CacheBehaviors"][0] is auth
    assert auth["TargetOriginId"] == "issuer"
    assert auth["CachePolicyId"] == CACHING_DISABLED
    assert auth["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST
    assert "POST" in auth["AllowedMethods"]
    assert "TrustedKeyGroups" not in auth
    origins = {o["Id"]: o for o in dist_config(t)["Origins"]}
    assert origins["issuer"]["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert "IssuerApi" in json.dumps(origins["issuer"]["DomainName"])


def test_distribution_transport(translated: dict[str, Any]) -> None:
    config = dist_config(deployed(translated, PublicKeyA=PEM_A))
    assert config["HttpVersion"] == "http2and3"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert config["ViewerCertificate"] == {"CloudFrontDefaultCertificate": True}
    assert "Aliases" not in config
    origins = {o["Id"]: o for o in config["Origins"]}
    assert origins["assets"]["DomainName"] == (
        "linc-brain-mit-prod-us-east-2.s3.us-east-2.amazonaws.com"
    )
    assert "OriginAccessControlId" in origins["assets"]
    assert "OriginAccessControlId" in origins["viewer"]


def test_viewer_bucket_private_encrypted_oac_only(translated: dict[str, Any]) -> None:
    res = translated["Resources"]
    bucket = res["ViewerBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    (allow,) = [
        s
        for s in res["ViewerBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Allow"
    ]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert "AWS:SourceArn" in allow["Condition"]["StringEquals"]


def _statement_output(translated: dict[str, Any], patterns: str) -> dict[str, Any]:
    # The distribution's id is only known after a deploy: give it, as CloudFormation would.
    outputs = support.deployed(
        translated, {"Distribution": "E123EXAMPLE"}, PublicKeyA=PEM_A, DataPathPatterns=patterns
    ).outputs
    statement: dict[str, Any] = json.loads(outputs["AssetBucketPolicyStatement"]["Value"])
    return statement


@pytest.mark.parametrize("patterns", ["/zarr/*,/blobs/*", "/zarr/*", "/a/*,/b/c/*,/d/*,/e/*"])
def test_asset_bucket_statement_limited_to_data_prefixes(
    translated: dict[str, Any], patterns: str
) -> None:
    statement = _statement_output(translated, patterns)
    expected = [f"arn:aws:s3:::linc-brain-mit-prod-us-east-2{p}" for p in patterns.split(",")]
    assert statement["Resource"] == expected
    assert statement["Action"] == "s3:GetObject"
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Condition"]["StringEquals"]["AWS:SourceArn"] == (
        "arn:aws:cloudfront::123456789012:distribution/E123EXAMPLE"
    )
    for resource in statement["Resource"]:
        assert not resource.endswith(":::linc-brain-mit-prod-us-east-2/*")


def test_managed_asset_bucket_policy_is_opt_in_and_prefix_limited(
    translated: dict[str, Any],
) -> None:
    assert "AssetBucketPolicy" not in deployed(translated, PublicKeyA=PEM_A)["Resources"]
    t = deployed(translated, PublicKeyA=PEM_A, ManageAssetBucketPolicy="true")
    stmt, listing = t["Resources"]["AssetBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert stmt["Action"] == "s3:GetObject" and listing["Action"] == "s3:ListBucket"
    assert stmt["Resource"] == [
        "arn:aws:s3:::linc-brain-mit-prod-us-east-2/zarr/*",
        "arn:aws:s3:::linc-brain-mit-prod-us-east-2/blobs/*",
    ]


def test_outputs_present(translated: dict[str, Any]) -> None:
    outputs = deployed(translated, PublicKeyA=PEM_A)["Outputs"]
    for name in (
        "ViewerUrl",
        "DistributionId",
        "DistributionDomainName",
        "IssuerApiUrl",
        "KeyGroupId",
        "SigningKeyPairId",
        "SigningKeySecretArn",
        "AssetBucketPolicyStatement",
        "AssetBucketListStatement",
    ):
        assert name in outputs, name


def test_no_private_key_anywhere_in_the_template() -> None:
    raw = load_template(TEMPLATE)
    text = json.dumps(raw)
    assert "PRIVATE KEY" not in text
    for spec in raw["Parameters"].values():
        assert "PRIVATE" not in spec.get("AllowedPattern", "")


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"OAuthProviderUrl": ""}, "OAuthModeNeedsItsArchive"),
        ({"OAuthClientId": ""}, "OAuthModeNeedsItsArchive"),
        ({"ArchiveApiUrl": ""}, "OAuthModeNeedsItsArchive"),
        ({"AuthMode": "jwt", "ArchiveLoginUrl": ""}, "JwtModeNeedsItsArchive"),
    ],
)
def test_each_auth_mode_needs_its_archive_parameters(
    translated: dict[str, Any], overrides: dict[str, str], rule: str
) -> None:
    from template_model import ParameterError

    with pytest.raises(ParameterError, match=rule):
        deployed(translated, PublicKeyA=PEM_A, **overrides)
    assert deployed(translated, PublicKeyA=PEM_A, AuthMode="jwt")  # JWT mode stays an option
