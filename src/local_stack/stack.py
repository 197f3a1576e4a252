"""Start and stop the whole local stack; describe it in `.local-stack/stack.json`.

Contract: `LocalStack(config).start()` generates dev keys, starts moto (S3 + Secrets Manager),
seeds the viewer bucket (viewer/dist) and the asset bucket (sample OME-Zarr, NIfTI and
streamlines), stores the signing key as a secret, starts the local archive (a Django process
with the archive's OAuth2 provider: it migrates while the rest starts), the CloudFront emulator
(behaviors from template.yaml) and the issuer API, registers the issuer at the archive as an
OAuth2 client (its secret into local Secrets Manager), configures the in-process issuer with the
environment the template gives IssuerFunction (resolved through `template_model` with the local
parameter values and resource ids: OAuth2 mode by default, its redirect URI the emulator's
plain-http loopback callback, or `https://NAME:PORT` with `viewer_host`; `auth_mode="jwt"`
runs the archive's session JWT instead) plus
`LOCAL_ISSUER_OVERRIDES`, and writes `stack.json` (format: docs/local-stack.md).
`stop()` stops everything. A busy port raises `PortBusyError` naming the option to change.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cookie_issuer.sealed_cookie import new_key_text
from edge_auth.auth_routes import CALLBACK_PATH
from linc_edge_auth.asset_refs import Deployment
from local_stack.archive.accounts import DemoUser, OAuthClient, demo_users
from local_stack.archive.process import LocalArchive
from local_stack.archive.session_jwt import AUDIENCE, SESSION_COOKIE
from local_stack.aws import LocalAws
from local_stack.cloudfront.distribution import Distribution, load_distribution
from local_stack.cloudfront.emulator import CloudFrontEmulator
from local_stack.issuer_api import IssuerApiServer
from local_stack.keys import DevKeys, generate_dev_keys
from local_stack.samples.assets import SampleAssets, sample_objects
from local_stack.samples.link import sample_link
from local_stack.samples.streamlines import (
    SHARDED_PREFIX,
    SampleStreamlines,
    sample_streamlines,
)
from local_stack.viewer_host import ViewerHost
from template_model import ResolvedTemplate, TemplateError, as_string, resolve_template

REPO_ROOT: Final = Path(__file__).resolve().parents[2]
VIEWER_BUCKET: Final = "linc-local-viewer"
ASSET_BUCKET: Final = "linc-local-assets"
SIGNING_SECRET: Final = "linc-local/cloudfront-signing-key"  # noqa: S105 - a secret id
OAUTH_CLIENT_SECRET: Final = "linc-local/archive-oauth-client-secret"  # noqa: S105 - a secret id
SEALING_KEY_SECRET: Final = "linc-local/cookie-sealing-key"  # noqa: S105 - a secret id
AUTH_MODES: Final = ("oauth2", "jwt")
STACK_JSON_VERSION: Final = 1

# Template parameters whose local value breaks the template's constraints on purpose: the
# local archive serves plain http on loopback, the template demands https (the issuer
# accepts http for loopback hosts only).
LOOPBACK_URL_PARAMETERS: Final = (
    "ArchiveLoginUrl",
    "ArchiveLogoutUrl",
    "ArchiveApiUrl",
    "JwksUrl",
    "OAuthProviderUrl",
    "OAuthRedirectUri",
)

# The only issuer variables the local stack sets differently from the template (or beyond it).
# Everything else comes from IssuerFunction's Environment in template.yaml. (Tracing needs no
# override: the Powertools tracer turns itself off outside Lambda, where no X-Ray daemon runs.)
LOCAL_ISSUER_OVERRIDES: Final = {
    # In Lambda the metrics the issuer prints (EMF JSON on stdout) go to CloudWatch; locally they
    # would only print a JSON blob to the terminal after every request.
    "POWERTOOLS_METRICS_DISABLED": "true",
}


class PortBusyError(RuntimeError):
    """A configured port is taken; the message names the option and variable to change."""


@dataclass
class StackConfig:
    viewer_port: int = 8741
    archive_port: int = 8742
    issuer_port: int = 8743
    aws_port: int = 8744
    state_dir: Path = REPO_ROOT / ".local-stack"
    template: Path = REPO_ROOT / "template.yaml"
    viewer_dist: Path = REPO_ROOT / "viewer" / "dist"
    cookie_ttl_seconds: int = 3600
    hash_algorithm: str = "SHA256"
    log_level: str = "WARNING"
    enforce_signed_cookies: bool = True
    #: The template's EdgeRuntime: lambda-edge (Python) or cloudfront-function (JS under Node).
    edge_runtime: str = "lambda-edge"
    #: False registers the issuer without "skip authorization": the archive asks for consent.
    oauth_skip_authorization: bool = True
    #: The issuer's AUTH_MODE: "oauth2" (the archive's OAuth2 provider) or "jwt" (its session JWT).
    auth_mode: str = "oauth2"
    #: Tests only: cookie lifetime below the template minimum (`local_stack.test_lifetimes`).
    test_only_cookie_ttl_seconds: int | None = None
    #: A viewer host name with a parent domain (`viewer_host.ViewerHost`), served over TLS too.
    viewer_host: str | None = None
    viewer_host_port: int = 0
    #: The template's LegacyCookieDomains (switch-over), e.g. "linc.test" with that host.
    legacy_cookie_domains: str = ""


def _check_port(port: int, option: str) -> None:
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            env = "LOCAL_STACK_" + option.strip("-").upper().replace("-", "_")
            raise PortBusyError(
                f"port {port} is already in use: stop what is using it, or pick another one "
                f"with {option} PORT (or {env}=PORT; 0 picks a free port)"
            ) from None


def data_prefixes(distribution: Distribution) -> tuple[str, ...]:
    """The path patterns behind the trusted key group: what `asset_refs.Deployment` serves."""
    return tuple(
        "/" + b.path_pattern.lstrip("/")
        for b in distribution.behaviors
        if b.requires_signed_cookies
        and distribution.origins[b.origin_id].kind == "s3"
        # Our own bucket's guarded paths (short-link states) are not asset data.
        and distribution.origins[b.origin_id].bucket_logical_id != "ViewerBucket"
    )


class LocalStack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.aws = LocalAws()
        self.keys: DevKeys | None = None
        self.users: list[DemoUser] = demo_users()
        self.assets: SampleAssets | None = None
        self.tracts: SampleStreamlines | None = None
        self.archive: LocalArchive | None = None
        self.oauth_client: OAuthClient | None = None
        self.archive_startup: dict[str, float] = {}
        self.emulator: CloudFrontEmulator | None = None
        self.issuer_api: IssuerApiServer | None = None
        self.distribution: Distribution | None = None
        self.description: dict[str, Any] = {}
        self.viewer_host: ViewerHost | None = None

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> dict[str, Any]:
        cfg = self.config
        if not (cfg.viewer_dist / "index.html").is_file():
            raise FileNotFoundError(f"{cfg.viewer_dist}/index.html missing: run viewer/build.sh")
        for port, option in (
            (cfg.viewer_port, "--viewer-port"),
            (cfg.archive_port, "--archive-port"),
            (cfg.issuer_port, "--issuer-port"),
            (cfg.aws_port, "--aws-port"),
        ):
            _check_port(port, option)
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> dict[str, Any]:
        cfg = self.config
        self.keys = keys = generate_dev_keys(cfg.state_dir / "keys")
        if cfg.viewer_host:
            self.viewer_host = ViewerHost(cfg.viewer_host, cfg.viewer_host_port, cfg.state_dir)
            self.viewer_host.reserve()
        # Bind the archive first (the template parameters and the issuer need its URL) and let it
        # migrate its database while the rest starts.
        self.archive = LocalArchive(cfg.state_dir, self.users, keys.archive_jwt)
        self.archive.bind(cfg.archive_port)
        self.archive.spawn()
        self.aws.start(cfg.aws_port)
        for name, value in self.aws.env().items():
            os.environ[name] = value
        self.aws.create_bucket(VIEWER_BUCKET)
        self.aws.create_bucket(ASSET_BUCKET)
        viewer_files = self.aws.upload_directory(VIEWER_BUCKET, cfg.viewer_dist)
        self.assets = assets = sample_objects()
        self.tracts = tracts = sample_streamlines(assets.nifti)
        sharded = sample_streamlines(assets.nifti, prefix=SHARDED_PREFIX, sharded=True)
        self.aws.put_objects(ASSET_BUCKET, {**assets.objects, **tracts.objects, **sharded.objects})
        self.aws.put_secret(SIGNING_SECRET, keys.cloudfront.private_pem)
        archive = self.archive.origin
        self.distribution = load_distribution(self.resolved_template(archive))
        self.emulator = CloudFrontEmulator(
            self.distribution,
            buckets={"ViewerBucket": VIEWER_BUCKET, ASSET_BUCKET: ASSET_BUCKET},
            s3_client=self.aws.client("s3"),
            enforce_signed_cookies=cfg.enforce_signed_cookies,
        )
        self.emulator.start(port=cfg.viewer_port)
        viewer_local = f"http://localhost:{self.emulator.port}"
        viewer_public = f"https://localhost:{self.emulator.port}"
        if self.viewer_host is not None:
            # The browser's viewer is the named host; localhost still serves stats and scripts.
            self.viewer_host.start_with(self.emulator.request_handler())
            viewer_local = viewer_public = self.viewer_host.origin
        deployment = Deployment(viewer_local, ASSET_BUCKET, data_prefixes(self.distribution))
        link = sample_link(deployment, assets, tracts)
        # The redirect URI the browser can follow here: plain http on localhost (no TLS), or
        # https on the named viewer host.
        self.oauth_client = client = OAuthClient.new(
            viewer_local + CALLBACK_PATH, cfg.oauth_skip_authorization
        )
        self.aws.put_secret(OAUTH_CLIENT_SECRET, client.client_secret)
        self.aws.put_secret(SEALING_KEY_SECRET, new_key_text())  # made in memory, never on disk
        self.archive_startup = self.archive.configure(viewer_public, viewer_local, client, link)

        issuer_origin = next(o for o in self.distribution.origins.values() if o.kind == "issuer")
        assert issuer_origin.handler is not None
        os.environ.update(self.issuer_env(self.emulator.port, archive))
        _reset_issuer_runtime()
        if cfg.test_only_cookie_ttl_seconds is not None:
            from local_stack.test_lifetimes import shorten_lifetimes

            shorten_lifetimes(cfg.test_only_cookie_ttl_seconds)
        self.issuer_api = IssuerApiServer(issuer_origin.handler, issuer_origin.routes)
        self.issuer_api.start(port=cfg.issuer_port)

        self.description = self._describe(viewer_local, viewer_public, archive, link, viewer_files)
        self._write_description()
        return self.description

    def stop(self) -> None:
        for server in (self.viewer_host, self.emulator, self.issuer_api, self.archive):
            if server is not None:
                server.stop()
        self.aws.stop()
        path = self.config.state_dir / "stack.json"
        if self.description and path.exists():
            path.unlink()

    # -- configuration ------------------------------------------------------------------
    def template_parameters(self, archive: str) -> dict[str, str]:
        """The local values of the template parameters (the rest keep their Defaults)."""
        assert self.keys is not None
        client = self.oauth_client
        return {
            "AuthMode": self.config.auth_mode,
            "OAuthProviderUrl": f"{archive}/oauth/",
            # Known once the stack has registered the issuer (the distribution needs neither).
            "OAuthClientId": client.client_id if client else "not-registered-yet",
            "OAuthRedirectUri": client.redirect_uri if client else "",
            "AssetBucketName": ASSET_BUCKET,
            # The local stack owns its asset bucket: the template writes its policy, and the
            # emulator follows that policy (missing data under the data prefixes: 404).
            "ManageAssetBucketPolicy": "true",
            "PublicKeyA": self.keys.cloudfront.public_pem,
            "ActiveKey": "A",
            "HashAlgorithm": self.config.hash_algorithm,
            "CookieTtlSeconds": str(self.config.cookie_ttl_seconds),
            "ArchiveLoginUrl": f"{archive}/accounts/login/",
            "ArchiveLogoutUrl": f"{archive}/accounts/logout/",
            "ArchiveApiUrl": f"{archive}/api",
            "JwksUrl": f"{archive}/.well-known/jwks.json",
            "JwtIssuer": archive,
            "JwtAudience": AUDIENCE,
            "SessionCookieName": SESSION_COOKIE,
            "LogLevel": self.config.log_level,
            "EdgeRuntime": self.config.edge_runtime,
            "LegacyCookieDomains": self.config.legacy_cookie_domains,
            **(self.viewer_host.parameters() if self.viewer_host else {}),
        }

    def resource_ids(self, viewer_port: int) -> dict[str, str]:
        """What CloudFormation would know after a deploy, for the resources the issuer names."""
        assert self.keys is not None
        return {
            "Distribution.DomainName": f"localhost:{viewer_port}",  # the emulator's origin
            "PublicKeySlotA": self.keys.cloudfront.key_pair_id,
            "SigningKeySecretA": SIGNING_SECRET,
            "OAuthClientSecret": OAUTH_CLIENT_SECRET,
            "SealingKeySecret": SEALING_KEY_SECRET,
            "ViewerBucket": VIEWER_BUCKET,  # LINKS_BUCKET: short-link states
        }

    def resolved_template(
        self, archive: str, resource_ids: dict[str, str] | None = None
    ) -> ResolvedTemplate:
        return resolve_template(
            self.config.template,
            self.template_parameters(archive),
            # A local ViewerDomain carries its port (`viewer_host`), which the pattern refuses.
            unchecked=(*LOOPBACK_URL_PARAMETERS, *(("ViewerDomain",) if self.viewer_host else ())),
            physical=resource_ids,
        )

    def issuer_env(self, viewer_port: int, archive: str) -> dict[str, str]:
        """IssuerFunction's Environment from the template, then LOCAL_ISSUER_OVERRIDES."""
        template = self.resolved_template(archive, self.resource_ids(viewer_port))
        function = template.resource("IssuerFunction")
        variables = function.get("Properties", {}).get("Environment", {}).get("Variables", {})
        env: dict[str, str] = {}
        for name, value in variables.items():
            try:
                env[name] = as_string(value)
            except ValueError:
                raise TemplateError(
                    f"IssuerFunction variable {name} is {value!r}: a value the local stack "
                    "cannot know (add the resource's id to LocalStack.resource_ids)"
                ) from None
        return {**env, **LOCAL_ISSUER_OVERRIDES}

    def _describe(
        self, viewer: str, public: str, archive: str, link: str, viewer_files: int
    ) -> dict[str, Any]:
        assert self.keys and self.assets and self.tracts and self.emulator and self.issuer_api
        assert self.distribution is not None and self.archive and self.oauth_client
        cloudfront = self.keys.cloudfront
        return {
            "version": STACK_JSON_VERSION,
            "pid": os.getpid(),
            "viewer_url": viewer + "/",
            "viewer_public_origin": public,
            "sample_link": link,
            # On localhost even with a viewer host: scripts and tests resolve no viewer.linc.test.
            "stats_url": f"http://localhost:{self.emulator.port}/_local/stats",
            "archive_url": archive + "/",
            "archive_login_url": archive + "/accounts/login/",
            "archive_logout_url": archive + "/accounts/logout/",
            "archive_jwks_url": archive + "/.well-known/jwks.json",
            "archive_api_url": archive + "/api",
            "auth_mode": self.config.auth_mode,
            "archive_oauth": {
                "authorize_url": archive + "/oauth/authorize/",
                "token_url": archive + "/oauth/token/",
                "revoke_url": archive + "/oauth/revoke_token/",
                "client_id": self.oauth_client.client_id,
                "client_secret_id": OAUTH_CLIENT_SECRET,
                "sealing_key_secret_id": SEALING_KEY_SECRET,
                "redirect_uri": self.oauth_client.redirect_uri,
                "skip_authorization": self.oauth_client.skip_authorization,
            },
            "archive_manage": self.archive.manage,
            "issuer_api_url": f"http://localhost:{self.issuer_api.port}",
            "aws_endpoint_url": self.aws.endpoint,
            "session_cookie_name": SESSION_COOKIE,
            "buckets": {"viewer": VIEWER_BUCKET, "assets": ASSET_BUCKET},
            "viewer_files": viewer_files,
            "edge_runtime": self.config.edge_runtime,
            "assets": {
                "zarr": "/" + self.assets.zarr_prefix,
                "nifti": "/" + self.assets.blob_key,
                "source": self.assets.source,
                "shape_zyx": list(self.assets.shape),
                "streamlines": "/" + self.tracts.prefix,
                "streamlines_count": self.tracts.count,
                "streamlines_segments": list(self.tracts.segments),
                "streamlines_sharded": "/" + SHARDED_PREFIX,
            },
            "data_prefixes": list(data_prefixes(self.distribution)),
            "signing": {
                "key_pair_id": cloudfront.key_pair_id,
                "hash_algorithm": self.config.hash_algorithm,
                "public_key_path": str(cloudfront.public_path),
                "private_key_path": str(cloudfront.private_path),
                "secret_id": SIGNING_SECRET,
            },
            "trusted_key_pair_ids": sorted(self.emulator.verifier.keys),
            "behaviors": [
                {
                    "path_pattern": b.path_pattern,
                    "origin": b.origin_id,
                    "signed_cookies": b.requires_signed_cookies,
                    "viewer_request": b.viewer_request_handler,
                }
                for b in (*self.emulator.distribution.behaviors, self.emulator.distribution.default)
            ],
            "users": [
                {
                    "username": u.username,
                    "name": u.name,
                    "email": u.email,
                    "status": u.status,
                    "approved": u.approved,
                    "api_token": u.api_token,
                }
                for u in self.users
            ],
        }

    def _write_description(self) -> None:
        path = self.config.state_dir / "stack.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds dev API tokens
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self.description, handle, indent=2)
        tmp.replace(path)


def _reset_issuer_runtime() -> None:
    """The issuer reads its environment once; a restarted stack in one process needs a reset."""
    try:
        from cookie_issuer.runtime import reset_runtime
    except ImportError:
        return
    reset_runtime()
