"""Where the browser goes after login: the one definition of a safe return path.

Contract: `safe_return_path(candidate)` returns `candidate` when it is a same-origin path (exactly
one leading `/`, at most MAX_RETURN_PATH_BYTES, no backslash, no control or space characters, and
the same holds for every percent-decoded form of it, so `/%2F%2Fevil` and `/%252F%252Fevil` are
refused), and `/` otherwise. Paths under the issuer's own prefix become `/` too, so a return can
never point back into the login round trip. The edge (building the interstitial) and the issuer
(`/_auth/login`, `/_auth/callback`) both use it. The sessionStorage keys below are the other
names the two sides share: the interstitial script writes them, the callback script reads them.
"""

from __future__ import annotations

from edge_auth.auth_routes import AUTH_PREFIX

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

#: sessionStorage key holding the saved `location.hash` during the login round trip.
SESSION_STORAGE_KEY: Final = "linc-edge-auth:fragment"
#: sessionStorage key of the interstitial's recent-attempt timestamps (loop breaker).
ATTEMPTS_STORAGE_KEY: Final = "linc-edge-auth:attempts"
MAX_RETURN_PATH_BYTES: Final = 2048
DEFAULT_RETURN_PATH: Final = "/"
#: How many percent-decoding rounds are inspected; deeper nesting is refused outright.
_DECODE_ROUNDS: Final = 3


def _is_plain_path(value: str, *, decoded: bool) -> bool:
    if not value.startswith("/") or value.startswith("//"):
        return False
    # A raw path has no spaces at all; a decoded one may (`%20`) but never control characters.
    lowest = 0x20 if decoded else 0x21
    return not any(ch == "\\" or ord(ch) < lowest or ord(ch) == 0x7F for ch in value)


def safe_return_path(candidate: object) -> str:
    """`candidate` if it is a safe same-origin path, else DEFAULT_RETURN_PATH."""
    if not isinstance(candidate, str) or not candidate:
        return DEFAULT_RETURN_PATH
    try:
        size = len(candidate.encode("utf-8"))
    except UnicodeEncodeError:
        return DEFAULT_RETURN_PATH
    if size > MAX_RETURN_PATH_BYTES:
        return DEFAULT_RETURN_PATH
    # Imported here, not at module level: the edge's hot path (valid cookies) never needs it,
    # and urllib.parse is a third of the edge function's cold import time.
    from urllib.parse import unquote

    value = candidate
    for round_ in range(_DECODE_ROUNDS + 1):
        if (
            not _is_plain_path(value, decoded=round_ > 0)
            or value.startswith(AUTH_PREFIX)
            or value == AUTH_PREFIX[:-1]
        ):
            return DEFAULT_RETURN_PATH
        decoded = unquote(value)
        if decoded == value:
            return candidate
        value = decoded
    # Still changing after several rounds: nobody needs that much encoding in a viewer link.
    return DEFAULT_RETURN_PATH


def return_path_for(uri: str, querystring: str) -> str:
    """The return path of a request as CloudFront presents it (`uri`, query without `?`)."""
    path = f"{uri}?{querystring}" if querystring else uri
    return safe_return_path(path)
