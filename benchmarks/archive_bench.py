"""Local archive (Django + django-oauth-toolkit): start-up cost and the cost of each request.

Start-up: the archive process started STARTS times on its own (`LocalArchive`: Django set-up,
migrations on a fresh SQLite file, seed), then once inside a whole `LocalStack` start, where it
migrates while the stack starts its other parts: `waited` is how long the stack blocked on it.
Requests (median of REQUESTS, loopback, one connection each, as the issuer makes them):
`/api/users/me/` with an API key and with a Bearer access token, the authorization-code
exchange and a refresh at `/oauth/token/`, each against a Django 404 on the same server (URL
routing and middleware, no database work) as the floor.
"""

from __future__ import annotations

import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from tests.local_stack.oauth_client import (
    Browser,
    archive_info,
    authorize_url,
    pkce_pair,
    redirect_query,
    sign_in,
    token,
    users_me,
)

from benchmarks.table import median, print_table, sample_ns
from local_stack.archive.accounts import OAuthClient, demo_users
from local_stack.archive.process import LocalArchive
from local_stack.keys import generate_dev_keys
from local_stack.stack import LocalStack, StackConfig

STARTS: Final = 3
REQUESTS: Final = 30
VIEWER: Final = "http://localhost:9"


def _archive_starts() -> list[dict[str, float]]:
    runs = []
    for _ in range(STARTS):
        with tempfile.TemporaryDirectory() as folder:
            state = Path(folder)
            keys = generate_dev_keys(state / "keys")
            archive = LocalArchive(state, demo_users(), keys.archive_jwt)
            archive.bind(0)
            archive.spawn()
            try:
                client = OAuthClient.new(VIEWER + "/_auth/callback")
                runs.append(archive.configure("https://localhost:9", VIEWER, client))
            finally:
                archive.stop()
    return runs


def _stack_start() -> tuple[float, dict[str, float]]:
    with tempfile.TemporaryDirectory() as folder:
        config = StackConfig(
            viewer_port=0, archive_port=0, issuer_port=0, aws_port=0, state_dir=Path(folder)
        )
        stack = LocalStack(config)
        started = time.perf_counter()
        stack.start()
        elapsed = time.perf_counter() - started
        stack.stop()
    return elapsed, stack.archive_startup


def _median_ms(fn: Callable[[], object]) -> float:
    return median(sample_ns(fn, REQUESTS, warmup=1)) / 1e6


def _not_found(url: str) -> None:
    try:
        urllib.request.urlopen(url, timeout=10).close()
    except urllib.error.HTTPError as exc:
        exc.close()


def _request_costs() -> list[list[object]]:
    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder)
        keys = generate_dev_keys(state / "keys")
        users = demo_users()
        archive = LocalArchive(state, users, keys.archive_jwt)
        archive.bind(0)
        archive.spawn()
        client = OAuthClient.new(VIEWER + "/_auth/callback")
        try:
            archive.configure("https://localhost:9", VIEWER, client)
            return _measure(archive, client, users[0].api_token)
        finally:
            archive.stop()


def _measure(archive: LocalArchive, client: OAuthClient, api_key: str) -> list[list[object]]:
    origin = archive.origin
    info = archive_info(origin, client.client_id, client.redirect_uri)
    browser = Browser()
    sign_in(browser, info, "alice")
    credentials = (client.client_id, client.client_secret)

    def code_and_verifier() -> tuple[str, str]:
        verifier, challenge = pkce_pair()
        url = authorize_url(info, code_challenge=challenge, code_challenge_method="S256")
        location = browser.get(url)[1]["Location"]
        return redirect_query(location)["code"], verifier

    pending = [code_and_verifier() for _ in range(REQUESTS + 1)]
    answers: list[dict[str, Any]] = []

    def exchange() -> None:
        code, verifier = pending.pop()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": client.redirect_uri,
            "code_verifier": verifier,
        }
        status, answer = token(info, form, *credentials)
        assert status == 200, answer
        answers.append(answer)

    floor = _median_ms(lambda: _not_found(origin + "/no-such-page"))
    rows: list[list[object]] = []
    key_ms = _median_ms(lambda: users_me(info, f"token {api_key}"))
    rows.append(["GET /api/users/me/ (token API key)", f"{key_ms:.1f}", f"{key_ms / floor:.1f}"])
    exchange_ms = _median_ms(exchange)
    rows.append(
        ["POST /oauth/token/ (code + PKCE)", f"{exchange_ms:.1f}", f"{exchange_ms / floor:.1f}"]
    )
    bearer = "Bearer " + answers[-1]["access_token"]
    bearer_ms = _median_ms(lambda: users_me(info, bearer))
    rows.append(["GET /api/users/me/ (Bearer)", f"{bearer_ms:.1f}", f"{bearer_ms / floor:.1f}"])
    refresh_tokens = [a["refresh_token"] for a in answers]

    def refresh() -> None:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_tokens.pop()}
        status, answer = token(info, form, *credentials)
        assert status == 200, answer

    refresh_ms = _median_ms(refresh)
    rows.append(["POST /oauth/token/ (refresh)", f"{refresh_ms:.1f}", f"{refresh_ms / floor:.1f}"])
    rows.insert(0, ["GET /no-such-page (Django 404: the floor)", f"{floor:.1f}", "1.0"])
    return rows


def main() -> None:
    runs = _archive_starts()
    stack_seconds, in_stack = _stack_start()

    def alone(key: str) -> str:
        return f"{median([r[key] for r in runs]):.2f}"

    print(f"archive start-up, seconds (median of {STARTS} starts on its own; then in a stack)")
    print_table(
        ["phase", "alone", "in the stack"],
        [
            ["Django set-up (imports, apps)", alone("setup"), f"{in_stack['setup']:.2f}"],
            ["migrate (fresh SQLite)", alone("migrate"), f"{in_stack['migrate']:.2f}"],
            ["seed (users, API keys, client)", alone("seed"), f"{in_stack['seed']:.2f}"],
            ["spawn -> ready", alone("total"), f"{in_stack['total']:.2f}"],
            ["stack blocked waiting for it", "-", f"{in_stack['waited']:.2f}"],
            ["whole stack start", "-", f"{stack_seconds:.2f}"],
        ],
    )
    print()
    print(f"archive requests, ms (median of {REQUESTS}; ratio to the Django 404 floor)")
    print_table(["request", "ms", "ratio"], _request_costs())
