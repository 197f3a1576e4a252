"""The CloudFront Function decides as the Python handler does: same status, headers, body.

The JS runs under Node in the emulator's function host (CloudFront Functions event in, response
shape checked by `check_function_result`); the Python handler is the reference. Every sample in
events/edge/ and a few thousand generated requests (10,000 with CI=true) go through both. The
two documented differences (docs/edge-runtimes.md) have their own tests below.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge_auth import handler
from edge_auth.cloudfront_function import MAX_CODE_BYTES, function_code, source
from edge_auth.cookie_policy import PolicyError, cf_b64encode, parse_policy_cookie
from edge_auth.pages import bad_request_response
from local_stack.cloudfront.edge_results import check_function_result
from local_stack.cloudfront.function_runtime import (
    FunctionHost,
    FunctionLimitError,
    function_event_from_lambda_edge,
)
from tests.edge_auth.events import EVENTS, HOST, load_event, policy_cookie, with_cookie

EXAMPLES = 10_000 if os.environ.get("CI") == "true" else 2_000
NOW = 1_900_000_000.5
VALID = "CloudFront-Signature=c2ln~_-; CloudFront-Key-Pair-Id=K2JCJMDEHXQW5F"

Decision = tuple[Any, ...]


@pytest.fixture(scope="module")
def host() -> Iterator[FunctionHost]:
    with FunctionHost(function_code()) as running:
        yield running


def python_decision(event: dict[str, Any], now: float) -> Decision:
    try:
        result = handler.decide(event["Records"][0]["cf"]["request"], now)
    except Exception:  # as lambda_handler: never raise at the edge
        result = bad_request_response()
    if "status" not in result:
        return ("pass",)
    headers = {name: items[0]["value"] for name, items in result["headers"].items()}
    return ("response", int(result["status"]), headers, result["body"])


def js_decision(host: FunctionHost, event: dict[str, Any], now: float) -> Decision:
    cf_event = function_event_from_lambda_edge(event)
    result = host.invoke(cf_event, now)
    assert check_function_result(cf_event["request"], result) == []
    if "statusCode" not in result:
        assert result == cf_event["request"]
        return ("pass",)
    headers = {name: field["value"] for name, field in result["headers"].items()}
    return ("response", result["statusCode"], headers, result.get("body", ""))


def test_code_is_built_within_the_quota_from_one_source() -> None:
    code = function_code()
    assert len(code.encode("utf-8")) <= MAX_CODE_BYTES
    assert "{{" not in code.replace("{{login}}", "")
    assert "function handler(event)" in code
    assert "require(" not in code and "process." not in code
    assert "{{interstitial_head}}" in source() and "{{style}}" in source()


def test_every_sample_event_decides_the_same(host: FunctionHost) -> None:
    expected = json.loads((EVENTS / "expected.json").read_text())
    names = sorted(p.stem for p in EVENTS.glob("*.json") if p.stem != "expected")
    assert len(names) >= 7
    for name in names:
        event = load_event(name)
        now = expected.get(name, {}).get("now", time.time())
        py, js = python_decision(event, now), js_decision(host, event, now)
        assert js == py, name
        want = expected[name]["decision"]
        assert (py[0] == "pass") == (want == "pass"), name


def test_interstitial_bytes_and_headers_are_the_pythons(host: FunctionHost) -> None:
    event = load_event("page-load-no-cookies")
    request = event["Records"][0]["cf"]["request"]
    request["uri"], request["querystring"] = "/view", "layout=4panel"
    py, js = python_decision(event, NOW), js_decision(host, event, NOW)
    assert py[1] == 200 and "/_auth/login?return=%2Fview%3Flayout%3D4panel" in py[3]
    assert js == py


# -- generated requests --------------------------------------------------------------------
ASCII = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
path_text = st.text(alphabet=st.sampled_from("/_auth%2F5c0aAz.~!'()*-\\ "), max_size=30)
uris = st.one_of(
    st.just("/"),
    path_text.map(lambda s: "/" + s),
    st.text(alphabet=ASCII, max_size=40).map(lambda s: "/" + s),
    st.text(alphabet=ASCII, max_size=5),
)
query_names = st.lists(st.text(alphabet="abcxyz", min_size=1, max_size=4), unique=True, max_size=3)
queries = st.builds(
    lambda names, values: "&".join(f"{n}={v}" for n, v in zip(names, values, strict=False)),
    query_names,
    st.lists(st.text(alphabet=st.sampled_from("az09%2F!*() "), max_size=8), min_size=3, max_size=3),
)
json_texts = st.one_of(
    st.sampled_from(
        [
            '{"Statement":[{"Resource":"https://' + HOST + '/*","Condition":{"DateLessThan":'
            '{"AWS:EpochTime":2000000000}}}]}',
            '{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":2000000000.0}}}]}',
            '{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":2e9}}}]}',
            '{"Statement":[],"Statement":[{"Condition":{"DateLessThan":'
            '{"AWS:EpochTime":2000000000}}}]}',
            '{"Statement":[{"Resource":null,"Condition":{"DateLessThan":'
            '{"AWS:EpochTime":2000000000}}}]}',
            '{"Statement":[{"Resource":"https://' + HOST + '/v?ew*","Condition":{"DateLessThan":'
            '{"AWS:EpochTime":2000000000},"DateGreaterThan":{"AWS:EpochTime":1800000000}}}]}',
            '{"Statement":[{"Resource":"x\\u00e9:","Condition":{"DateLessThan":'
            '{"AWS:EpochTime":2000000000}}}]} ',
            '{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":true}}}]}',
        ]
    ),
    st.text(max_size=40),
)
policy_values = st.one_of(
    st.integers(0, 2**33).map(policy_cookie),
    st.builds(
        lambda r, t: policy_cookie(t, r),
        st.sampled_from([f"https://{HOST}/*", f"https://{HOST}/v*", "https://*/a?c*", "*", ""]),
        st.integers(1_899_999_000, 1_900_002_000),
    ),
    json_texts.map(lambda t: cf_b64encode(t.encode("utf-8", "surrogatepass"))),
    st.text(alphabet="AZaz09-_~=+/", max_size=30),
)
cookie_pairs = st.one_of(
    st.builds(lambda v: f"CloudFront-Policy={v}", policy_values),
    st.builds(lambda v: f"CloudFront-Expires={v}", st.integers(0, 2**33).map(str) | st.text()),
    st.sampled_from(
        [
            VALID,
            "CloudFront-Signature=",
            "CloudFront-Key-Pair-Id=K 1",
            "CloudFront-Hash-Algorithm=SHA256",
            "CloudFront-Hash-Algorithm=MD5",
            "CloudFront-Policy =x",
            "session=abc",
        ]
    ),
    st.text(max_size=20),
)
cookie_headers = st.one_of(
    st.builds(lambda v: f"CloudFront-Policy={v}; {VALID}", policy_values),
    st.lists(cookie_pairs, max_size=5).map("; ".join),
)
header_values = st.one_of(
    st.sampled_from(
        [
            "navigate",
            "document",
            "no-cors",
            "text/html",
            "TEXT/HTML ;q=0.0",
            "application/xhtml+xml;q=0.",
            "*/*",
            "text/html;q=0",
            "\x1ctext/html\x85",
            "\ufefftext/html",
        ]
    ),
    st.text(max_size=30),
)
hosts = st.one_of(
    st.just(HOST), st.sampled_from([HOST, "a:443", "b:", "x_y", ""]), st.text(max_size=8)
)
navigation = {"sec-fetch-mode": ["navigate"]}


def _event(
    uri: str, method: str, qs: str, host: str, named: dict[str, list[str]], cookies: list[str]
) -> dict[str, Any]:
    headers: dict[str, list[dict[str, str]]] = {"host": [{"key": "Host", "value": host}]}
    for name, values in named.items():
        headers[name] = [{"key": name, "value": v} for v in values]
    event = load_event("page-load-no-cookies")
    request = event["Records"][0]["cf"]["request"]
    request.update(uri=uri, method=method, querystring=qs, headers=headers)
    return with_cookie(event, *cookies) if cookies else event


generated = st.builds(
    _event,
    uris,
    st.sampled_from(["GET", "HEAD", "POST"]),
    queries,
    hosts,
    st.one_of(
        st.just(navigation),
        st.dictionaries(
            st.sampled_from(["accept", "sec-fetch-mode", "sec-fetch-dest", "user-agent"]),
            st.lists(header_values, min_size=1, max_size=2),
            max_size=3,
        ),
    ),
    st.lists(cookie_headers, min_size=1, max_size=2) | st.just([]),
)


def _policy_has_address(event: dict[str, Any]) -> bool:
    for entry in event["Records"][0]["cf"]["request"]["headers"].get("cookie", []):
        for pair in entry["value"].split(";"):
            name, _, value = pair.strip().partition("=")
            if name == "CloudFront-Policy":
                try:
                    return parse_policy_cookie(value.strip()).source_ip is not None
                except PolicyError:
                    pass
    return False


@settings(max_examples=EXAMPLES, suppress_health_check=list(HealthCheck))
@given(event=generated, now=st.sampled_from([NOW, 1_899_999_399.0, 1_900_001_000.25]))
def test_generated_requests_decide_the_same(
    host: FunctionHost, event: dict[str, Any], now: float
) -> None:
    if _policy_has_address(event):
        return  # the documented IpAddress difference, tested below
    assert js_decision(host, event, now) == python_decision(event, now)


# -- documented differences ---------------------------------------------------------------
def test_difference_an_address_bound_policy_is_never_valid_in_the_function(
    host: FunctionHost,
) -> None:
    cookie = policy_cookie(2_000_000_000, ip_address="203.0.113.178")
    event = with_cookie(load_event("page-load-no-cookies"), f"CloudFront-Policy={cookie}; {VALID}")
    assert python_decision(event, NOW) == ("pass",)
    js = js_decision(host, event, NOW)
    assert js[0] == "response" and js[1] == 200  # the interstitial: fail closed, no loop risk


def test_difference_the_return_query_is_rebuilt_from_the_parsed_object(
    host: FunctionHost,
) -> None:
    event = load_event("page-load-no-cookies")
    event["Records"][0]["cf"]["request"]["querystring"] = "a&b=1&a=2"
    py, js = python_decision(event, NOW), js_decision(host, event, NOW)
    assert "return=%2F%3Fa%26b%3D1%26a%3D2" in py[3]
    assert "return=%2F%3Fa%3D%26a%3D2%26b%3D1" in js[3]
    assert py[:3] == js[:3]


# -- limits the emulator enforces -----------------------------------------------------------
def test_host_refuses_code_over_the_quota() -> None:
    with pytest.raises(FunctionLimitError):
        FunctionHost("function handler(e) { return e.request; }\n" + "//" * MAX_CODE_BYTES)


def test_result_checks_flag_what_cloudfront_refuses() -> None:
    request = {"method": "GET", "uri": "/", "headers": {}, "cookies": {}}
    assert check_function_result(request, {"statusCode": "200"})
    assert check_function_result(request, {"statusCode": 200, "bodyEncoding": "text"})
    assert check_function_result(request, {"statusCode": 200, "headers": {"Via": {"value": "x"}}})
    assert check_function_result(request, {"statusCode": 200, "body": "x" * 41_000})
    assert check_function_result(
        request, {"statusCode": 200, "body": {"data": "", "encoding": "gz"}}
    )
    assert check_function_result(request, dict(request, method="POST"))
    assert check_function_result(request, {"statusCode": 302, "headers": {}}) == []


# -- corpora: every branch decided the same, deterministically --------------------------------
def _epoch(n: str) -> str:
    return '{"AWS:EpochTime":' + n + "}"


def _statement(condition: str, before: str = "") -> str:
    return '{"Statement":[{' + before + '"Condition":{' + condition + "}}]}"


LT = '"DateLessThan":' + _epoch("2000000000")
POLICY_JSON = [
    _statement(LT),
    _statement('"DateLessThan":' + _epoch("2000000000.0")),
    _statement('"DateLessThan":' + _epoch("2e9")),
    _statement('"DateLessThan":' + _epoch("2E9")),
    _statement('"DateLessThan":' + _epoch("-0")),
    _statement('"DateLessThan":' + _epoch("4294967296")),
    _statement('"DateLessThan":' + _epoch("NaN")),
    _statement('"DateLessThan":' + _epoch('"2000000000"')),
    _statement('"DateLessThan":' + _epoch("1900000599")),
    _statement('"DateLessThan":' + _epoch("1900000601")),
    _statement('"DateLessThan":{"AWS:EpochTime":1,"AWS:EpochTime":2000000000}'),
    '{"Statement":[],' + _statement(LT)[1:],
    _statement(LT, '"Resource":null,'),
    _statement(LT, '"Resource":"",'),
    _statement(LT, '"Resource":"https://' + HOST + '/?",'),
    _statement(LT, '"Resource":"https://*.org/*",'),
    _statement(LT, '"Resource":"https://' + HOST + '/\\ud83d*",'),
    _statement(LT + ',"DateGreaterThan":' + _epoch("1900000000")),
    _statement(LT + ',"DateGreaterThan":' + _epoch("1800000000")),
    _statement(LT + ',"Extra":{}'),
    _statement(LT)[:-1] + ',"x":1}',
    " \n" + _statement(LT) + "\t",
    _statement(LT) + " x",
    '{"Statement":{"Condition":{' + LT + "}}}",
    '["Statement"]',
]


@pytest.mark.parametrize("text", POLICY_JSON)
def test_policy_corpus_decides_the_same(host: FunctionHost, text: str) -> None:
    cookie = cf_b64encode(text.encode("utf-8", "surrogatepass"))
    event = with_cookie(load_event("page-load-no-cookies"), f"CloudFront-Policy={cookie}; {VALID}")
    assert js_decision(host, event, NOW) == python_decision(event, NOW)


RETURN_PATHS = [
    "/",
    "/view",
    "/_auth",
    "/_auth/login",
    "/_auth/",
    "/_authx",
    "//evil.example",
    "/%2F%2Fevil",
    "/%252F%252Fevil",
    "/%25252F%25252Fevil",
    "/%2525252F",
    "/%252541",
    "/%25252541",
    "/%5Cevil",
    "/a\\b",
    "/%0Aheader",
    "/%7F",
    "/%20space",
    "/%C3%A9t%C3%A9",
    "/%FF%FE",
    "/%C0%AF",
    "/%%41",
    "/%zz",
    "/!*'()~._-",
    "/%5F%61uth/x",
    "/%2F_auth/x",
    "/" + "a" * 2047,
    "/" + "a" * 2048,
]


@pytest.mark.parametrize("uri", RETURN_PATHS)
def test_return_path_corpus_decides_the_same(host: FunctionHost, uri: str) -> None:
    event = load_event("page-load-no-cookies")
    event["Records"][0]["cf"]["request"]["uri"] = uri
    assert js_decision(host, event, NOW) == python_decision(event, NOW)
