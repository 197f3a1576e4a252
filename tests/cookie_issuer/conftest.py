"""Fixtures for the cookie issuer tests (all prefixed `issuer_`).

Real parts only: keys generated at test time, Secrets Manager from moto (`mock_aws`), the
archive's JWKS and `/users/me/` served by real loopback HTTP servers (the local stack's
BackgroundHTTPService) that tests can stop and start, and API Gateway v2 events loaded from
`events/issuer/`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import boto3
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from moto import mock_aws

from cookie_issuer import runtime as runtime_module
from local_stack.http_server import BackgroundHTTPService
from tests.cookie_issuer.support import (
    ARCHIVE_ORIGIN,
    AUDIENCE,
    ISSUER,
    JWT_KID,
    KEY_PAIR_ID,
    SESSION_COOKIE,
    SIGNING_SECRET_ID,
    VIEWER,
    pem,
)


@pytest.fixture(scope="session")
def issuer_signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def issuer_ec_signing_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="session")
def issuer_archive_key() -> rsa.RSAPrivateKey:
    """The archive's JWT signing key (a different key from the CloudFront one)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class LoopbackServer(BackgroundHTTPService):
    """The local stack's background server on 127.0.0.1, answering GETs with `handle` and
    recording each path in `hits`; `stop()` then `start(port=server.port)` simulates an outage."""

    thread_name = "issuer-test-http"
    poll_interval = 0.02  # stop() waits for the serving loop: keep teardown quick

    def __init__(self, handle: Callable[[BaseHTTPRequestHandler], None]) -> None:
        super().__init__()
        self._handle = handle
        self.hits: list[str] = []
        self.start()

    def request_handler(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits.append(self.path)
                outer._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _send_json(handler: BaseHTTPRequestHandler, status: int, body: Any) -> None:
    data = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


@dataclass
class Jwks:
    server: LoopbackServer
    keys: list[dict[str, Any]] = field(default_factory=list)
    #: When set, the JWKS URL answers 200 with this HTML instead (a proxy's or portal's page).
    html: str | None = None

    @property
    def url(self) -> str:
        return self.server.url + "/.well-known/jwks.json"


@pytest.fixture
def issuer_jwks(issuer_archive_key: rsa.RSAPrivateKey) -> Iterator[Jwks]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(issuer_archive_key.public_key()))
    jwk.update({"kid": JWT_KID, "use": "sig", "alg": "RS256"})
    state = Jwks(server=None, keys=[jwk])  # type: ignore[arg-type]

    def handle(h: BaseHTTPRequestHandler) -> None:
        if h.path == "/.well-known/jwks.json" and state.html is not None:
            data = state.html.encode()
            h.send_response(200)
            h.send_header("Content-Type", "text/html")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        elif h.path == "/.well-known/jwks.json":
            _send_json(h, 200, {"keys": state.keys})
        else:
            _send_json(h, 404, {})

    state.server = LoopbackServer(handle)
    yield state
    state.server.stop()


@dataclass
class Archive:
    server: LoopbackServer
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    delay: float = 0.0
    seen_authorization: list[str] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return self.server.url + "/api"


@pytest.fixture
def issuer_archive() -> Iterator[Archive]:
    """A stand-in for the LINC archive API's `/api/users/me/` (DANDI's serializer shape)."""
    state = Archive(server=None)  # type: ignore[arg-type]

    def handle(h: BaseHTTPRequestHandler) -> None:
        if state.delay:
            time.sleep(state.delay)
        auth = h.headers.get("Authorization", "")
        state.seen_authorization.append(auth)
        if h.path != "/api/users/me/":
            _send_json(h, 404, {"detail": "Not found."})
            return
        user = state.users.get(auth.removeprefix("token "))
        if user is None:
            _send_json(h, 401, {"detail": "Invalid token."})
        else:
            _send_json(h, 200, user)

    state.server = LoopbackServer(handle)
    yield state
    state.server.stop()


@pytest.fixture
def issuer_env(
    monkeypatch: pytest.MonkeyPatch, issuer_jwks: Jwks, issuer_archive: Archive
) -> dict[str, str]:
    env = {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_SERVICE_NAME": "cookie-issuer-test",
        "VIEWER_ORIGIN": VIEWER,
        "KEY_PAIR_ID": KEY_PAIR_ID,
        "SIGNING_KEY_SECRET_ID": SIGNING_SECRET_ID,
        "ARCHIVE_LOGIN_URL": "https://archive.example.org/login/",
        "ARCHIVE_LOGOUT_URL": "https://archive.example.org/logout/",
        "ARCHIVE_API_URL": issuer_archive.api_url,
        "JWKS_URL": issuer_jwks.url,
        "JWT_ISSUER": ISSUER,
        "JWT_AUDIENCE": AUDIENCE,
        "SESSION_COOKIE_NAME": SESSION_COOKIE,
        "AUTH_RULE": "status=APPROVED",
        "CORS_ALLOWED_ORIGINS": ARCHIVE_ORIGIN,
    }
    for name in (
        "HASH_ALGORITHM",
        "COOKIE_DOMAIN",
        "COOKIE_PERSISTENT",
        "COOKIE_SECURE",
        "JWT_KEY_SECRET_ID",
        "JWT_ALGORITHMS",
        "COOKIE_TTL_SECONDS",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def issuer_aws(issuer_env: dict[str, str], issuer_signing_key: rsa.RSAPrivateKey) -> Iterator[Any]:
    """moto Secrets Manager holding the CloudFront signing key; a fresh issuer runtime."""
    runtime_module.reset_runtime()
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        client.create_secret(Name=SIGNING_SECRET_ID, SecretString=pem(issuer_signing_key))
        yield client
    runtime_module.reset_runtime()


@pytest.fixture
def issuer_token(issuer_archive_key: rsa.RSAPrivateKey) -> Callable[..., str]:
    """Mint an archive session JWT; keyword overrides replace claims (None removes one)."""

    def make(
        key: Any = None,
        headers: dict[str, Any] | None = None,
        algorithm: str = "RS256",
        **claims: Any,
    ) -> str:
        now = int(time.time())
        payload: dict[str, Any] = {
            "sub": "alice",
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 600,
            "status": "APPROVED",
        }
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        hdr = {"kid": JWT_KID}
        hdr.update(headers or {})
        return jwt.encode(payload, key or issuer_archive_key, algorithm=algorithm, headers=hdr)

    return make


@dataclass
class FakeContext:
    function_name: str = "cookie-issuer"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-2:123456789012:function:cookie-issuer"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def issuer_invoke(issuer_aws: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    from cookie_issuer.app import lambda_handler

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = lambda_handler(event, FakeContext())
        return result

    return invoke
