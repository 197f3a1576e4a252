"""`POST /api/links/`: short-link states stored once under their SHA-256 in (moto) S3, only for
approved members with an Authorization header, with clear 4xx answers for everything else."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from cookie_issuer import link_routes
from cookie_issuer.link_store import MAX_STATE_BYTES, canonical_state
from cookie_issuer.runtime import reset_runtime
from tests.cookie_issuer.support import VIEWER, body_json, load_event

BUCKET = "linc-viewer-test"
Invoke = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture
def links(issuer_invoke: Invoke, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("LINKS_BUCKET", BUCKET)
    reset_runtime()  # settings are read once per container
    link_routes._stores.clear()  # a client per moto session
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    yield s3
    link_routes._stores.clear()


def post(token: str | None, body: bytes, *, base64_body: bool = False) -> dict[str, Any]:
    event = load_event("links", token or "x")
    if token is None:
        del event["headers"]["authorization"]
    if base64_body:
        event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    else:
        event["body"] = body.decode("utf-8", errors="surrogateescape")
    return event


def stored_keys(s3: Any) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_the_sample_event_stores_a_state_named_by_its_hash(
    links: Any,
    issuer_invoke: Invoke,
    issuer_token: Any,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    result = issuer_invoke(load_event("links", issuer_token()))
    captured = capsys.readouterr()
    logged = captured.out + captured.err + caplog.text
    assert "short link stored" in logged
    assert "0b5b0a8e" not in logged  # the state may name private assets: never logged
    assert result["statusCode"] == 201, result["body"]
    body = body_json(result)
    obj = links.get_object(Bucket=BUCKET, Key=f"links/{body['id']}.json")
    data = obj["Body"].read()
    assert hashlib.sha256(data).hexdigest() == body["id"]  # `sha256sum` checks a file by its name
    assert body["state_url"] == f"{VIEWER}/links/{body['id']}.json"
    assert body["url"] == f"{VIEWER}/#!{body['state_url']}"
    assert body["created"] is True and body["bytes"] == len(data)
    assert json.loads(data) == json.loads(load_event("links")["body"])
    assert obj["ContentType"] == "application/json"
    assert "immutable" in obj["CacheControl"]
    assert obj["Metadata"] == {"created-by": "alice"}
    assert "cookies" not in result or not result["cookies"]


def test_the_same_state_is_the_same_link_and_nothing_is_overwritten(
    links: Any, issuer_invoke: Invoke, issuer_token: Any
) -> None:
    compact = b'{"layers":[],"layout":"xy"}'
    spaced = b'{ "layers" : [ ],\n  "layout": "xy" }'
    first = issuer_invoke(post(issuer_token(), compact))
    versions = links.list_object_versions(Bucket=BUCKET).get("Versions", [])
    second = issuer_invoke(post(issuer_token(sub="bob"), spaced, base64_body=True))
    assert (first["statusCode"], second["statusCode"]) == (201, 200)
    assert body_json(first)["id"] == body_json(second)["id"]
    assert body_json(second)["created"] is False
    assert len(stored_keys(links)) == 1
    # The second writer changed nothing, not even the recorded first writer.
    assert links.list_object_versions(Bucket=BUCKET).get("Versions", []) == versions
    key = f"links/{body_json(first)['id']}.json"
    assert links.head_object(Bucket=BUCKET, Key=key)["Metadata"] == {"created-by": "alice"}


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (b"[1, 2]", 400, "state_not_object"),
        (b"not json", 400, "state_not_json"),
        (b'{"a": NaN}', 400, "state_not_json"),
        (b'{"a": 1e999}', 400, "state_not_json"),
        (b"\xff\xfe{}", 400, "state_not_json"),
        (b"[" * 100_000 + b"]" * 100_000, 400, "state_not_json"),
        (b'{"a":"' + b"x" * MAX_STATE_BYTES + b'"}', 413, "state_too_large"),
    ],
)
def test_bad_states_are_clear_4xx_and_store_nothing(
    links: Any, issuer_invoke: Invoke, issuer_token: Any, body: bytes, status: int, reason: str
) -> None:
    result = issuer_invoke(post(issuer_token(), body, base64_body=True))
    assert result["statusCode"] == status
    answer = body_json(result)
    assert answer["error"] == reason and answer["message"] and answer["action"]
    assert stored_keys(links) == []


def test_a_state_of_64_kb_fits(links: Any, issuer_invoke: Invoke, issuer_token: Any) -> None:
    state = {"layers": [{"type": "annotation", "name": "notes", "x": "ü" * 32_000}]}
    data = json.dumps(state, ensure_ascii=False).encode()
    assert len(data) > 64_000
    assert issuer_invoke(post(issuer_token(), data))["statusCode"] == 201


@pytest.mark.parametrize(
    ("token", "status", "reason"),
    [(None, 401, "credentials_missing"), ("not-approved", 403, "not_approved")],
)
def test_only_approved_members_with_an_authorization_header_write(
    links: Any,
    issuer_invoke: Invoke,
    issuer_token: Any,
    token: str | None,
    status: int,
    reason: str,
) -> None:
    bearer = issuer_token(status="PENDING") if token else None
    event = post(bearer, b"{}")
    if token is None:  # a signed-in browser's session cookie is not enough
        event["cookies"] = [f"linc_session={issuer_token()}"]
    result = issuer_invoke(event)
    assert result["statusCode"] == status
    assert body_json(result)["error"] == reason
    assert stored_keys(links) == []


def test_without_a_links_bucket_the_route_says_not_enabled(
    issuer_invoke: Invoke, issuer_token: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LINKS_BUCKET", raising=False)
    reset_runtime()
    result = issuer_invoke(post(issuer_token(), b"{}"))
    assert result["statusCode"] == 404
    assert body_json(result)["error"] == "links_disabled"


def test_storage_failure_is_503_not_500(
    issuer_invoke: Invoke, issuer_token: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINKS_BUCKET", "no-such-bucket")
    reset_runtime()
    link_routes._stores.clear()
    result = issuer_invoke(post(issuer_token(), b"{}"))
    link_routes._stores.clear()
    assert result["statusCode"] == 503
    assert body_json(result)["error"] == "link_storage_unavailable"


def test_other_methods_are_405_with_allow(issuer_invoke: Invoke, issuer_token: Any) -> None:
    event = post(issuer_token(), b"{}")
    event["requestContext"]["http"]["method"] = "GET"
    result = issuer_invoke(event)
    assert result["statusCode"] == 405
    assert result["headers"]["Allow"] == "POST"


def test_canonical_form_keeps_key_order_and_text() -> None:
    assert canonical_state('{"z": 1, "a": "ü"}'.encode()) == '{"z":1,"a":"ü"}'.encode()
