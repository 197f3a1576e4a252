"""Plain-HTTP checks against the running local stack (scenarios 2, 3 and 7, request limits)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from edge_auth.cookie_policy import build_canned_policy, cf_b64encode
from tests.local_stack.client import aws_client, chunk_url, http, mint, reset_stats, stats

pytestmark = pytest.mark.slow
ACCESS_DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
    b"<Message>Access denied</Message></Error>"
)


def _denied(info: dict[str, Any], cookies: dict[str, str] | None, url: str | None = None) -> bytes:
    status, headers, body = http(url or chunk_url(info), cookies)
    assert status == 403, body
    assert headers["Content-Type"] == "application/xml"
    return body


def test_data_without_cookies_is_403_and_never_runs_the_edge(local_stack: dict[str, Any]) -> None:
    reset_stats(local_stack)
    viewer = local_stack["viewer_url"].rstrip("/")
    for path in (local_stack["assets"]["zarr"] + ".zattrs", local_stack["assets"]["nifti"]):
        body = _denied(local_stack, None, viewer + path)
        assert b"<Code>MissingKey</Code>" in body
    # A page load does run the edge (control: the counter works).
    status, _, _ = http(local_stack["viewer_url"], headers={"Sec-Fetch-Mode": "navigate"})
    assert status == 200
    snapshot = stats(local_stack)
    assert snapshot["data_requests"] == 2
    assert snapshot["data_edge_invocations"] == 0
    assert snapshot["edge_invocations"] == 1
    assert [e["edge"] for e in snapshot["log"]] == [False, False, True]


def test_valid_cookies_open_data_with_range(local_stack: dict[str, Any]) -> None:
    cookies = mint(local_stack)
    status, headers, body = http(chunk_url(local_stack), cookies)
    assert status == 200 and len(body) > 0
    full = len(body)
    status, headers, body = http(chunk_url(local_stack), cookies, method="HEAD")
    assert status == 200 and body == b"" and headers["Content-Length"] == str(full)
    status, headers, body = http(chunk_url(local_stack), cookies, {"Range": "bytes=0-9"})
    assert status == 206 and len(body) == 10
    assert headers["Content-Range"].startswith("bytes 0-9/")
    viewer = local_stack["viewer_url"].rstrip("/")
    status, _, body = http(viewer + local_stack["assets"]["nifti"], cookies)
    assert status == 200 and len(body) > 348  # a NIfTI-1 header is 348 bytes
    status, _, _ = http(viewer + "/zarr/no-such-asset/.zattrs", cookies)
    # The template lets CloudFront list the data prefixes (s3:prefix): a missing key is 404.
    assert status == 404


@pytest.mark.parametrize(
    "name",
    ["CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"],
)
def test_one_flipped_character_in_any_cookie_is_403(local_stack: dict[str, Any], name: str) -> None:
    cookies = mint(local_stack)
    value = cookies[name]
    for index in (0, len(value) // 2, len(value) - 3):
        flipped = "B" if value[index] != "B" else "C"
        tampered = {**cookies, name: value[:index] + flipped + value[index + 1 :]}
        _denied(local_stack, tampered)


def test_expired_unknown_key_other_resource_and_future_are_403(local_stack: dict[str, Any]) -> None:
    body = _denied(local_stack, mint(local_stack, expires_in=-5))
    assert body == ACCESS_DENIED
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    body = _denied(
        local_stack, mint(local_stack, private_key=other_key, key_pair_id="KUNKNOWN12345")
    )
    assert b"Unknown Key" in body
    # Right id, wrong key: the signature does not verify.
    assert _denied(local_stack, mint(local_stack, private_key=other_key)) == ACCESS_DENIED
    viewer = local_stack["viewer_public_origin"]
    for resource in (viewer + "/blobs/*", "https://elsewhere.example.org/*", viewer + "/zarr/x/*"):
        assert _denied(local_stack, mint(local_stack, resource=resource)) == ACCESS_DENIED
    # The control: the same helper with the distribution's resource opens the chunk.
    assert http(chunk_url(local_stack), mint(local_stack, resource=viewer + "/zarr/*"))[0] == 200


def test_canned_policy_cookies(local_stack: dict[str, Any]) -> None:
    from pathlib import Path

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    key = serialization.load_pem_private_key(
        Path(local_stack["signing"]["private_key_path"]).read_bytes(), password=None
    )
    assert isinstance(key, rsa.RSAPrivateKey)
    url = chunk_url(local_stack)
    public_url = local_stack["viewer_public_origin"] + url.split("/", 3)[3].join(["/", ""])
    expires = int(time.time()) + 600
    policy = build_canned_policy(public_url, expires).encode()
    cookies = {
        "CloudFront-Expires": str(expires),
        "CloudFront-Signature": cf_b64encode(key.sign(policy, padding.PKCS1v15(), hashes.SHA1())),
        "CloudFront-Key-Pair-Id": local_stack["signing"]["key_pair_id"],
    }
    assert http(url, cookies)[0] == 200
    # Canned cookies are bound to one URL: another chunk is refused.
    assert http(url[:-1] + "1", cookies)[0] == 403


def test_uri_over_8192_bytes_is_414(local_stack: dict[str, Any]) -> None:
    status, _, _ = http(local_stack["viewer_url"] + "zarr/" + "a" * 8200)
    assert status == 414
    # "/" + "?" + 8,190 bytes is exactly 8,192: still served; one more byte is not.
    assert http(local_stack["viewer_url"] + "?" + "q" * 8190)[0] == 200
    assert http(local_stack["viewer_url"] + "?" + "q" * 8191)[0] == 414


def test_script_with_api_token_gets_cookies_and_a_chunk(local_stack: dict[str, Any]) -> None:
    alice = next(u for u in local_stack["users"] if u["approved"])
    api = local_stack["issuer_api_url"] + "/api/permissions/s3/"
    status, _headers, body = http(api, headers={"Authorization": f"token {alice['api_token']}"})
    assert status == 200, body
    answer = json.loads(body)
    assert answer["resource"] == local_stack["viewer_public_origin"] + "/*"
    status, _, chunk = http(chunk_url(local_stack), answer["cookies"])
    assert status == 200 and chunk
    bob = next(u for u in local_stack["users"] if not u["approved"])
    status, _, _ = http(api, headers={"Authorization": f"token {bob['api_token']}"})
    assert status == 403
    status, _, _ = http(api, headers={"Authorization": "token not-a-real-key-123"})
    assert status == 401


def test_viewer_bundles_skip_the_edge_and_keep_their_mime_types(
    local_stack: dict[str, Any],
) -> None:
    s3 = aws_client(local_stack, "s3")
    listing = s3.list_objects_v2(Bucket=local_stack["buckets"]["viewer"])
    keys = [item["Key"] for item in listing["Contents"]]
    wasm = next(k for k in keys if k.endswith(".wasm"))
    script = next(k for k in keys if k.endswith(".js"))
    reset_stats(local_stack)
    for key, expected in ((wasm, "application/wasm"), (script, "text/javascript")):
        status, headers, body = http(
            local_stack["viewer_url"] + key, headers={"Sec-Fetch-Dest": "script"}
        )
        assert status == 200 and body
        assert headers["Content-Type"] == expected
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    snapshot = stats(local_stack)
    # /assets/* has no edge function (issue 13, item 1): bundles cost no invocation.
    assert snapshot["edge_invocations"] == 0 and snapshot["data_requests"] == 0
    assert {e["behavior"] for e in snapshot["log"]} == {"/assets/*"}


def test_viewer_page_is_revalidated_on_every_navigation(local_stack: dict[str, Any]) -> None:
    # Without no-cache a browser may reuse index.html from its cache, the navigation never
    # reaches the edge function, and expiring cookies are not refreshed.
    with_cookies = mint(local_stack)
    cookie = "; ".join(f"{k}={v}" for k, v in with_cookies.items())
    status, headers, body = http(
        local_stack["viewer_url"], headers={"Sec-Fetch-Mode": "navigate", "Cookie": cookie}
    )
    assert status == 200 and b"<html" in body.lower()
    assert headers["Cache-Control"] == "no-cache"
