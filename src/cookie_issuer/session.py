"""Who is asking: credentials of a request, verified, then checked against AUTH_RULE.

Contract: `find_credentials(...)` reads, in order, the `Authorization` header (`Bearer JWT` or
`token KEY`; anything else is a 400 with the accepted forms) and, when allowed, the archive's
session cookie SESSION_COOKIE_NAME (from the v2 `cookies` list and any `Cookie` header). It returns
None when there are none. `authenticate(credentials, runtime)` verifies them (JWT or archive
introspection), raising `UnauthenticatedError` / `DependencyUnavailableError`, and raises
`NotApprovedError` when the identity does not satisfy AUTH_RULE. No credential value ever reaches
an exception message or a log line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from cookie_issuer.errors import BadRequestError, NotApprovedError, UnauthenticatedError
from cookie_issuer.request import named_cookie_values
from cookie_issuer.runtime import Runtime

MAX_AUTHORIZATION_BYTES: Final = 10_240
#: A browser may hold a host-only and a parent-domain cookie of one name: try a few, no more.
MAX_SESSION_COOKIES: Final = 3
AUTH_FORMS: Final = (
    "Send `Authorization: Bearer <archive JWT>` or `Authorization: token <API key>`."
)
_API_KEY: Final = re.compile(r"[A-Za-z0-9._-]{8,256}")


@dataclass(frozen=True, slots=True)
class Credentials:
    kind: str  # "bearer" | "token" | "cookie"
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Identity:
    subject: str
    claims: Mapping[str, Any]
    source: str


def _authorization(value: str) -> Credentials:
    if len(value) > MAX_AUTHORIZATION_BYTES:
        raise BadRequestError(
            "The Authorization header is too large.",
            reason="header_too_large",
            action=AUTH_FORMS,
        )
    scheme, _, credential = value.strip().partition(" ")
    credential = credential.strip()
    kind = {"bearer": "bearer", "token": "token"}.get(scheme.lower())
    if kind is None or not credential or " " in credential:
        raise BadRequestError(
            "The Authorization header is not `Bearer <JWT>` or `token <API key>`.",
            reason="authorization_malformed",
            action=AUTH_FORMS,
        )
    return Credentials(kind=kind, values=(credential,))


def find_credentials(
    headers: Mapping[str, str],
    cookies: Iterable[str],
    session_cookie_name: str | None,
    *,
    allow_cookie: bool = True,
) -> Credentials | None:
    authorization = headers.get("authorization")
    if authorization is not None:
        return _authorization(authorization)
    if not allow_cookie or not session_cookie_name:
        return None
    cookie_strings = list(cookies)
    if "cookie" in headers:
        cookie_strings.append(headers["cookie"])
    values = named_cookie_values(cookie_strings, session_cookie_name)
    if not values:
        return None
    return Credentials(kind="cookie", values=tuple(values[:MAX_SESSION_COOKIES]))


def _verify(credentials: Credentials, runtime: Runtime) -> Identity:
    if credentials.kind == "token":
        if runtime.introspector is None:
            raise UnauthenticatedError(
                "This issuer does not accept archive API keys.",
                reason="api_key_not_accepted",
                action="Send `Authorization: Bearer <archive JWT>` instead.",
            )
        api_key = credentials.values[0]
        if not _API_KEY.fullmatch(api_key):
            raise BadRequestError(
                "The API key in the Authorization header is malformed.",
                reason="authorization_malformed",
                action="Copy the API key from your LINC archive account page.",
            )
        identity = runtime.introspector.identity(api_key)
        subject = identity.get("username")
        return Identity(
            subject=subject if isinstance(subject, str) else "", claims=identity, source="api-key"
        )
    if runtime.jwt is None:
        raise UnauthenticatedError(
            "This issuer does not accept JWT sessions.",
            reason="jwt_not_accepted",
            action="Send `Authorization: token <API key>` instead.",
        )
    last_error: UnauthenticatedError | None = None
    for token in credentials.values:
        try:
            claims = runtime.jwt.verify(token)
        except UnauthenticatedError as exc:
            last_error = exc
            continue
        return Identity(subject=claims["sub"], claims=claims, source=credentials.kind)
    assert last_error is not None
    raise last_error


def authenticate(credentials: Credentials, runtime: Runtime) -> Identity:
    identity = _verify(credentials, runtime)
    if not runtime.settings.auth_rule.allows(identity.claims):
        account = f" as {identity.subject[:100]}" if identity.subject else ""
        raise NotApprovedError(
            f"You are signed in to the LINC archive{account}, but this account is not approved "
            "for private data."
        )
    return identity
