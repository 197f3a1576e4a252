"""Archive API token introspection: `Authorization: token KEY` checked against `/users/me/`.

Contract: `ArchiveIntrospector.identity(api_key)` calls `GET {ARCHIVE_API_URL}/users/me/` with
`Authorization: token KEY` (timeout INTROSPECTION_TIMEOUT_SECONDS, redirects refused so the key is
never replayed to another host, answer capped at MAX_RESPONSE_BYTES) and returns the JSON object
(LINC/DANDI: `username`, `name`, `admin`, `status` in INCOMPLETE/PENDING/APPROVED/REJECTED).
401/403 raise `UnauthenticatedError`; timeouts, network errors, 5xx and non-JSON answers raise
`DependencyUnavailableError` (reason `archive_unreachable`). Successful answers are cached for at
most POSITIVE_CACHE_SECONDS keyed by SHA-256 of the key (the key itself is never stored, logged
or put in a message); failures are never cached, so service resumes with the archive.
`bearer_identity(access_token)` asks the same with `Authorization: Bearer` (an OAuth2 access
token, OAuth2 mode), uncached; a 401/403 there raises `UnauthenticatedError` (reason
`access_token_rejected`).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Final

from cookie_issuer.errors import DependencyUnavailableError, UnauthenticatedError

INTROSPECTION_TIMEOUT_SECONDS: Final = 3.0
POSITIVE_CACHE_SECONDS: Final = 60.0
MAX_CACHE_ENTRIES: Final = 1024
MAX_RESPONSE_BYTES: Final = 65_536


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER: Final = urllib.request.build_opener(_NoRedirect())


def no_redirect_opener() -> urllib.request.OpenerDirector:
    """The opener of every archive call: a redirect would replay credentials to another URL."""
    return _OPENER


def _unreachable(message: str) -> DependencyUnavailableError:
    return DependencyUnavailableError(message, reason="archive_unreachable")


class ArchiveIntrospector:
    def __init__(
        self,
        api_url: str,
        timeout: float = INTROSPECTION_TIMEOUT_SECONDS,
        cache_seconds: float = POSITIVE_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = api_url.rstrip("/") + "/users/me/"
        self._timeout = min(timeout, INTROSPECTION_TIMEOUT_SECONDS)
        self._cache_seconds = min(cache_seconds, POSITIVE_CACHE_SECONDS)
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()
        self.requests = 0

    def _cached(self, digest: str) -> dict[str, Any] | None:
        with self._lock:
            entry = self._cache.get(digest)
            if entry is None:
                return None
            if entry[0] <= self._clock():
                del self._cache[digest]
                return None
            return entry[1]

    def _remember(self, digest: str, identity: dict[str, Any]) -> None:
        with self._lock:
            self._cache[digest] = (self._clock() + self._cache_seconds, identity)
            self._cache.move_to_end(digest)
            while len(self._cache) > MAX_CACHE_ENTRIES:
                self._cache.popitem(last=False)

    def _fetch(self, api_key: str, scheme: str = "token") -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - scheme validated in settings
            self._url,
            headers={"Authorization": f"{scheme} {api_key}", "Accept": "application/json"},
        )
        self.requests += 1
        try:
            with _OPENER.open(request, timeout=self._timeout) as response:
                body = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code in (401, 403) and scheme == "Bearer":
                raise UnauthenticatedError(
                    "The archive no longer accepts this sign-in.",
                    reason="access_token_rejected",
                    action="Sign in again.",
                ) from None
            if exc.code in (401, 403):
                raise UnauthenticatedError(
                    "The archive did not accept this API key.",
                    reason="api_key_rejected",
                    action="Copy a current API key from your LINC archive account page.",
                ) from None
            raise _unreachable(f"The archive answered HTTP {exc.code} to /users/me/.") from None
        except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException):
            raise _unreachable("The archive did not answer in time.") from None
        if len(body) > MAX_RESPONSE_BYTES:
            raise _unreachable("The archive's /users/me/ answer is too large.")
        try:
            identity = json.loads(body)
        except ValueError:
            raise _unreachable("The archive's /users/me/ answer is not JSON.") from None
        if not isinstance(identity, dict):
            raise _unreachable("The archive's /users/me/ answer is not a JSON object.")
        return identity

    def bearer_identity(self, access_token: str) -> dict[str, Any]:
        """`/users/me/` with `Authorization: Bearer`, never cached: sign-in and refresh re-check."""
        return self._fetch(access_token, scheme="Bearer")

    def identity(self, api_key: str) -> dict[str, Any]:
        digest = hashlib.sha256(api_key.encode("utf-8")).hexdigest()
        cached = self._cached(digest)
        if cached is not None:
            return cached
        identity = self._fetch(api_key)
        self._remember(digest, identity)
        return identity
