"""Sign in for scripts: get, renew and forget the CloudFront cookies of one viewer.

Contract:
- `api_key_from_env()` is `LINC_API_KEY` (the variable the dandi client reads for the LINC
  archive), or None.
- `api_key_or_prompt()` and `issuer_url(flag, viewer_url)` find the key and the issuer the way
  every command does (flag, variable, prompt or the stored cookies' issuer).
- `login(issuer_url, api_key)` asks the issuer (`issuer_client`) and stores the answer
  (`cookie_store`), returning it.
- `current(viewer_url=None)` returns usable cookies: the stored set for `viewer_url` (else
  `LINC_VIEWER_URL`, else the only stored set), renewed through the issuer it came from when
  fewer than `RENEW_MARGIN_SECONDS` are left and an API key is at hand (`api_key` or
  `LINC_API_KEY`). Without a key, a set close
  to expiry is returned with a warning on stderr; an expired or missing set is a `UserError`
  telling the user to run `linc-edge-auth login`.
Nothing here prints a key or a cookie value.
"""

from __future__ import annotations

import getpass
import os
import sys
import time
from typing import Final

from linc_edge_auth import cookie_store, issuer_client
from linc_edge_auth.cookie_store import SignedCookies
from linc_edge_auth.errors import UserError
from linc_edge_auth.issuer_client import ApiKey

API_KEY_ENV: Final = "LINC_API_KEY"
ISSUER_URL_ENV: Final = "LINC_ISSUER_URL"
VIEWER_URL_ENV: Final = "LINC_VIEWER_URL"
# Renew a quarter of an hour ahead: a zarr read started just before expiry still finishes.
RENEW_MARGIN_SECONDS: Final = 15 * 60


def api_key_from_env() -> str | None:
    return os.environ.get(API_KEY_ENV) or None


def api_key_or_prompt() -> ApiKey:
    """LINC_API_KEY, else the key typed at a prompt that does not echo (a terminal only)."""
    if key := api_key_from_env():
        return ApiKey(key, f"the API key in {API_KEY_ENV}")
    if not sys.stdin.isatty():
        raise UserError(f"no API key: set {API_KEY_ENV} (no terminal to ask on)")
    key = getpass.getpass("Archive API key (not shown): ").strip()
    if not key:
        raise UserError("no API key given")
    return ApiKey(key, "the API key you typed")


def issuer_url(flag: str | None, viewer_url: str | None) -> str:
    """--issuer-url, else LINC_ISSUER_URL, else the issuer of the cookies stored for the viewer."""
    if flag:
        return issuer_client.issuer_url_from(flag, "--issuer-url")
    if value := os.environ.get(ISSUER_URL_ENV):
        return issuer_client.issuer_url_from(value, ISSUER_URL_ENV)
    stored = cookie_store.find(viewer_url)
    if stored is not None:
        return stored.issuer_url
    raise UserError(
        f"which issuer? give --issuer-url or set {ISSUER_URL_ENV} (the stack's IssuerApiUrl "
        "output; the LINC team publishes it)"
    )


def login(issuer_url: str, api_key: ApiKey | str) -> SignedCookies:
    cookies = issuer_client.request_cookies(issuer_url, api_key)
    cookie_store.save(cookies)
    return cookies


def _missing(viewer_url: str | None) -> UserError:
    stored = cookie_store.load_all()
    if viewer_url is None and len(stored) > 1:
        return UserError(
            f"cookies for {len(stored)} viewers are stored ({', '.join(stored)}): give "
            f"--viewer-url or set {VIEWER_URL_ENV}"
        )
    where = f"for {cookie_store.origin_of(viewer_url)}" if viewer_url else "stored"
    return UserError(
        f"no cookies {where}: run `linc-edge-auth login` (with {API_KEY_ENV} set, or it asks "
        "for the key)"
    )


def current(
    viewer_url: str | None = None, *, api_key: str | None = None, now: float | None = None
) -> SignedCookies:
    """Cookies to send now, renewed when close to expiry and a key is at hand."""
    viewer_url = viewer_url or os.environ.get(VIEWER_URL_ENV) or None
    found = cookie_store.find(viewer_url)
    if found is None:
        raise _missing(viewer_url)
    moment = time.time() if now is None else now
    left = found.seconds_left(moment)
    if left > RENEW_MARGIN_SECONDS:
        return found
    if api_key:
        return login(found.issuer_url, ApiKey(api_key, "the api_key given"))
    if key := api_key_from_env():
        return login(found.issuer_url, ApiKey(key, f"the API key in {API_KEY_ENV}"))
    if left <= 0:
        raise UserError(
            f"the cookies for {found.viewer_origin} expired: run `linc-edge-auth login` "
            f"(set {API_KEY_ENV} to have scripts renew them on their own)"
        )
    print(
        f"linc-edge-auth: the cookies for {found.viewer_origin} expire in {int(left // 60)} min; "
        f"set {API_KEY_ENV} to renew them on their own, or run `linc-edge-auth login`",
        file=sys.stderr,
    )
    return found
