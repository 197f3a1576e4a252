"""Helpers that drive a running local stack through its stack.json (as any harness would)."""

from __future__ import annotations

import io
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from edge_auth.cookie_policy import build_custom_policy, cf_b64encode


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Every hop is the caller's to check: redirects are answered, never followed."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(NoRedirect())


def send(
    request: urllib.request.Request, opener: urllib.request.OpenerDirector = _OPENER
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body, whatever the status."""
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, dict(exc.headers.items()), exc.read()


def http(
    url: str,
    cookies: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    method: str = "GET",
) -> tuple[int, dict[str, str], bytes]:
    all_headers = dict(headers or {})
    if cookies:
        all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return send(urllib.request.Request(url, headers=all_headers, method=method))


def aws_client(info: dict[str, Any], service: str) -> Any:
    """A boto3 client for the stack's moto server (any credentials)."""
    import boto3

    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=info["aws_endpoint_url"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def stats(info: dict[str, Any]) -> dict[str, Any]:
    status, _, body = http(info["stats_url"])
    assert status == 200
    result: dict[str, Any] = json.loads(body)
    return result


def reset_stats(info: dict[str, Any]) -> None:
    status, _, _ = http(info["stats_url"], method="DELETE")
    assert status == 200


def mint(
    info: dict[str, Any],
    *,
    resource: str | None = None,
    expires_in: int = 3600,
    key_pair_id: str | None = None,
    private_key: rsa.RSAPrivateKey | None = None,
    legacy: bool = False,
) -> dict[str, str]:
    """A custom-policy cookie set signed with the dev key (or `private_key`), SHA256, as our
    issuer mints it; `legacy`: as the archive's old endpoint did (SHA-1, no Hash-Algorithm
    cookie, no DateGreaterThan)."""
    if private_key is None:
        pem = Path(info["signing"]["private_key_path"]).read_bytes()
        loaded = serialization.load_pem_private_key(pem, password=None)
        assert isinstance(loaded, rsa.RSAPrivateKey)
        private_key = loaded
    now = int(time.time())
    policy = build_custom_policy(
        resource or info["viewer_public_origin"] + "/*",
        now + expires_in,
        None if legacy else now - 300,
    ).encode()
    digest: hashes.HashAlgorithm = hashes.SHA1() if legacy else hashes.SHA256()
    signature = private_key.sign(policy, padding.PKCS1v15(), digest)
    values = {
        "CloudFront-Policy": cf_b64encode(policy),
        "CloudFront-Signature": cf_b64encode(signature),
        "CloudFront-Key-Pair-Id": key_pair_id or info["signing"]["key_pair_id"],
    }
    if not legacy:
        values["CloudFront-Hash-Algorithm"] = "SHA256"
    return values


def chunk_url(info: dict[str, Any]) -> str:
    return f"{info['viewer_url'].rstrip('/')}{info['assets']['zarr']}0/0.0.0"


def image_state(info: dict[str, Any], annotations: int = 0) -> dict[str, Any]:
    viewer = info["viewer_url"].rstrip("/")
    layers: list[dict[str, Any]] = [
        {"type": "image", "source": f"zarr2://{viewer}{info['assets']['zarr']}", "name": "brain"}
    ]
    if annotations:
        # Local annotations make the state large (a shared link with many notes).
        points = [
            {
                "point": [i % 25, (i * 7) % 41, (i * 3) % 33],
                "type": "point",
                "id": f"{i:040x}",
                "description": f"note {i}: " + "ü-label " * 4,
            }
            for i in range(annotations)
        ]
        layers.append(
            {
                "type": "annotation",
                "source": "local://annotations",
                "annotations": points,
                "name": "notes",
            }
        )
    return {
        "dimensions": {axis: [0.001, "m"] for axis in ("x", "y", "z")},
        "layers": layers,
        "layout": "xy",
        "crossSectionScale": 0.2,
    }


def link(info: dict[str, Any], state: dict[str, Any]) -> str:
    text = json.dumps(state, separators=(",", ":"), ensure_ascii=False)
    return f"{info['viewer_url']}#!{urllib.parse.quote(text, safe='')}"


def grey_levels(png: bytes, box: tuple[int, int, int, int]) -> int:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L").crop(box)
    return len(set(image.tobytes()))


VIEWER_BEHAVIORS = frozenset({"*", "/assets/*"})  # the viewer's page and its hashed bundles


def data_entries(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        e
        for e in snapshot["log"]
        if e["behavior"] not in VIEWER_BEHAVIORS and not e["behavior"].startswith("/_auth")
    ]
