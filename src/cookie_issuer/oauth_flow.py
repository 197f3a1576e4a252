"""OAuth2 mode's sign-in steps: start, finish, refresh and sign-out against the archive.

Contract (every function takes the `Runtime`; OAuth2 mode only):
- `start(runtime, return_path)` -> (authorize URL, state cookie): a fresh state and PKCE
  verifier sealed with the return path for STATE_TTL_SECONDS.
- `finish(runtime, event)` -> `SignedIn`: the callback. A provider `error` (e.g. access_denied),
  a missing, foreign, expired or tampered state cookie, or a state that does not match it
  (compared in constant time) raise before anything reaches the archive; then the code is
  exchanged (with the client secret and the verifier) and `/users/me/` asked with the access
  token: 2 archive requests. The caller clears the state cookie whatever happens (single use).
- `refresh(runtime, event)` -> `SignedIn`: the sealed session's refresh token at `token/`
  (the provider rotates it), then `/users/me/` again: 2 archive requests.
- `current_user(runtime, event)` -> user name of a valid sealed session, or None.
- `sign_out(runtime, event)`: revokes the session's refresh and access tokens (best effort).
- `session_cookie_for(runtime, signed_in)`: the new sealed session cookie.
AUTH_RULE is applied to the `/users/me/` answer; refused users raise `NotApprovedError` naming
the account once, after the tokens just obtained for them are revoked (2 more requests, only
then). No token, code, verifier or state is logged or put in a message.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.shared.cookies import Cookie

from cookie_issuer import request
from cookie_issuer.errors import (
    BadRequestError,
    IssuerError,
    MisconfiguredError,
    NotApprovedError,
    UnauthenticatedError,
)
from cookie_issuer.oauth_client import OAuthClient, Tokens, new_pkce, new_state
from cookie_issuer.observability import logger
from cookie_issuer.runtime import Runtime
from cookie_issuer.sealed_cookie import (
    PURPOSE_SESSION,
    PURPOSE_STATE,
    Sealer,
    SealError,
    parse_keys,
)
from cookie_issuer.session import Identity
from cookie_issuer.session_cookies import (
    SESSION_COOKIE,
    SESSION_TTL_SECONDS,
    STATE_COOKIE,
    STATE_TTL_SECONDS,
    session_cookie,
    state_cookie,
    values,
)
from edge_auth.return_path import safe_return_path

_MAX_PARAM_CHARS = 2048


@dataclass(frozen=True, slots=True)
class SignedIn:
    identity: Identity
    tokens: Tokens
    return_path: str


def _client(runtime: Runtime) -> OAuthClient:
    if runtime.oauth is None:
        raise MisconfiguredError("OAuth2 sign-in is not configured.", reason="oauth_off")
    return runtime.oauth


def sealer(runtime: Runtime) -> Sealer:
    oauth = runtime.settings.oauth
    if oauth is None:
        raise MisconfiguredError("OAuth2 sign-in is not configured.", reason="oauth_off")
    try:
        return Sealer(parse_keys(runtime.secrets.text(oauth.sealing_key_secret_id)))
    except SealError:
        raise MisconfiguredError(
            "The issuer's cookie sealing key is not valid.",
            reason="sealing_key_invalid",
            action="An administrator must run `linc-edge-auth oauth seal-key --rotate`.",
        ) from None


def _open(runtime: Runtime, event: request.Event, name: str, purpose: str) -> dict[str, Any]:
    """The first candidate cookie that opens; UnauthenticatedError/BadRequestError otherwise."""
    candidates = values(event, name)
    if not candidates:
        raise SealError("missing")
    box = sealer(runtime)
    now = time.time()
    for value in candidates:
        try:
            data = box.open(purpose, value, now)
        except SealError:
            continue
        if isinstance(data, dict):
            return data
    raise SealError("invalid")


def start(runtime: Runtime, return_path: str) -> tuple[str, Cookie]:
    client = _client(runtime)
    state = new_state()
    verifier, challenge = new_pkce()
    sealed = sealer(runtime).seal(
        PURPOSE_STATE, {"s": state, "v": verifier, "r": return_path}, STATE_TTL_SECONDS, time.time()
    )
    return client.authorize_url(state, challenge), state_cookie(sealed)


def _param(event: request.Event, name: str) -> str | None:
    value = request.query_value(event, name)
    if value is None or not value or len(value) > _MAX_PARAM_CHARS:
        return None
    return value


def identify(runtime: Runtime, access_token: str) -> Identity:
    if runtime.introspector is None:
        raise MisconfiguredError("ARCHIVE_API_URL is not set.", reason="oauth_off")
    claims = runtime.introspector.bearer_identity(access_token)
    username = claims.get("username")
    if not isinstance(username, str) or not username:
        raise UnauthenticatedError(
            "The archive did not say who signed in.",
            reason="identity_missing",
            action="Sign in to the archive again; if it keeps happening, tell the LINC team.",
        )
    if not runtime.settings.auth_rule.allows(claims):
        raise NotApprovedError(
            f"You are signed in to the LINC archive as {username[:150]}, but this account is "
            "not approved for private data yet."
        )
    return Identity(subject=username, claims=claims, source="oauth2")


def _identify_or_revoke(runtime: Runtime, client: OAuthClient, tokens: Tokens) -> Identity:
    """`identify`, revoking the fresh tokens when the user is not approved: the issuer keeps no
    tokens it will not use, so none stay valid at the archive for their 30 days."""
    try:
        return identify(runtime, tokens.access_token)
    except NotApprovedError:
        for token, hint in (
            (tokens.refresh_token, "refresh_token"),
            (tokens.access_token, "access_token"),
        ):
            try:
                client.revoke(token, hint)
            except IssuerError as exc:
                logger.info("not approved: no revocation", extra={"reason": exc.reason})
        raise


def finish(runtime: Runtime, event: request.Event) -> SignedIn:
    client = _client(runtime)
    error = request.query_value(event, "error")
    if error is not None:
        logger.info("callback: provider error", extra={"provider_error": error[:64]})
        if error == "access_denied":
            raise UnauthenticatedError(
                "You did not allow the LINC viewer to use your archive sign-in.",
                reason="consent_denied",
                action="To view private data, sign in again and choose Authorize.",
            )
        raise UnauthenticatedError(
            "The archive refused to sign you in to the viewer.",
            reason="provider_error",
            action="Sign in again; if it keeps happening, tell the LINC team.",
        )
    code, state = _param(event, "code"), _param(event, "state")
    if code is None or state is None:
        raise BadRequestError(
            "The sign-in answer from the archive is incomplete.",
            reason="callback_incomplete",
            action="Open the viewer link again to sign in.",
        )
    try:
        saved = _open(runtime, event, STATE_COOKIE, PURPOSE_STATE)
    except SealError as exc:
        missing = str(exc) == "missing"
        raise BadRequestError(
            "This sign-in was not started in this browser, or it took longer than 10 minutes."
            if missing
            else "This sign-in's saved state is invalid or has expired.",
            reason="state_missing" if missing else "state_invalid",
            action="Open the viewer link again in this browser to sign in (allow cookies for "
            "the viewer).",
        ) from None
    expected = saved.get("s")
    if not isinstance(expected, str) or not hmac.compare_digest(
        expected.encode("ascii", "replace"), state.encode("ascii", "replace")
    ):
        raise BadRequestError(
            "This sign-in answer does not belong to the sign-in this browser started.",
            reason="state_mismatch",
            action="Open the viewer link again to sign in.",
        )
    verifier = saved.get("v")
    if not isinstance(verifier, str):
        raise BadRequestError("This sign-in's saved state is invalid.", reason="state_invalid")
    tokens = client.exchange_code(code, verifier)
    identity = _identify_or_revoke(runtime, client, tokens)
    return_path = saved.get("r")
    return SignedIn(
        identity, tokens, safe_return_path(return_path if isinstance(return_path, str) else None)
    )


def _session(runtime: Runtime, event: request.Event) -> dict[str, Any]:
    try:
        return _open(runtime, event, SESSION_COOKIE, PURPOSE_SESSION)
    except SealError:
        raise UnauthenticatedError(
            "You are not signed in to the viewer (or your sign-in has ended).",
            reason="session_missing",
            action="Sign in again.",
        ) from None


def current_user(runtime: Runtime, event: request.Event) -> str | None:
    try:
        user = _session(runtime, event).get("u")
    except UnauthenticatedError:
        return None
    return user if isinstance(user, str) else None


def refresh(runtime: Runtime, event: request.Event) -> SignedIn:
    client = _client(runtime)
    token = _session(runtime, event).get("r")
    if not isinstance(token, str) or not token:
        raise UnauthenticatedError("Your viewer session is invalid.", reason="session_invalid")
    tokens = client.refresh(token)
    return SignedIn(_identify_or_revoke(runtime, client, tokens), tokens, "/")


def session_cookie_for(runtime: Runtime, signed_in: SignedIn) -> Cookie:
    data = {
        "u": signed_in.identity.subject,
        "r": signed_in.tokens.refresh_token,
        "a": signed_in.tokens.access_token,
    }
    sealed = sealer(runtime).seal(PURPOSE_SESSION, data, SESSION_TTL_SECONDS, time.time())
    return session_cookie(sealed, runtime.settings)


def sign_out(runtime: Runtime, event: request.Event) -> None:
    """Revoke the session's tokens at the archive; any failure is logged by reason and ignored
    (the cookies are expired anyway)."""
    try:
        session = _session(runtime, event)
        client = _client(runtime)
        for key, hint in (("r", "refresh_token"), ("a", "access_token")):
            token = session.get(key)
            if isinstance(token, str) and token and not client.revoke(token, hint):
                logger.info("logout: revocation refused", extra={"token_type": hint})
    except IssuerError as exc:
        logger.info("logout: no revocation", extra={"reason": exc.reason})
