"""Property: whatever CloudFront hands the edge function, it answers with a valid object.

In CI (CI=true) hypothesis generates at least 10,000 events; locally 1,000 keep `make test` quick.
"""

from __future__ import annotations

import copy
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge_auth import handler
from edge_auth.legacy_paths import LEGACY_VIEWER_PATHS, VIEWER_ROOT
from local_stack.cloudfront.edge_results import check_viewer_request_result
from tests.edge_auth.events import policy_cookie

EXAMPLES = 10_000 if os.environ.get("CI") == "true" else 1_000

NAMES = [
    "CloudFront-Policy",
    "CloudFront-Signature",
    "CloudFront-Key-Pair-Id",
    "CloudFront-Expires",
    "CloudFront-Hash-Algorithm",
    "cloudfront-policy",
    "session",
    "",
]
cookie_values = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["SHA256", "SHA1", "K2JCJMDEHXQW5F", "c2ln", "1700000000", "4102444800"]),
    st.integers(min_value=0, max_value=2**33).map(lambda t: policy_cookie(t)),
    st.builds(lambda r, t: policy_cookie(t, r), st.text(max_size=40), st.integers(0, 2**32 - 1)),
)
cookie_pair = st.builds(
    lambda n, v: f"{n}={v}", st.sampled_from(NAMES) | st.text(max_size=10), cookie_values
)
cookie_header = st.lists(cookie_pair, max_size=6).map("; ".join) | st.text(max_size=200)

header_value = st.text(max_size=80) | st.sampled_from(
    ["navigate", "document", "no-cors", "script", "text/html", "*/*", "text/html;q=0"]
)
header_names = st.sampled_from(
    ["host", "accept", "sec-fetch-mode", "sec-fetch-dest", "cookie", "user-agent", "X-Odd"]
)
headers = st.dictionaries(
    header_names,
    st.lists(
        st.fixed_dictionaries({"key": st.text(max_size=10), "value": header_value}), max_size=3
    ),
    max_size=6,
)


def _request(
    uri: str, method: str, qs: str, hdrs: dict[str, Any], cookies: list[str]
) -> dict[str, Any]:
    hdrs = dict(hdrs)
    if cookies:
        hdrs["cookie"] = [{"key": "Cookie", "value": c} for c in cookies]
    return {
        "clientIp": "203.0.113.9",
        "uri": uri,
        "method": method,
        "querystring": qs,
        "headers": hdrs,
    }


requests = st.builds(
    _request,
    st.one_of(
        st.just("/"),
        st.sampled_from(sorted(LEGACY_VIEWER_PATHS)),
        st.text(max_size=60).map(lambda s: "/" + s),
        st.text(max_size=20),
    ),
    st.sampled_from(["GET", "HEAD", "POST", "OPTIONS", ""]),
    st.text(max_size=60),
    headers,
    st.lists(cookie_header, max_size=3),
)
events = st.one_of(
    requests.map(lambda r: {"Records": [{"cf": {"config": {}, "request": r}}]}),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=8), children, max_size=3)
        ),
        max_leaves=10,
    ),
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(events)
def test_any_event_gets_a_valid_cloudfront_object(event: Any) -> None:
    original = copy.deepcopy(event)
    result = handler.lambda_handler(event, None)
    request = (
        original["Records"][0]["cf"]["request"]
        if isinstance(original, dict)
        and isinstance(original.get("Records"), list)
        and original["Records"]
        and isinstance(original["Records"][0], dict)
        and isinstance(original["Records"][0].get("cf"), dict)
        and isinstance(original["Records"][0]["cf"].get("request"), dict)
        else {}
    )
    if "status" in result:
        assert check_viewer_request_result(request, result) == []
        if request.get("uri") in LEGACY_VIEWER_PATHS and result["status"] == "302":
            # The archive's old viewer path goes to the root; the browser keeps the fragment.
            assert result["headers"]["location"] == [{"key": "Location", "value": VIEWER_ROOT}]
        else:
            assert result["status"] in ("200", "400")
    else:
        # Pass-through hands CloudFront back exactly what it sent (read-only headers included).
        assert result == request
