"""Scripts written for the archive's old cookie endpoint keep working after a one-line change.

Such a script (e.g. neuroscales' ngtools) does `session.get(ARCHIVE/api/permissions/s3/)` with
the archive's credentials, checks the JSON, and reads data with the same `requests.Session`,
which sends the cookies the endpoint set. The old endpoint set them on `.lincbrain.org`, so they
reached the viewer domain. Ours answers on the viewer domain itself (CloudFront
`/api/permissions/*` -> the issuer), so its host-only cookies reach the data paths the same
way: the one-line change is the endpoint's URL. Real `requests` against the local stack.
"""

from __future__ import annotations

from typing import Any

import requests

from cookie_issuer.api_routes import LEGACY_MESSAGE
from tests.local_stack.client import chunk_url

PATH = "api/permissions/s3/"


def as_over_https(session: requests.Session) -> None:
    """The issuer's cookies are `Secure`; the viewer is https in production, and a Session sends
    them there. The local stack has no TLS, so the flag is cleared in the jar: the cookies keep
    the host, path and values the response gave them, which is what this test is about."""
    for cookie in session.cookies:
        cookie.secure = False


def _api_key(info: dict[str, Any], approved: bool = True) -> str:
    return str(next(u for u in info["users"] if u["approved"] is approved)["api_token"])


def test_session_gets_cookies_on_the_viewer_domain_and_reads_a_chunk(
    local_stack: dict[str, Any],
) -> None:
    info = local_stack
    with requests.Session() as session:
        session.headers["Authorization"] = f"token {_api_key(info)}"
        assert session.get(chunk_url(info), timeout=30).status_code == 403  # no cookies yet
        answer = session.get(info["viewer_url"] + PATH, timeout=30)  # the one changed line
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["message"] == LEGACY_MESSAGE  # what the old endpoint answered
        for text in answer.raw.headers.getlist("Set-Cookie"):
            assert "Domain=" not in text and "Path=/" in text and "Secure" in text
        as_over_https(session)
        assert {c.name for c in session.cookies} >= {
            "CloudFront-Policy",
            "CloudFront-Signature",
            "CloudFront-Key-Pair-Id",
        }
        chunk = session.get(chunk_url(info), timeout=30)
        assert chunk.status_code == 200 and chunk.content


def test_unapproved_or_unknown_keys_get_no_cookies(local_stack: dict[str, Any]) -> None:
    info = local_stack
    for key, status in ((_api_key(info, approved=False), 403), ("not-a-real-key-123", 401)):
        with requests.Session() as session:
            answer = session.get(
                info["viewer_url"] + PATH, headers={"Authorization": f"token {key}"}, timeout=30
            )
            assert answer.status_code == status
            assert "message" in answer.json()
            assert not [c for c in session.cookies if c.name.startswith("CloudFront-")]
            assert session.get(chunk_url(info), timeout=30).status_code == 403
