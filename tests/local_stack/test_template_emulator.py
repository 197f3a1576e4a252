"""The emulator follows template.yaml: behaviors, key groups and function associations.

In-process emulator against a real moto S3 server; modified copies of the real template prove
that a change there changes what runs locally.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

import tests.local_stack.edge_doubles as doubles
from edge_auth.cookie_policy import build_custom_policy, cf_b64encode
from local_stack.aws import LocalAws
from local_stack.cloudfront.distribution import Distribution, load_distribution
from local_stack.cloudfront.emulator import CloudFrontEmulator
from local_stack.keys import DevKeys, generate_dev_keys
from local_stack.stack import data_prefixes
from template_model import TemplateError, resolve_template

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
HOST = "viewer.localhost:9999"


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> DevKeys:
    return generate_dev_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def aws() -> Iterator[LocalAws]:
    local = LocalAws()
    local.start(0)
    local.create_bucket("viewer")
    local.create_bucket("assets")
    local.put_objects(
        "viewer",
        {
            "index.html": (b"<!doctype html>viewer", "text/html"),
            "assets/index-AbCd1234.js": (b"export {}", "text/javascript"),
        },
    )
    local.put_objects(
        "assets",
        {"zarr/a/0": (b"zarr-bytes", "application/octet-stream"), "data/a/0": (b"data", "x/y")},
    )
    yield local
    local.stop()


def _params(keys: DevKeys) -> dict[str, str]:
    url = "https://archive.example.org/unused"
    return {
        "AssetBucketName": "assets",
        "PublicKeyA": keys.cloudfront.public_pem,
        "ArchiveLoginUrl": url,
        "ArchiveLogoutUrl": url,
        "JwksUrl": url,
        "JwtIssuer": url,
        "JwtAudience": "aud",
        "SessionCookieName": "s",
        "OAuthProviderUrl": url + "/oauth/",
        "OAuthClientId": "client",
        "ArchiveApiUrl": url,
    }


def _distribution(template: Path, params: dict[str, str]) -> Distribution:
    return load_distribution(resolve_template(template, params))


def _emulator(template: Path, keys: DevKeys, aws: LocalAws) -> CloudFrontEmulator:
    distribution = _distribution(template, _params(keys))
    return CloudFrontEmulator(
        distribution,
        {"ViewerBucket": "viewer", "assets": "assets"},
        aws.client("s3"),
        domain_name=HOST,
    )


def _get(emulator: CloudFrontEmulator, path: str, navigate: bool = False) -> Any:
    headers = [("Host", HOST), ("Accept", "*/*")]
    if navigate:
        headers.append(("Sec-Fetch-Mode", "navigate"))
    return emulator.serve("GET", path, headers, b"", "127.0.0.1")


def _modified(tmp_path: Path, old: str, new: str) -> Path:
    text = TEMPLATE.read_text()
    assert old in text, f"template.yaml no longer contains {old!r}"
    copy = tmp_path / "template.yaml"
    copy.write_text(text.replace(old, new))
    return copy


def test_real_template_behaviors(keys: DevKeys) -> None:
    distribution = _distribution(TEMPLATE, _params(keys))
    patterns = [
        (b.path_pattern, b.origin_id, b.requires_signed_cookies) for b in distribution.behaviors
    ]
    assert ("/zarr/*", "assets", True) in patterns and ("/blobs/*", "assets", True) in patterns
    assert ("/_auth/*", "issuer", False) in patterns
    assert distribution.default.viewer_request_handler == "edge_auth.handler.lambda_handler"
    assert distribution.origins["issuer"].handler == "cookie_issuer.app.lambda_handler"
    assert "GET /_auth/login" in distribution.origins["issuer"].routes
    # Without a public key the template has no data behavior at all (it fails closed).
    no_key = {**_params(keys), "PublicKeyA": ""}
    assert not any(b.requires_signed_cookies for b in _distribution(TEMPLATE, no_key).behaviors)


def test_hashed_bundles_skip_the_edge_function(
    tmp_path: Path, keys: DevKeys, aws: LocalAws
) -> None:
    """One invocation per navigation, none per bundle; without the template's /assets/*
    behavior every bundle would invoke the edge function (the emulator follows the template)."""
    real = _emulator(TEMPLATE, keys, aws)
    assert _get(real, "/", navigate=True).status == 200  # the interstitial, from the edge
    bundle = _get(real, "/assets/index-AbCd1234.js")
    assert bundle.status == 200 and bundle.body == b"export {}"
    assert real.stats.edge_invocations == 1
    assert [e["behavior"] for e in real.stats.log] == ["*", "/assets/*"]

    # The behavior's item: its "- PathPattern" line and the lines indented under it.
    found = re.search(r"\n( +)- PathPattern: /assets/\*\n(?:\1  .*\n)+", TEMPLATE.read_text())
    assert found, "template.yaml has no /assets/* behavior"
    without = _modified(tmp_path, found.group(0), "\n")
    old = _emulator(without, keys, aws)
    _get(old, "/", navigate=True)
    _get(old, "/assets/index-AbCd1234.js")
    assert old.stats.edge_invocations == 2


def _mint(keys: DevKeys, resource: str) -> dict[str, str]:
    """A custom-policy cookie set for `resource`, signed with the dev key (SHA256)."""
    key = serialization.load_pem_private_key(keys.cloudfront.private_pem.encode(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    policy = build_custom_policy(resource, int(time.time()) + 600).encode()
    return {
        "CloudFront-Policy": cf_b64encode(policy),
        "CloudFront-Signature": cf_b64encode(key.sign(policy, padding.PKCS1v15(), hashes.SHA256())),
        "CloudFront-Key-Pair-Id": keys.cloudfront.key_pair_id,
        "CloudFront-Hash-Algorithm": "SHA256",
    }


def test_missing_data_is_404_only_where_the_policy_lets_cloudfront_list(
    keys: DevKeys, aws: LocalAws
) -> None:
    """With the template's asset bucket policy a missing key under a data prefix is 404, and
    no request through the distribution lists anything; without it S3 says 403."""
    params = {**_params(keys), "ManageAssetBucketPolicy": "true"}
    distribution = _distribution(TEMPLATE, params)
    assert distribution.origins["assets"].listable_prefixes == ("zarr/*", "blobs/*")
    assert distribution.origins["viewer"].listable_prefixes == ()
    managed = CloudFrontEmulator(
        distribution,
        {"ViewerBucket": "viewer", "assets": "assets"},
        aws.client("s3"),
        domain_name=HOST,
    )
    cookie = "; ".join(f"{k}={v}" for k, v in _mint(keys, f"https://{HOST}/*").items())

    def get(target: str) -> Any:
        headers = [("Host", HOST), ("Cookie", cookie)]
        return managed.serve("GET", target, headers, b"", "127.0.0.1")

    assert get("/zarr/a/0").status == 200
    missing = get("/zarr/a/.zarray")
    assert missing.status == 404 and b"<Code>NoSuchKey</Code>" in missing.body
    for listing in ("/zarr/", "/zarr/?list-type=2", "/zarr/?list-type=2&prefix=zarr/", "/zarr"):
        answer = get(listing)
        assert answer.status in (403, 404) and b"ListBucketResult" not in answer.body, listing
        assert b"a/0" not in answer.body
    # The bucket root never reaches the asset bucket: "/" is the viewer's page.
    assert managed.distribution.behavior_for("/").origin_id == "viewer"
    # The viewer bucket is not listable: a missing file there stays 403.
    assert get("/assets/missing-00000000.js").status == 403
    # Without the policy (the asset bucket's owner has not added the statement): 403.
    unmanaged = _emulator(TEMPLATE, keys, aws)
    answer = unmanaged.serve(
        "GET", "/zarr/a/.zarray", [("Host", HOST), ("Cookie", cookie)], b"", "127.0.0.1"
    )
    assert answer.status == 403 and b"AccessDenied" in answer.body


@pytest.mark.parametrize("patterns", ["/a/*", "/a/*,/b/*,/c/*", "/a/*,/b/*,/c/*,/d/*"])
def test_data_behaviors_follow_their_conditions(keys: DevKeys, patterns: str) -> None:
    """Each data behavior sits in an Fn::If on its own condition (DataPath2..4)."""
    distribution = _distribution(TEMPLATE, {**_params(keys), "DataPathPatterns": patterns})
    guarded = [b.path_pattern for b in distribution.behaviors if b.requires_signed_cookies]
    # Short-link states (/links/*, on our viewer bucket) are guarded the same way, always first.
    assert guarded == ["/links/*", *patterns.split(",")]
    assert data_prefixes(distribution) == tuple(patterns.split(","))


def test_data_path_follows_the_template_parameter(
    tmp_path: Path, keys: DevKeys, aws: LocalAws
) -> None:
    real = _emulator(TEMPLATE, keys, aws)
    answer = _get(real, "/zarr/a/0")
    assert answer.status == 403 and b"MissingKey" in answer.body
    assert real.stats.data_edge_invocations == 0 and real.stats.edge_invocations == 0

    changed = _emulator(
        _modified(tmp_path, "Default: /zarr/*,/blobs/*", "Default: /data/*"), keys, aws
    )
    answer = _get(changed, "/data/a/0")
    assert answer.status == 403 and b"MissingKey" in answer.body
    # /zarr/* is no data path any more: the default behavior (edge, viewer bucket) answers.
    answer = _get(changed, "/zarr/a/0")
    assert changed.stats.edge_invocations == 1
    assert answer.status == 403 and b"<Code>AccessDenied</Code>" in answer.body
    assert changed.stats.log[-1]["behavior"] == "*"


def test_viewer_request_event_is_faithful(tmp_path: Path, keys: DevKeys, aws: LocalAws) -> None:
    template = _modified(
        tmp_path,
        "Handler: edge_auth.handler.lambda_handler",
        "Handler: tests.local_stack.edge_doubles.recording_handler",
    )
    emulator = _emulator(template, keys, aws)
    doubles.EVENTS.clear()
    headers = [("Host", HOST), ("Cookie", "a=1"), ("Cookie", "b=2"), ("User-Agent", "t")]
    answer = emulator.serve("GET", "/index.html?x=1&y=2", headers, b"", "127.0.0.9")
    assert answer.status == 200 and answer.body == b"<!doctype html>viewer"
    (event,) = doubles.EVENTS
    cf = event["Records"][0]["cf"]
    assert cf["config"]["eventType"] == "viewer-request"
    request = cf["request"]
    assert set(request) == {"clientIp", "headers", "method", "querystring", "uri"}
    assert request["clientIp"] == "127.0.0.9"
    assert request["uri"] == "/index.html" and request["querystring"] == "x=1&y=2"
    assert request["headers"]["cookie"] == [
        {"key": "Cookie", "value": "a=1"},
        {"key": "Cookie", "value": "b=2"},
    ]
    assert all(name == name.lower() for name in request["headers"])


@pytest.mark.parametrize("handler", ["numeric_status_handler", "host_rewriting_handler"])
def test_edge_answer_breaking_cloudfront_rules_is_502(
    tmp_path: Path, keys: DevKeys, aws: LocalAws, handler: str
) -> None:
    template = _modified(
        tmp_path,
        "Handler: edge_auth.handler.lambda_handler",
        f"Handler: tests.local_stack.edge_doubles.{handler}",
    )
    answer = _get(_emulator(template, keys, aws), "/", navigate=True)
    assert answer.status == 502 and b"LambdaValidationError" in answer.body


def test_unresolvable_template_is_a_clear_error(tmp_path: Path, keys: DevKeys) -> None:
    broken = _modified(tmp_path, "TargetOriginId: assets", "TargetOriginId: nowhere")
    with pytest.raises(TemplateError, match="unknown origin"):
        _distribution(broken, _params(keys))


# -- EdgeRuntime: the CloudFront Function ---------------------------------------------------
def _function_emulator(template: Path, keys: DevKeys, aws: LocalAws) -> CloudFrontEmulator:
    params = {**_params(keys), "EdgeRuntime": "cloudfront-function"}
    return CloudFrontEmulator(
        _distribution(template, params),
        {"ViewerBucket": "viewer", "assets": "assets"},
        aws.client("s3"),
        domain_name=HOST,
    )


@pytest.mark.parametrize("runtime", ["lambda-edge", "cloudfront-function"])
def test_edge_runtime_associates_exactly_one_check(keys: DevKeys, runtime: str) -> None:
    default = _distribution(TEMPLATE, {**_params(keys), "EdgeRuntime": runtime}).default
    handler, code = default.viewer_request_handler, default.viewer_request_function
    assert (handler is None) != (code is None)
    if runtime == "lambda-edge":
        assert handler == "edge_auth.handler.lambda_handler"
    else:
        assert code is not None and "function handler(event)" in code


def test_cloudfront_function_runs_under_node_in_the_emulator(keys: DevKeys, aws: LocalAws) -> None:
    emulator = _function_emulator(TEMPLATE, keys, aws)
    try:
        page = _get(emulator, "/?layout=4panel", navigate=True)
        assert page.status == 200 and emulator.stats.edge_invocations == 1
        assert dict(page.headers)["Cache-Control"] == "no-store"  # CloudFront's casing
        assert b"/_auth/login?return=%2F%3Flayout%3D4panel" in page.body
        static = _get(emulator, "/index.html")
        assert static.status == 200 and static.body == b"<!doctype html>viewer"
    finally:
        emulator.stop()


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        # a status as a string (the Lambda@Edge shape) is not a CloudFront Function's
        (
            "statusCode: 200, statusDescription: 'OK'",
            "statusCode: '200', statusDescription: 'OK'",
            b"FunctionValidationError",
        ),
        # a runtime error: CloudFront answers 503 for a failed function
        (
            "function handler(event) {",
            "function handler(event) { throw new Error('x');",
            b"FunctionExecutionError",
        ),
    ],
)
def test_function_answer_breaking_cloudfront_rules_is_503(
    tmp_path: Path, keys: DevKeys, aws: LocalAws, old: str, new: str, code: bytes
) -> None:
    emulator = _function_emulator(_modified(tmp_path, old, new), keys, aws)
    try:
        answer = _get(emulator, "/", navigate=True)
        assert answer.status == 503 and code in answer.body
    finally:
        emulator.stop()


# -- fidelity: Host and signed URLs (issue 13 item 11) -----------------------------------------


def _signed_url_query(keys: DevKeys, url: str, expires: int) -> str:
    """A canned-policy signed URL's query, made by botocore's CloudFrontSigner."""
    key = serialization.load_pem_private_key(keys.cloudfront.private_pem.encode(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    signer = CloudFrontSigner(
        keys.cloudfront.key_pair_id,
        lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA1()),
    )
    signed = signer.generate_presigned_url(url, date_less_than=datetime.fromtimestamp(expires, UTC))
    return urlsplit(signed).query


@pytest.mark.parametrize(
    "host", ["evil.example.org", "localhost:9999", "viewer.localhost:9998", "", "d1.cloudfront.net"]
)
def test_a_host_the_distribution_does_not_serve_is_403_bad_request(
    keys: DevKeys, aws: LocalAws, host: str
) -> None:
    emulator = _emulator(TEMPLATE, keys, aws)
    headers = [("Host", host)] if host else []
    answer = emulator.serve("GET", "/index.html", headers, b"", "127.0.0.1")
    assert answer.status == 403
    assert b"The request could not be satisfied" in answer.body and b"Bad request" in answer.body
    assert emulator.stats.edge_invocations == 0  # refused before any behavior ran
    # The distribution's own name, in any case, is served.
    ok = emulator.serve("GET", "/index.html", [("Host", HOST.upper())], b"", "127.0.0.1")
    assert ok.status == 200


def test_the_distribution_aliases_are_served(keys: DevKeys, aws: LocalAws) -> None:
    params = {**_params(keys), "ViewerDomain": "viewer.example.org"}
    params["ViewerCertificateArn"] = (
        "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
    )
    distribution = _distribution(TEMPLATE, params)
    assert distribution.aliases == ("viewer.example.org",)
    emulator = CloudFrontEmulator(
        distribution,
        {"ViewerBucket": "viewer", "assets": "assets"},
        aws.client("s3"),
        domain_name=HOST,
    )
    for host, status in (
        ("viewer.example.org", 200),
        ("Viewer.Example.ORG", 200),
        (HOST, 200),
        ("other.example.org", 403),
    ):
        answer = emulator.serve("GET", "/index.html", [("Host", host)], b"", "127.0.0.1")
        assert answer.status == status, host


def test_the_local_stack_default_name_is_localhost_and_its_port(
    keys: DevKeys, aws: LocalAws
) -> None:
    distribution = _distribution(TEMPLATE, _params(keys))
    emulator = CloudFrontEmulator(
        distribution, {"ViewerBucket": "viewer", "assets": "assets"}, aws.client("s3")
    )
    emulator.start()
    try:
        assert emulator.serves_host(f"localhost:{emulator.port}")
        assert not emulator.serves_host(f"127.0.0.1:{emulator.port}")
        assert not emulator.serves_host(f"localhost:{emulator.port + 1}")
    finally:
        emulator.stop()


def test_signed_url_parameters_make_cookies_irrelevant(keys: DevKeys, aws: LocalAws) -> None:
    """CloudFront judges a request with signed-URL parameters on the URL alone."""
    emulator = _emulator(TEMPLATE, keys, aws)
    now = int(time.time())
    cookies = "; ".join(f"{k}={v}" for k, v in _mint(keys, f"https://{HOST}/zarr/*").items())
    with_cookies = [("Host", HOST), ("Cookie", cookies)]
    assert emulator.serve("GET", "/zarr/a/0", with_cookies, b"", "127.0.0.1").status == 200
    # Valid cookies, but a (bogus) signed URL: refused, as CloudFront refuses it.
    for query in (
        "Expires=1&Signature=AAAA&Key-Pair-Id=" + keys.cloudfront.key_pair_id,
        "Signature=AAAA",
        "Key-Pair-Id=" + keys.cloudfront.key_pair_id,
        "x=1&Policy=e30_",
    ):
        answer = emulator.serve("GET", "/zarr/a/0?" + query, with_cookies, b"", "127.0.0.1")
        assert answer.status == 403, query
        assert b"<Error>" in answer.body
    missing = emulator.serve("GET", "/zarr/a/0?Expires=1", with_cookies, b"", "127.0.0.1")
    assert b"MissingKey" in missing.body  # the URL is judged, and it names no key
    # A valid signed URL needs no cookies at all, and other parameters do not matter.
    query = _signed_url_query(keys, f"https://{HOST}/zarr/a/0", now + 600)
    signed = emulator.serve("GET", "/zarr/a/0?" + query, [("Host", HOST)], b"", "127.0.0.1")
    assert signed.status == 200 and signed.body == b"zarr-bytes"
    expired = _signed_url_query(keys, f"https://{HOST}/zarr/a/0", now - 5)
    answer = emulator.serve("GET", "/zarr/a/0?" + expired, with_cookies, b"", "127.0.0.1")
    assert answer.status == 403  # expired signed URL: the valid cookies do not rescue it
    # Other query parameters alone leave the cookies in charge.
    plain = emulator.serve("GET", "/zarr/a/0?x=Expires", with_cookies, b"", "127.0.0.1")
    assert plain.status == 200
