"""The edge and the archive's old cookies: a set our issuer did not mint, or a mixed set, never
passes a page load (it would give a black viewer when CloudFront refuses its key); it gets the
interstitial, whose login round trip replaces it. Ours alone pass."""

from __future__ import annotations

from typing import Any

import pytest

from edge_auth import handler
from tests.edge_auth.events import legacy_policy_cookie, policy_cookie, with_cookie

NOW = 1_800_000_000
THIRTY_DAYS = 30 * 86_400
OURS = (
    f"CloudFront-Policy={policy_cookie(NOW + 43_200)}; CloudFront-Signature=b3Vycw__; "
    "CloudFront-Key-Pair-Id=KOURS1234; CloudFront-Hash-Algorithm=SHA256"
)
LEGACY = (
    f"CloudFront-Policy={legacy_policy_cookie(NOW + THIRTY_DAYS)}; "
    "CloudFront-Signature=b2xk; CloudFront-Key-Pair-Id=KARCHIVE1"
)
LEGACY_EXPIRED = (
    f"CloudFront-Policy={legacy_policy_cookie(NOW - 60)}; "
    "CloudFront-Signature=b2xk; CloudFront-Key-Pair-Id=KARCHIVE1"
)


def decide(event: dict[str, Any], *cookie_headers: str) -> str:
    request = with_cookie(event, *cookie_headers)["Records"][0]["cf"]["request"]
    result = handler.decide(request, NOW)
    if result is request:
        return "pass"
    assert result["status"] == "200" and "/_auth/login?return=" in result["body"]
    return "interstitial"


def test_ours_alone_pass(nav_event: dict[str, Any]) -> None:
    assert decide(nav_event, OURS) == "pass"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param((LEGACY,), id="legacy-valid"),
        pytest.param((LEGACY_EXPIRED,), id="legacy-expired"),
        pytest.param((LEGACY + "; " + OURS,), id="legacy-then-ours-one-header"),
        pytest.param((OURS + "; " + LEGACY,), id="ours-then-legacy-one-header"),
        pytest.param((OURS, LEGACY), id="two-headers"),
        pytest.param((OURS, LEGACY_EXPIRED), id="ours-and-expired-legacy"),
    ],
)
def test_legacy_or_mixed_sets_go_round_the_login(
    nav_event: dict[str, Any], headers: tuple[str, ...]
) -> None:
    assert decide(nav_event, *headers) == "interstitial"


def test_legacy_set_with_a_hash_algorithm_cookie_is_still_legacy(nav_event: dict[str, Any]) -> None:
    # The mark is the policy's DateGreaterThan, not the other cookies around it.
    assert decide(nav_event, LEGACY + "; CloudFront-Hash-Algorithm=SHA256") == "interstitial"
