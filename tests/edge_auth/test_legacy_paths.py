"""The archive's old viewer path redirects to `/` before any cookie check (legacy_paths)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from edge_auth import handler
from edge_auth.legacy_paths import LEGACY_VIEWER_PATHS
from local_stack.cloudfront.edge_results import check_viewer_request_result
from tests.edge_auth.events import policy_cookie, with_cookie

FAR = 4102444800


def request_for(event: dict[str, Any], uri: str, query: str = "", method: str = "GET") -> Any:
    event = copy.deepcopy(event)
    request = event["Records"][0]["cf"]["request"]
    request.update(uri=uri, querystring=query, method=method)
    return event


def answer(event: dict[str, Any]) -> dict[str, Any]:
    original = copy.deepcopy(event["Records"][0]["cf"]["request"])
    result = handler.lambda_handler(event, None)
    assert check_viewer_request_result(original, result) == []
    return result


@pytest.mark.parametrize("path", sorted(LEGACY_VIEWER_PATHS))
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_old_viewer_path_redirects_to_root(
    nav_event: dict[str, Any], path: str, method: str
) -> None:
    result = answer(request_for(nav_event, path, method=method))
    assert result["status"] == "302"
    assert result["headers"]["location"] == [{"key": "Location", "value": "/"}]
    assert "#" not in result["headers"]["location"][0]["value"]
    assert result["headers"]["cache-control"][0]["value"] == "no-store"


def test_redirect_comes_before_the_cookie_check(nav_event: dict[str, Any]) -> None:
    # Valid cookies or none: the old path itself is never served (the new viewer bucket lacks it).
    with_cookies = with_cookie(
        request_for(nav_event, "/cloudfront/frontend/index.html"),
        f"CloudFront-Policy={policy_cookie(FAR)}; CloudFront-Signature=c2ln; "
        "CloudFront-Key-Pair-Id=K2JCJMDEHXQW5F",
    )
    assert answer(with_cookies)["status"] == "302"


@pytest.mark.parametrize("query", ["json_url=https%3A%2F%2Fx%2Fs.json", "a=\r\nSet-Cookie:x=y"])
def test_query_never_reaches_the_location(nav_event: dict[str, Any], query: str) -> None:
    result = answer(request_for(nav_event, "/cloudfront/frontend/index.html", query))
    assert result["headers"]["location"][0]["value"] == "/"
    assert set(result["headers"]) == {"location", "cache-control"}


@pytest.mark.parametrize(
    ("uri", "method"),
    [
        ("/cloudfront/frontend/index.html", "POST"),
        ("/cloudfront/frontend/other.js", "GET"),
        ("/cloudfront/frontend/index.htm", "GET"),
        ("/index.html", "GET"),
    ],
)
def test_other_requests_are_not_redirected(
    nav_event: dict[str, Any], uri: str, method: str
) -> None:
    result = answer(request_for(nav_event, uri, method=method))
    assert result.get("status") != "302"
