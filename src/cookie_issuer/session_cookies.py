"""The issuer's own cookies in OAuth2 mode: the login state and the sealed session.

Contract: STATE_COOKIE (`__Host-` name: Secure, host-only, Path=/; HttpOnly, SameSite=Lax,
Max-Age 10 minutes) carries the sealed state, PKCE verifier and return path of one login.
SESSION_COOKIE (`__Secure-` name, Path=/_auth/ so only the issuer ever sees it; HttpOnly,
SameSite=Lax) carries the sealed user name and OAuth2 tokens. `state_cookie`, `session_cookie`
build them, `expire_state`/`expire_session` clear them, `expire_everything(settings)` clears
these and every CloudFront cookie. `values(event, name)` reads at most MAX_VALUES candidates
of one name from the request (a browser may send duplicates). Values are sealed elsewhere
(`sealed_cookie`); this module never logs them.
"""

from __future__ import annotations

from typing import Final

from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from cookie_issuer import request
from cookie_issuer.cookies import expire_cookie_headers
from cookie_issuer.settings import Settings
from edge_auth.auth_routes import AUTH_PREFIX

STATE_COOKIE: Final = "__Host-linc-oauth-state"
SESSION_COOKIE: Final = "__Secure-linc-session"
STATE_TTL_SECONDS: Final = 600
#: The provider's refresh tokens last 30 days (django-oauth-toolkit as LINC configures it).
SESSION_TTL_SECONDS: Final = 30 * 24 * 3600
MAX_VALUES: Final = 3


def _cookie(name: str, value: str, path: str, max_age: int | None) -> Cookie:
    return Cookie(
        name=name,
        value=value,
        path=path,
        secure=True,
        http_only=True,
        max_age=max_age,
        same_site=SameSite.LAX_MODE,
    )


def state_cookie(sealed: str) -> Cookie:
    return _cookie(STATE_COOKIE, sealed, "/", STATE_TTL_SECONDS)


def session_cookie(sealed: str, settings: Settings) -> Cookie:
    # Like the CloudFront cookies: a browser-session cookie unless COOKIE_PERSISTENT.
    max_age = SESSION_TTL_SECONDS if settings.cookie_persistent else None
    return _cookie(SESSION_COOKIE, sealed, AUTH_PREFIX, max_age)


def expire_state() -> Cookie:
    return _cookie(STATE_COOKIE, "", "/", 0)


def expire_session() -> Cookie:
    return _cookie(SESSION_COOKIE, "", AUTH_PREFIX, 0)


def expire_everything(settings: Settings) -> list[Cookie]:
    return [*expire_cookie_headers(settings), expire_state(), expire_session()]


def values(event: request.Event, name: str) -> list[str]:
    return request.cookie_values(event, name)[:MAX_VALUES]
