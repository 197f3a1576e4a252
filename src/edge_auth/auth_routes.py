"""The issuer's browser routes under `/_auth/`: their paths, query parameters and URL builders.

Contract: the one definition of every `/_auth` path and of the query parameters the login round
trip carries. The edge (the interstitial's login link) and the issuer (routes, redirects, error
links) import it; the issuer may import edge_auth, never the reverse. A new route is one line
here, `NAME_PATH: Final = AUTH_PREFIX + "name"`; `auth_url(path, return_path)` builds its URL.
Return paths given to the builders must already have passed `return_path.safe_return_path`:
the builders percent-encode them (every character but `[A-Za-z0-9_.~-]`), so the URLs need no
further escaping in an HTML attribute. Standard library only, and nothing imported at module
level beyond what the edge's pass-through path already pays for.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

#: Everything under this prefix belongs to the issuer (the edge lets it through unchecked).
AUTH_PREFIX: Final = "/_auth/"
LOGIN_PATH: Final = AUTH_PREFIX + "login"
CALLBACK_PATH: Final = AUTH_PREFIX + "callback"
LOGOUT_PATH: Final = AUTH_PREFIX + "logout"
#: POST: renew the CloudFront cookies while the viewer stays open (JSON, same origin only).
REFRESH_PATH: Final = AUTH_PREFIX + "refresh"
#: GET: who is signed in and until when (JSON).
SESSION_PATH: Final = AUTH_PREFIX + "session"

#: Query parameter: the same-origin path (and query) to open after signing in.
RETURN_PARAM: Final = "return"
#: Query parameter of the callback: how many trips to the archive login this round trip took.
ATTEMPT_PARAM: Final = "attempt"


def auth_url(path: str, return_path: str, attempt: int | None = None) -> str:
    """`path?return=RETURN_PATH[&attempt=N]`, relative to the viewer origin."""
    # Imported here, not at module level: the edge's hot path (valid cookies) never builds a URL,
    # and urllib.parse is a third of the edge function's cold import time.
    from urllib.parse import quote

    url = f"{path}?{RETURN_PARAM}={quote(return_path, safe='')}"
    return url if attempt is None else f"{url}&{ATTEMPT_PARAM}={attempt}"


def login_url(return_path: str) -> str:
    """The issuer's login URL, where the interstitial and "Sign in again" links send the browser."""
    return auth_url(LOGIN_PATH, return_path)


def callback_url(return_path: str, attempt: int | None = None) -> str:
    """The issuer's callback URL: the archive login's `next`, or the login shortcut's target."""
    return auth_url(CALLBACK_PATH, return_path, attempt)
