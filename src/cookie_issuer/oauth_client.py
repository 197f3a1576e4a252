"""The issuer as an OAuth2 client of the archive (django-oauth-toolkit): authorize URL, token
exchange, refresh, revocation.

Contract: `OAuthClient(oauth_settings, client_secret)` (`client_secret` a callable reading
Secrets Manager). `authorize_url(state, code_challenge)` builds the authorization-code request
with PKCE S256. `exchange_code(code, verifier)` and `refresh(refresh_token)` POST to `token/`
with HTTP Basic client authentication (RFC 6749 §2.3.1) and return `Tokens`; `revoke(token,
hint)` POSTs to `revoke_token/` and returns whether the provider accepted it. Errors:
`invalid_grant` (code replayed or expired, refresh token revoked or already rotated) raises
`UnauthenticatedError` (reason REFRESH_REJECTED for a refresh token);
`invalid_client` / `unauthorized_client` raise `MisconfiguredError` (the registration does not
match); timeouts, network errors, 5xx and non-JSON answers raise `DependencyUnavailableError`
(`archive_unreachable`). Redirects are never followed, answers are capped, no token, code,
verifier or secret ever reaches a message. `requests` counts HTTP requests sent (benchmark).
`new_pkce()` and `new_state()` make the random values.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote, urlencode

from cookie_issuer.errors import (
    DependencyUnavailableError,
    MisconfiguredError,
    UnauthenticatedError,
)
from cookie_issuer.introspection import MAX_RESPONSE_BYTES, no_redirect_opener
from cookie_issuer.settings import OAuthSettings

TIMEOUT_SECONDS: Final = 3.0
#: The reason of the `UnauthenticatedError` for a refresh token the provider refused.
REFRESH_REJECTED: Final = "refresh_rejected"


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int


def new_state() -> str:
    return secrets.token_urlsafe(32)


def new_pkce() -> tuple[str, str]:
    """(verifier, S256 challenge): 64 unreserved characters, RFC 7636 §4.1-4.2."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _unreachable(message: str) -> DependencyUnavailableError:
    return DependencyUnavailableError(message, reason="archive_unreachable")


class OAuthClient:
    def __init__(
        self,
        settings: OAuthSettings,
        client_secret: Callable[[], str],
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.settings = settings
        self._client_secret = client_secret
        self._timeout = timeout
        self.requests = 0

    def authorize_url(self, state: str, code_challenge: str) -> str:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.settings.client_id,
                "redirect_uri": self.settings.redirect_uri,
                "state": state,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{self.settings.authorize_url}?{query}"

    def _basic(self) -> str:
        # RFC 6749 §2.3.1: form-urlencode id and secret before base64 (DOT decodes them so).
        pair = f"{quote(self.settings.client_id, safe='')}:{quote(self._client_secret(), safe='')}"
        return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")

    def _post(self, url: str, form: dict[str, str]) -> tuple[int, Any]:
        request = urllib.request.Request(  # noqa: S310 - scheme validated in settings
            url,
            data=urlencode(form).encode("ascii"),
            headers={
                "Authorization": self._basic(),
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            method="POST",
        )
        self.requests += 1
        try:
            with no_redirect_opener().open(request, timeout=self._timeout) as response:
                status, body = response.status, response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read(MAX_RESPONSE_BYTES + 1)
            exc.close()
        except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException):
            raise _unreachable("The archive's OAuth2 provider did not answer in time.") from None
        if status >= 500 or len(body) > MAX_RESPONSE_BYTES:
            raise _unreachable(f"The archive's OAuth2 provider answered HTTP {status}.")
        try:
            return status, json.loads(body) if body else {}
        except ValueError:
            raise _unreachable("The archive's OAuth2 provider did not answer JSON.") from None

    def _token(self, form: dict[str, str], rejected: UnauthenticatedError) -> Tokens:
        status, answer = self._post(self.settings.token_url, form)
        error = answer.get("error") if isinstance(answer, dict) else None
        if status == 200 and isinstance(answer, dict):
            access, refresh = answer.get("access_token"), answer.get("refresh_token")
            expires_in = answer.get("expires_in")
            if isinstance(access, str) and access and isinstance(refresh, str) and refresh:
                return Tokens(access, refresh, expires_in if isinstance(expires_in, int) else 0)
            raise _unreachable("The archive's token answer lacks an access or refresh token.")
        if error in ("invalid_client", "unauthorized_client") or status == 401:
            raise MisconfiguredError(
                "The archive does not accept this viewer's OAuth2 client id or secret.",
                reason="oauth_client_rejected",
                action="An administrator must check OAUTH_CLIENT_ID and the client secret "
                "against the archive's Django admin (Applications).",
            )
        if error == "invalid_grant":
            raise rejected
        raise _unreachable(f"The archive's token endpoint refused the request (HTTP {status}).")

    def exchange_code(self, code: str, verifier: str) -> Tokens:
        return self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.settings.redirect_uri,
                "code_verifier": verifier,
            },
            UnauthenticatedError(
                "The archive did not accept this sign-in (the link was already used or has "
                "expired).",
                reason="code_rejected",
                action="Sign in again.",
            ),
        )

    def refresh(self, refresh_token: str) -> Tokens:
        return self._token(
            {"grant_type": "refresh_token", "refresh_token": refresh_token},
            UnauthenticatedError(
                "Your archive sign-in has ended or was revoked.",
                reason=REFRESH_REJECTED,
                action="Sign in again.",
            ),
        )

    def revoke(self, token: str, hint: str) -> bool:
        status, _ = self._post(self.settings.revoke_url, {"token": token, "token_type_hint": hint})
        return status == 200
