"""Drive the issuer's OAuth2 sign-in against the real local archive (tests/cookie_issuer/).

`auth_event(path, ...)` builds an API Gateway v2 event for a `/_auth/*` request from the login
event; `Person(archive, username)` is a browser signed in to the archive (its user-name form);
`person.authorize(location)` follows the issuer's redirect to `authorize/` and returns the
`code` and `state` the provider sends back to the callback; `sign_in(invoke, person)` runs the
whole round trip and returns the callback's answer with the cookies it set.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from tests.cookie_issuer.support import live_cookie_values, load_event
from tests.local_stack.oauth_client import Browser, archive_info
from tests.local_stack.oauth_client import sign_in as archive_sign_in

Invoke = Callable[[dict[str, Any]], dict[str, Any]]
STATE_COOKIE = "__Host-linc-oauth-state"
SESSION_COOKIE = "__Secure-linc-session"

_LOGIN = load_event("login")


def auth_event(
    path: str,
    query: str = "",
    cookies: Iterable[str] = (),
    method: str = "GET",
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    event = copy.deepcopy(_LOGIN)
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["rawQueryString"] = query
    event["queryStringParameters"] = dict(parse_qsl(query)) or None
    event["cookies"] = list(cookies)
    event["headers"].update(headers or {})
    return event


def cookie_pairs(values: dict[str, str]) -> list[str]:
    return [f"{name}={value}" for name, value in values.items()]


class Person:
    def __init__(self, archive: Any, username: str) -> None:
        client = archive.client
        self.browser = Browser()
        self.info = archive_info(archive.origin, client.client_id, client.redirect_uri)
        status, _, _ = archive_sign_in(self.browser, self.info, username)
        assert status == 302, f"archive sign-in of {username} failed"

    def authorize(self, location: str) -> dict[str, str]:
        status, headers, page = self.browser.get(location)
        assert status == 302, page[:500]
        return dict(parse_qsl(urlsplit(headers["Location"]).query))


def begin(invoke: Invoke, return_path: str = "/") -> tuple[str, str]:
    """The issuer's login: (authorize URL, sealed state cookie value)."""
    result = invoke(auth_event("/_auth/login", urlencode({"return": return_path})))
    assert result["statusCode"] == 302, result
    return result["headers"]["Location"], live_cookie_values(result)[STATE_COOKIE]


def callback(invoke: Invoke, answer: dict[str, str], state_cookie: str | None) -> dict[str, Any]:
    cookies = [f"{STATE_COOKIE}={state_cookie}"] if state_cookie else []
    return invoke(auth_event("/_auth/callback", urlencode(answer), cookies))


def sign_in(invoke: Invoke, person: Person, return_path: str = "/") -> dict[str, Any]:
    location, state = begin(invoke, return_path)
    return callback(invoke, person.authorize(location), state)


def refresh_event(cookies: dict[str, str], headers: dict[str, str] | None = None) -> dict[str, Any]:
    return auth_event(
        "/_auth/refresh",
        cookies=cookie_pairs(cookies),
        method="POST",
        headers={"sec-fetch-site": "same-origin"} if headers is None else headers,
    )


def json_body(result: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(result["body"])
    return body
