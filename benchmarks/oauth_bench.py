"""OAuth2 mode: issuer time of `/_auth/callback` and `/_auth/refresh` against their floors, and
archive requests per sign-in and per refresh; then what several tabs add: the session check a
tab makes inside the renewal lock, and a refused renewal with a rotated-away session.

The real local archive (Django + django-oauth-toolkit, its own process) on loopback; the issuer
in process through `lambda_handler` with its secrets in moto, at the deployed log level (INFO,
to /dev/null). Codes are prepared ahead (the issuer's login, the provider's authorize), then
ROUNDS callbacks are timed interleaved with the floor, alternating which goes first: the floor
of a callback is what no OAuth2 client can skip, the two HTTP round trips it makes to the
provider (a code exchange at `token/` with another prepared code, `GET /api/users/me/` with a
Bearer token, over the same kind of one-shot urllib connection) plus one signature of a policy
of the same bytes with the same key and hash (the raw mint). A refresh's floor is a refresh
grant at `token/` plus `/users/me/` plus the signature. The issuer's own work on top is state
unsealing, PKCE, JSON, the sealed session cookie, the page, logging and metrics.
"""

from __future__ import annotations

import contextlib
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Final

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from benchmarks.issuer_bench import _time_interleaved, dataclass_context
from benchmarks.table import print_table

ROUNDS: Final = 40
VIEWER: Final = "https://viewer.example.org"


def main() -> None:
    from moto import mock_aws

    from cookie_issuer.sealed_cookie import new_key_text
    from local_stack.archive.accounts import OAuthClient, demo_users
    from local_stack.archive.process import LocalArchive
    from local_stack.keys import generate_dev_keys

    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder)
        archive = LocalArchive(state, demo_users(), generate_dev_keys(state / "keys").archive_jwt)
        archive.bind(0)
        archive.spawn()
        client = OAuthClient.new(VIEWER + "/_auth/callback")
        try:
            archive.configure(VIEWER, VIEWER, client)
            os.environ.update(
                {
                    "AWS_DEFAULT_REGION": "us-east-1",
                    "AWS_ACCESS_KEY_ID": "bench",
                    "AWS_SECRET_ACCESS_KEY": "bench",
                    "POWERTOOLS_LOG_LEVEL": "INFO",
                    "VIEWER_ORIGIN": VIEWER,
                    "KEY_PAIR_ID": "K2JCJMDEHXQW5F",
                    "SIGNING_KEY_SECRET_ID": "bench-signing-key",
                    "AUTH_RULE": "status=APPROVED",
                    "AUTH_MODE": "oauth2",
                    "OAUTH_PROVIDER_URL": archive.origin + "/oauth/",
                    "OAUTH_CLIENT_ID": client.client_id,
                    "OAUTH_CLIENT_SECRET_ID": "bench-client-secret",
                    "SEALING_KEY_SECRET_ID": "bench-sealing-key",
                    "ARCHIVE_API_URL": archive.origin + "/api",
                    "HASH_ALGORITHM": "SHA256",
                }
            )
            with mock_aws():
                import boto3

                signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                pem = signing_key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ).decode()
                sm = boto3.client("secretsmanager")
                sm.create_secret(Name="bench-signing-key", SecretString=pem)
                sm.create_secret(Name="bench-client-secret", SecretString=client.client_secret)
                sm.create_secret(Name="bench-sealing-key", SecretString=new_key_text())
                rows, counts = _measure(archive, client, signing_key)
        finally:
            archive.stop()
    print(
        f"\nOAuth2 mode against the local Django provider ({ROUNDS} rounds each, interleaved "
        "with the floor; ms)"
    )
    print_table(["measure", "p50", "max"], rows)
    print()
    print_table(["archive requests", "per operation", "goal"], counts)


def _measure(archive: Any, client: Any, signing_key: rsa.RSAPrivateKey) -> tuple[list[Any], Any]:
    from tests.cookie_issuer.oauth_support import (
        SESSION_COOKIE,
        Person,
        auth_event,
        begin,
        callback,
        cookie_pairs,
        refresh_event,
    )
    from tests.cookie_issuer.support import live_cookie_values
    from tests.local_stack.oauth_client import pkce_pair, redirect_query, token, users_me

    from cookie_issuer import runtime
    from cookie_issuer.app import lambda_handler
    from cookie_issuer.observability import logger
    from edge_auth.cookie_policy import build_custom_policy

    @dataclass_context
    class Context:
        pass

    context: Any = Context()

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = lambda_handler(event, context)
        return result

    runtime.reset_runtime()
    person = Person(SimpleNamespace(origin=archive.origin, client=client), "alice")
    info = person.info
    credentials = (client.client_id, client.client_secret)

    def issuer_code() -> tuple[dict[str, str], str]:
        location, state_cookie = begin(invoke)
        return person.authorize(location), state_cookie

    def raw_code() -> tuple[str, str]:
        verifier, challenge = pkce_pair()
        params = {"code_challenge": challenge, "code_challenge_method": "S256"}
        url = info["archive_oauth"]["authorize_url"] + "?" + _query(client, params)
        return redirect_query(person.browser.get(url)[1]["Location"])["code"], verifier

    sink = open(os.devnull, "w")  # noqa: SIM115 - closed below
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    stream = handler.setStream(sink)
    try:
        with contextlib.redirect_stdout(sink):
            first = callback(invoke, *issuer_code())  # cold: secrets, key
            assert first["statusCode"] == 200, first["body"]
            settings = runtime.get_runtime().settings
            prepared = [issuer_code() for _ in range(ROUNDS)]
            raw_codes = [raw_code() for _ in range(ROUNDS)]
            policy = build_custom_policy(
                f"{VIEWER}/*", int(time.time()) + settings.cookie_ttl_seconds
            ).encode()
            access: list[str] = []
            refresh_tokens: list[str] = []

            def floor_callback() -> None:
                code, verifier = raw_codes.pop()
                form = {
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": client.redirect_uri,
                    "code_verifier": verifier,
                }
                status, answer = token(info, form, *credentials)
                assert status == 200, answer
                assert users_me(info, "Bearer " + answer["access_token"])[0] == 200
                signing_key.sign(policy, padding.PKCS1v15(), hashes.SHA256())
                access.append(answer["access_token"])
                refresh_tokens.append(answer["refresh_token"])

            cookies: list[dict[str, str]] = []

            def issuer_callback() -> None:
                result = callback(invoke, *prepared.pop())
                assert result["statusCode"] == 200, result["body"]
                cookies.append(live_cookie_values(result))

            live = runtime.get_runtime()
            assert live.oauth is not None and live.introspector is not None
            before = live.oauth.requests + live.introspector.requests
            issuer_ms, floor_ms = _time_interleaved(issuer_callback, floor_callback, ROUNDS)
            per_sign_in = (live.oauth.requests + live.introspector.requests - before) / ROUNDS

            def floor_refresh() -> None:
                form = {"grant_type": "refresh_token", "refresh_token": refresh_tokens.pop()}
                status, answer = token(info, form, *credentials)
                assert status == 200, answer
                assert users_me(info, "Bearer " + answer["access_token"])[0] == 200
                signing_key.sign(policy, padding.PKCS1v15(), hashes.SHA256())

            def issuer_refresh() -> None:
                jar = cookies.pop()
                result = invoke(refresh_event({SESSION_COOKIE: jar[SESSION_COOKIE]}))
                assert result["statusCode"] == 200, result["body"]

            before = live.oauth.requests + live.introspector.requests
            refresh_ms, refresh_floor_ms = _time_interleaved(issuer_refresh, floor_refresh, ROUNDS)
            per_refresh = (live.oauth.requests + live.introspector.requests - before) / ROUNDS

            # Several tabs: inside the Web Lock a tab first reads GET /_auth/session (what each
            # renewal now adds, and all a waiting tab sends when another renewed), and a stray
            # renewal with a rotated-away session is refused without touching any cookie.
            signed = live_cookie_values(first)
            rotated = invoke(refresh_event({SESSION_COOKIE: signed[SESSION_COOKIE]}))
            assert rotated["statusCode"] == 200, rotated["body"]
            check = auth_event("/_auth/session", cookies=cookie_pairs(signed))
            stale = refresh_event({SESSION_COOKIE: signed[SESSION_COOKIE]})

            def issuer_session() -> None:
                assert invoke(check)["statusCode"] == 200

            def issuer_stale_refresh() -> None:
                result = invoke(stale)
                assert result["statusCode"] == 401 and not result.get("cookies"), result

            before = live.oauth.requests + live.introspector.requests
            session_ms, stale_ms = _time_interleaved(issuer_session, issuer_stale_refresh, ROUNDS)
            per_pair = (live.oauth.requests + live.introspector.requests - before) / ROUNDS
    finally:
        handler.setStream(stream)
        sink.close()

    def row(name: str, samples: list[float]) -> list[str]:
        return [name, f"{statistics.median(samples):.1f}", f"{max(samples):.1f}"]

    rows: list[Any] = [
        row("/_auth/callback (issuer, lambda_handler)", issuer_ms),
        row("floor: token/ code exchange + /users/me/ + RSA sign", floor_ms),
        [
            "ratio callback / floor",
            f"{statistics.median(issuer_ms) / statistics.median(floor_ms):.2f}",
            "",
        ],
        row("POST /_auth/refresh (issuer, lambda_handler)", refresh_ms),
        row("floor: token/ refresh + /users/me/ + RSA sign", refresh_floor_ms),
        [
            "ratio refresh / floor",
            f"{statistics.median(refresh_ms) / statistics.median(refresh_floor_ms):.2f}",
            "",
        ],
        row("GET /_auth/session (a tab's check inside the lock)", session_ms),
        row("POST /_auth/refresh, rotated-away session (401, no cookie)", stale_ms),
        [
            "ratio session check / refresh",
            f"{statistics.median(session_ms) / statistics.median(refresh_ms):.2f}",
            "",
        ],
    ]
    counts = [
        ["per sign-in (/_auth/callback)", f"{per_sign_in:g}", "2"],
        ["per refresh (POST /_auth/refresh)", f"{per_refresh:g}", "<= 2"],
        ["per session check + refused refresh", f"{per_pair:g}", "0 + 1"],
    ]
    return rows, counts


def _query(client: Any, extra: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(
        {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": client.redirect_uri,
            "state": "bench",
            **extra,
        }
    )


if __name__ == "__main__":
    main()
