"""Issuer configuration: environment variables read once into one frozen, validated object.

Contract: `load_settings(environ)` returns a `Settings` or raises `SettingsError` naming the
variable and what it expects (e.g. "HASH_ALGORITHM must be SHA1 or SHA256, got 'MD5'"). Every
variable is documented in docs/configuration.md (a test keeps that table in step). Validation is
strict and fails closed: mixing HMAC and asymmetric JWT algorithms, an `AUTH_RULE` that is not
explicit, a CORS wildcard or a plain-http URL to anything but a loopback host are all refused.
`AUTH_MODE` picks how browsers sign in: `oauth2` (the issuer is an OAuth2 client of the archive:
OAUTH_PROVIDER_URL, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET_ID, SEALING_KEY_SECRET_ID and
ARCHIVE_API_URL required; the redirect URI defaults to VIEWER_ORIGIN + /_auth/callback) or `jwt`
(the archive's session JWT cookie and its login page; ARCHIVE_LOGIN_URL required).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from cookie_issuer.auth_rule import AuthRule, RuleSyntaxError, parse_rule
from cookie_issuer.setting_values import (
    SettingsError,
    is_loopback,
    read_bool,
    read_int,
    read_secret_id,
    read_url,
)
from edge_auth.auth_routes import CALLBACK_PATH
from edge_auth.cookie_policy import HASH_ALGORITHMS, HASH_SHA1

__all__ = ["OAuthSettings", "Settings", "SettingsError", "is_loopback", "load_settings"]

ASYMMETRIC_JWT_ALGORITHMS: Final = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
HMAC_JWT_ALGORITHMS: Final = frozenset({"HS256", "HS384", "HS512"})
DEFAULT_JWT_ALGORITHMS: Final = ("RS256", "ES256")
DEFAULT_COOKIE_TTL_SECONDS: Final = 43_200
#: CloudFront cookies longer than a week would outlive any sensible archive session.
MAX_COOKIE_TTL_SECONDS: Final = 7 * 24 * 3600
MIN_COOKIE_TTL_SECONDS: Final = 900
DEFAULT_SECRETS_CACHE_SECONDS: Final = 300
MAX_JWT_LEEWAY_SECONDS: Final = 60
AUTH_MODE_OAUTH2: Final = "oauth2"
AUTH_MODE_JWT: Final = "jwt"
AUTH_MODES: Final = (AUTH_MODE_OAUTH2, AUTH_MODE_JWT)
#: django-oauth-toolkit's generated client ids are 40 characters; allow what RFC 6749 allows.
_CLIENT_ID: Final = re.compile(r"[\x21-\x7e]{1,255}")

_KEY_PAIR_ID: Final = re.compile(r"[A-Za-z0-9]{1,64}")
_HOST: Final = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)
_COOKIE_NAME: Final = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}")
_PARAM_NAME: Final = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_BUCKET: Final = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


@dataclass(frozen=True, slots=True)
class OAuthSettings:
    """The issuer as an OAuth2 client of the archive (django-oauth-toolkit's endpoints)."""

    provider_url: str  # ends with "/": authorize/, token/, revoke_token/ hang below it
    client_id: str
    client_secret_id: str
    sealing_key_secret_id: str
    redirect_uri: str

    @property
    def authorize_url(self) -> str:
        return self.provider_url + "authorize/"

    @property
    def token_url(self) -> str:
        return self.provider_url + "token/"

    @property
    def revoke_url(self) -> str:
        return self.provider_url + "revoke_token/"


@dataclass(frozen=True, slots=True)
class Settings:
    viewer_origin: str | None
    key_pair_id: str
    signing_key_secret_id: str
    hash_algorithm: str
    cookie_ttl_seconds: int
    cookie_domain: str | None
    cookie_persistent: bool
    cookie_secure: bool
    archive_login_url: str
    archive_login_next_param: str
    archive_logout_url: str | None
    archive_api_url: str | None
    jwks_url: str | None
    jwt_key_secret_id: str | None
    jwt_issuer: str | None
    jwt_audience: str | None
    jwt_algorithms: tuple[str, ...]
    jwt_leeway_seconds: int
    session_cookie_name: str | None
    auth_rule: AuthRule
    cors_allowed_origins: frozenset[str]
    secrets_cache_seconds: int
    links_bucket: str | None = None  # short-link states; None turns POST /api/links/ off
    #: Parent domains where the archive's old endpoint set CloudFront cookies (switch-over):
    #: the callback and logout expire them there.
    legacy_cookie_domains: tuple[str, ...] = ()
    auth_mode: str = AUTH_MODE_JWT
    oauth: OAuthSettings | None = None  # set exactly when auth_mode is oauth2

    @property
    def oauth_enabled(self) -> bool:
        return self.oauth is not None

    @property
    def jwt_enabled(self) -> bool:
        return bool(self.jwks_url or self.jwt_key_secret_id)

    @property
    def introspection_enabled(self) -> bool:
        return bool(self.archive_api_url)

    @property
    def jwt_uses_hmac(self) -> bool:
        return any(alg in HMAC_JWT_ALGORITHMS for alg in self.jwt_algorithms)


def _algorithms(env: Mapping[str, str]) -> tuple[str, ...]:
    value = env.get("JWT_ALGORITHMS", "").strip()
    if not value:
        return DEFAULT_JWT_ALGORITHMS
    algorithms = tuple(part.strip() for part in value.split(","))
    known = ASYMMETRIC_JWT_ALGORITHMS | HMAC_JWT_ALGORITHMS
    for alg in algorithms:
        if alg not in known:
            raise SettingsError(
                "JWT_ALGORITHMS", f"lists {alg!r}; allowed: {', '.join(sorted(known))}"
            )
    hmac = [alg for alg in algorithms if alg in HMAC_JWT_ALGORITHMS]
    if hmac and len(hmac) != len(algorithms):
        raise SettingsError(
            "JWT_ALGORITHMS",
            "mixes HMAC (HS*) with asymmetric algorithms; a token signed with HS256 using the "
            "public key would then verify. Use one family.",
        )
    return algorithms


def _origins(env: Mapping[str, str]) -> frozenset[str]:
    value = env.get("CORS_ALLOWED_ORIGINS", "").strip()
    if not value:
        return frozenset()
    origins = set()
    for item in value.split(","):
        item = item.strip()
        if item == "*" or "*" in item:
            raise SettingsError(
                "CORS_ALLOWED_ORIGINS", "must list exact origins; '*' cannot carry credentials"
            )
        origins.add(
            read_url(
                {"CORS_ALLOWED_ORIGINS": item},
                "CORS_ALLOWED_ORIGINS",
                required=True,
                origin_only=True,
            )
        )
    return frozenset(origins)


def _jwt_mode(env: Mapping[str, str], algorithms: tuple[str, ...]) -> tuple[str, str]:
    jwks_url = read_url(env, "JWKS_URL", required=False)
    secret_id = env.get("JWT_KEY_SECRET_ID", "").strip()
    if jwks_url and secret_id:
        raise SettingsError("JWKS_URL", "and JWT_KEY_SECRET_ID are both set; choose one key source")
    hmac = any(alg in HMAC_JWT_ALGORITHMS for alg in algorithms)
    if hmac and jwks_url:
        raise SettingsError("JWT_ALGORITHMS", "HS* needs JWT_KEY_SECRET_ID, not a public JWKS_URL")
    if jwks_url or secret_id:
        for name in ("JWT_ISSUER", "JWT_AUDIENCE"):
            if not env.get(name, "").strip():
                raise SettingsError(name, "is required when JWT verification is on")
    return jwks_url, secret_id


def _bucket(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    if value and not _BUCKET.fullmatch(value):
        raise SettingsError(name, "must be an S3 bucket name (or empty)")
    return value or None


def _legacy_domains(
    env: Mapping[str, str], viewer_origin: str | None, cookie_domain: str | None
) -> tuple[str, ...]:
    name = "LEGACY_COOKIE_DOMAINS"
    domains = []
    for item in env.get(name, "").split(","):
        domain = item.strip().lstrip(".").lower()
        if not domain:
            continue
        host = viewer_origin.split("://", 1)[1].split(":", 1)[0] if viewer_origin else None
        # `Domain=<the host itself>` is a domain cookie too, distinct from a host-only one.
        if not _HOST.fullmatch(domain) or ("." not in domain and domain != host):
            raise SettingsError(name, f"{item.strip()!r} is not a domain like lincbrain.org")
        if domain == cookie_domain:
            raise SettingsError(name, f"{domain} is COOKIE_DOMAIN, where our own cookies live")
        if host and not (host == domain or host.endswith("." + domain)):
            # A browser ignores a Set-Cookie for a domain that is not a parent of the host.
            raise SettingsError(name, f"{domain} is not a parent domain of {host}")
        domains.append(domain)
    return tuple(dict.fromkeys(domains))


def _oauth(env: Mapping[str, str], viewer_origin: str, api_url: str, secure: bool) -> OAuthSettings:
    provider = read_url(env, "OAUTH_PROVIDER_URL", required=True)
    if urlsplit(provider).query:
        raise SettingsError(
            "OAUTH_PROVIDER_URL", "must not have a query (e.g. https://api.lincbrain.org/oauth/)"
        )
    client_id = env.get("OAUTH_CLIENT_ID", "").strip()
    if not _CLIENT_ID.fullmatch(client_id):
        raise SettingsError(
            "OAUTH_CLIENT_ID",
            "is required with AUTH_MODE=oauth2: the Client id of the issuer's "
            "Application in the archive's Django admin",
        )
    redirect_uri = read_url(env, "OAUTH_REDIRECT_URI", required=False)
    if not redirect_uri:
        if not viewer_origin:
            raise SettingsError(
                "OAUTH_REDIRECT_URI",
                "or VIEWER_ORIGIN is required with AUTH_MODE=oauth2 (the "
                "callback URL registered at the archive)",
            )
        redirect_uri = viewer_origin + CALLBACK_PATH
    parts = urlsplit(redirect_uri)
    if parts.path != CALLBACK_PATH or parts.query:
        raise SettingsError(
            "OAUTH_REDIRECT_URI",
            f"must be the viewer's {CALLBACK_PATH}, e.g. https://VIEWER{CALLBACK_PATH}",
        )
    if not api_url:
        raise SettingsError(
            "ARCHIVE_API_URL",
            "is required with AUTH_MODE=oauth2 (the issuer asks its /users/me/ who signed in)",
        )
    if not secure:
        raise SettingsError(
            "COOKIE_SECURE", "must be true with AUTH_MODE=oauth2 (its __Host- cookies need Secure)"
        )
    return OAuthSettings(
        provider_url=provider.rstrip("/") + "/",
        client_id=client_id,
        client_secret_id=read_secret_id(env, "OAUTH_CLIENT_SECRET_ID", "the OAuth2 client secret"),
        sealing_key_secret_id=read_secret_id(
            env, "SEALING_KEY_SECRET_ID", "the cookie sealing key"
        ),
        redirect_uri=redirect_uri,
    )


def load_settings(env: Mapping[str, str]) -> Settings:
    """Read and validate every variable; raises SettingsError for the first bad one."""
    key_pair_id = env.get("KEY_PAIR_ID", "").strip()
    if not _KEY_PAIR_ID.fullmatch(key_pair_id):
        raise SettingsError("KEY_PAIR_ID", "is required: the CloudFront public key id (A-Z, 0-9)")
    signing_secret = env.get("SIGNING_KEY_SECRET_ID", "").strip()
    if not signing_secret:
        raise SettingsError(
            "SIGNING_KEY_SECRET_ID", "is required: the Secrets Manager id of the PEM"
        )
    hash_algorithm = env.get("HASH_ALGORITHM", "").strip().upper() or HASH_SHA1
    if hash_algorithm not in HASH_ALGORITHMS:
        raise SettingsError("HASH_ALGORITHM", f"must be SHA1 or SHA256, got {hash_algorithm!r}")
    cookie_domain = env.get("COOKIE_DOMAIN", "").strip().lstrip(".").lower() or None
    if cookie_domain is not None and (
        not _HOST.fullmatch(cookie_domain) or "." not in cookie_domain
    ):
        raise SettingsError("COOKIE_DOMAIN", "must be a domain like lincbrain.org (or empty)")
    next_param = env.get("ARCHIVE_LOGIN_NEXT_PARAM", "").strip() or "next"
    if not _PARAM_NAME.fullmatch(next_param):
        raise SettingsError("ARCHIVE_LOGIN_NEXT_PARAM", "must be a query parameter name")
    session_cookie = env.get("SESSION_COOKIE_NAME", "").strip() or None
    if session_cookie is not None and not _COOKIE_NAME.fullmatch(session_cookie):
        raise SettingsError("SESSION_COOKIE_NAME", "must be a cookie name (token characters)")
    mode = env.get("AUTH_MODE", "").strip().lower() or AUTH_MODE_JWT
    if mode not in AUTH_MODES:
        raise SettingsError("AUTH_MODE", f"must be oauth2 or jwt, got {mode!r}")
    algorithms = _algorithms(env)
    jwks_url, jwt_secret = _jwt_mode(env, algorithms)
    api_url = read_url(env, "ARCHIVE_API_URL", required=False).rstrip("/")
    if not (jwks_url or jwt_secret or api_url):
        raise SettingsError(
            "ARCHIVE_API_URL",
            "or JWKS_URL or JWT_KEY_SECRET_ID must be set: no way to verify users",
        )
    if session_cookie and not (jwks_url or jwt_secret):
        raise SettingsError(
            "SESSION_COOKIE_NAME", "needs JWT verification (JWKS_URL or JWT_KEY_SECRET_ID)"
        )
    try:
        rule = parse_rule(env.get("AUTH_RULE", "").strip())
    except RuleSyntaxError as exc:
        raise SettingsError("AUTH_RULE", str(exc)) from None
    viewer_origin = read_url(env, "VIEWER_ORIGIN", required=False, origin_only=True)
    cookie_secure = read_bool(env, "COOKIE_SECURE", True)
    oauth = _oauth(env, viewer_origin, api_url, cookie_secure) if mode == AUTH_MODE_OAUTH2 else None
    return Settings(
        viewer_origin=viewer_origin or None,
        key_pair_id=key_pair_id,
        signing_key_secret_id=signing_secret,
        hash_algorithm=hash_algorithm,
        cookie_ttl_seconds=read_int(
            env,
            "COOKIE_TTL_SECONDS",
            DEFAULT_COOKIE_TTL_SECONDS,
            MIN_COOKIE_TTL_SECONDS,
            MAX_COOKIE_TTL_SECONDS,
        ),
        cookie_domain=cookie_domain,
        cookie_persistent=read_bool(env, "COOKIE_PERSISTENT", False),
        cookie_secure=cookie_secure,
        archive_login_url=read_url(env, "ARCHIVE_LOGIN_URL", required=mode == AUTH_MODE_JWT),
        archive_login_next_param=next_param,
        archive_logout_url=read_url(env, "ARCHIVE_LOGOUT_URL", required=False) or None,
        archive_api_url=api_url or None,
        jwks_url=jwks_url or None,
        jwt_key_secret_id=jwt_secret or None,
        jwt_issuer=env.get("JWT_ISSUER", "").strip() or None,
        jwt_audience=env.get("JWT_AUDIENCE", "").strip() or None,
        jwt_algorithms=algorithms,
        jwt_leeway_seconds=read_int(env, "JWT_LEEWAY_SECONDS", 30, 0, MAX_JWT_LEEWAY_SECONDS),
        session_cookie_name=session_cookie,
        auth_rule=rule,
        cors_allowed_origins=_origins(env),
        secrets_cache_seconds=read_int(
            env, "SECRETS_CACHE_SECONDS", DEFAULT_SECRETS_CACHE_SECONDS, 1, 86_400
        ),
        links_bucket=_bucket(env, "LINKS_BUCKET"),
        auth_mode=mode,
        oauth=oauth,
        legacy_cookie_domains=_legacy_domains(env, viewer_origin, cookie_domain),
    )
