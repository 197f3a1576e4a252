"""The per-container objects, built once from the environment on first use.

Contract: `get_runtime()` returns the one `Runtime` (settings, secret store, JWT verifier,
introspector, signer, OAuth2 client in OAuth2 mode) of this container, building it on first
call from `os.environ`; a configuration error raises `SettingsError` on every call until fixed
(it is not cached) so the handler can answer 503 "issuer misconfigured: VAR ...".
`reset_runtime()` exists for tests and benchmarks that change the environment.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from cookie_issuer.introspection import ArchiveIntrospector
from cookie_issuer.jwt_verify import JwtVerifier
from cookie_issuer.oauth_client import OAuthClient
from cookie_issuer.secret_store import SecretStore
from cookie_issuer.settings import Settings, load_settings
from cookie_issuer.signing import CachedSigner


@dataclass(frozen=True, slots=True)
class Runtime:
    settings: Settings
    secrets: SecretStore
    jwt: JwtVerifier | None
    introspector: ArchiveIntrospector | None
    signer: CachedSigner
    oauth: OAuthClient | None = None  # OAuth2 mode only


def build_runtime(settings: Settings) -> Runtime:
    secrets = SecretStore(max_age=settings.secrets_cache_seconds)
    signing_secret = settings.signing_key_secret_id
    oauth = settings.oauth
    return Runtime(
        settings=settings,
        secrets=secrets,
        jwt=JwtVerifier(settings, secrets.text) if settings.jwt_enabled else None,
        introspector=(
            ArchiveIntrospector(settings.archive_api_url) if settings.archive_api_url else None
        ),
        signer=CachedSigner(lambda: secrets.text(signing_secret), settings.hash_algorithm),
        oauth=(
            OAuthClient(oauth, lambda: secrets.text(oauth.client_secret_id))
            if oauth is not None
            else None
        ),
    )


_runtime: Runtime | None = None
_lock = threading.Lock()


def get_runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        with _lock:
            if _runtime is None:
                _runtime = build_runtime(load_settings(os.environ))
    return _runtime


def reset_runtime() -> None:
    global _runtime
    with _lock:
        _runtime = None
