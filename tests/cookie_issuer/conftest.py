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


# ---------------------------------------------------------------- OAuth2 mode
OAUTH_CLIENT_SECRET_ID = "linc/archive-oauth-client-secret"
SEALING_KEY_SECRET_ID = "linc/cookie-sealing-key"


@dataclass
class OAuthArchive:
    """The real local archive (Django + django-oauth-toolkit) with the issuer registered."""

    archive: Any  # local_stack.archive.process.LocalArchive
    client: Any  # local_stack.archive.accounts.OAuthClient

    @property
    def origin(self) -> str:
        return str(self.archive.origin)

    def set_status(self, username: str, status: str) -> None:
        import subprocess

        subprocess.run([*self.archive.manage, "set_status", username, status], check=True)

    def shell(self, code: str) -> str:
        """Run Python in the archive's Django (its `manage.py shell -c`); returns stdout."""
        import subprocess

        done = subprocess.run(
            [*self.archive.manage, "shell", "-c", code], check=True, capture_output=True, text=True
        )
        return done.stdout


@pytest.fixture(scope="session")
def issuer_oauth_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OAuthArchive]:
    from local_stack.archive.accounts import DemoUser, OAuthClient, demo_users
    from local_stack.archive.process import LocalArchive
    from local_stack.keys import generate_dev_keys

    state = tmp_path_factory.mktemp("oauth-archive")
    users = [
        *demo_users(),
        # Approved until a test rejects her: alice stays approved for every other test.
        DemoUser("carol", "Carol", "Later-Rejected", "carol@example.org", "APPROVED", "c" * 40),
    ]
    archive = LocalArchive(state, users, generate_dev_keys(state / "keys").archive_jwt)
    archive.bind(0)
    archive.spawn()
    client = OAuthClient.new(VIEWER + "/_auth/callback")
    try:
        archive.configure(VIEWER, VIEWER, client)
        yield OAuthArchive(archive, client)
    finally:
        archive.stop()


@pytest.fixture
def issuer_oauth_env(
    issuer_env: dict[str, str],
    issuer_oauth_archive: OAuthArchive,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    origin = issuer_oauth_archive.origin
    env = {
        "AUTH_MODE": "oauth2",
        "OAUTH_PROVIDER_URL": origin + "/oauth/",
        "OAUTH_CLIENT_ID": issuer_oauth_archive.client.client_id,
        "OAUTH_CLIENT_SECRET_ID": OAUTH_CLIENT_SECRET_ID,
        "SEALING_KEY_SECRET_ID": SEALING_KEY_SECRET_ID,
        "ARCHIVE_API_URL": origin + "/api",
        "ARCHIVE_LOGOUT_URL": origin + "/accounts/logout/",
    }
    for name in (
        "JWKS_URL",
        "JWT_ISSUER",
        "JWT_AUDIENCE",
        "SESSION_COOKIE_NAME",
        "OAUTH_REDIRECT_URI",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return {**issuer_env, **env}


@pytest.fixture
def issuer_oauth_invoke(
    issuer_oauth_env: dict[str, str],
    issuer_oauth_archive: OAuthArchive,
    issuer_aws: Any,
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The issuer in OAuth2 mode against the real archive; secrets in moto Secrets Manager."""
    from cookie_issuer.app import lambda_handler
    from cookie_issuer.sealed_cookie import new_key_text

    issuer_aws.create_secret(
        Name=OAUTH_CLIENT_SECRET_ID, SecretString=issuer_oauth_archive.client.client_secret
    )
    issuer_aws.create_secret(Name=SEALING_KEY_SECRET_ID, SecretString=new_key_text())

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = lambda_handler(event, FakeContext())
        return result

    return invoke
