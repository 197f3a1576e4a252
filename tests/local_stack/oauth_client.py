"""A small OAuth2 client over real HTTP (stdlib only) for tests of the local archive.

`Browser` keeps cookies and never follows redirects, so each hop can be checked. `sign_in`
fills the archive's user-name form (with its CSRF token) as a person would. `authorize_url`
builds an authorization request; `code_from` reads the redirect back; `token` calls the token
endpoint with the client's credentials (HTTP Basic, as RFC 6749 prefers, or in the form body).
`client_secret(info)` reads the issuer's client secret from local Secrets Manager by the id in
`stack.json`, as the issuer will.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from typing import Any

from tests.local_stack.client import NoRedirect, aws_client, send

Answer = tuple[int, dict[str, str], bytes]


class Browser:
    def __init__(self) -> None:
        self.jar = CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def get(self, url: str, headers: dict[str, str] | None = None) -> Answer:
        return send(urllib.request.Request(url, headers=headers or {}), self._opener)

    def post(self, url: str, form: dict[str, str], headers: dict[str, str] | None = None) -> Answer:
        body = urllib.parse.urlencode(form).encode()
        all_headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        request = urllib.request.Request(url, data=body, headers=all_headers, method="POST")
        return send(request, self._opener)

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)


def hidden_inputs(page: bytes) -> dict[str, str]:
    text = page.decode("utf-8")
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', text)
    return {name: value.replace("&amp;", "&") for name, value in fields}


def sign_in(browser: Browser, info: dict[str, Any], username: str, next_url: str = "") -> Answer:
    """The archive's form, as a person fills it: GET (CSRF cookie + token), then POST."""
    login = info["archive_login_url"]
    status, _, page = browser.get(login + "?" + urllib.parse.urlencode({"next": next_url}))
    assert status == 200, page
    form = hidden_inputs(page)
    form["username"] = username
    return browser.post(login, form, headers={"Referer": login})


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_url(info: dict[str, Any], **params: str) -> str:
    oauth = info["archive_oauth"]
    query = {
        "response_type": "code",
        "client_id": oauth["client_id"],
        "redirect_uri": oauth["redirect_uri"],
        "state": secrets.token_urlsafe(16),
        **params,
    }
    endpoint: str = oauth["authorize_url"]
    return (
        endpoint + "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
    )


def redirect_query(location: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def token(
    info: dict[str, Any],
    form: dict[str, str],
    client_id: str,
    secret: str | None,
    basic: bool = True,
) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    body = dict(form)
    if secret is not None and basic:
        pair = f"{urllib.parse.quote(client_id)}:{urllib.parse.quote(secret)}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    else:
        body["client_id"] = client_id
        if secret is not None:
            body["client_secret"] = secret
    return _json(info["archive_oauth"]["token_url"], body, headers)


def revoke(
    info: dict[str, Any], value: str, hint: str, client_id: str, secret: str
) -> tuple[int, dict[str, Any]]:
    form = {
        "token": value,
        "token_type_hint": hint,
        "client_id": client_id,
        "client_secret": secret,
    }
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return _json(info["archive_oauth"]["revoke_url"], form, headers)


def _json(url: str, form: dict[str, str], headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    status, _, body = send(request)
    return status, (json.loads(body) if body.strip() else {})


def users_me(info: dict[str, Any], authorization: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        info["archive_api_url"] + "/users/me/",
        headers={"Authorization": authorization, "Accept": "application/json"},
    )
    status, _, body = send(request)
    return status, json.loads(body)


def client_secret(info: dict[str, Any]) -> str:
    secrets_manager = aws_client(info, "secretsmanager")
    value = secrets_manager.get_secret_value(SecretId=info["archive_oauth"]["client_secret_id"])
    return str(value["SecretString"])


def archive_info(origin: str, client_id: str, redirect_uri: str) -> dict[str, Any]:
    """The parts of a `stack.json` this client reads, for an archive started on its own."""
    return {
        "archive_url": origin + "/",
        "archive_login_url": origin + "/accounts/login/",
        "archive_api_url": origin + "/api",
        "archive_oauth": {
            "authorize_url": origin + "/oauth/authorize/",
            "token_url": origin + "/oauth/token/",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
        },
    }
