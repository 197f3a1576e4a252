"""The policy codec against botocore, and its strictness on malformed input."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from botocore.signers import CloudFrontSigner
from hypothesis import given
from hypothesis import strategies as st

from edge_auth import cookie_policy as cp

BOTOCORE = CloudFrontSigner("K2JCJMDEHXQW5F", lambda message: b"")
RESOURCE = "https://neuroglancer.lincbrain.org/*"
EXPIRY = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
START = datetime(2029, 12, 31, tzinfo=UTC)


@pytest.mark.parametrize(
    ("greater", "ip"),
    [
        (None, None),
        (START, None),
        (None, "192.0.2.10"),
        (None, "192.0.2.0/24"),
        (START, "10.0.0.1"),
    ],
)
def test_custom_policy_bytes_equal_botocore(greater: datetime | None, ip: str | None) -> None:
    ours = cp.build_custom_policy(RESOURCE, EXPIRY, greater, ip)
    theirs = BOTOCORE.build_policy(RESOURCE, EXPIRY, greater, ip)
    assert ours.encode() == theirs.encode()
    assert " " not in ours and "\n" not in ours


@given(
    resource=st.text(min_size=1, max_size=200),
    expiry=st.integers(min_value=1, max_value=2**32 - 1),
)
def test_custom_policy_equals_botocore_for_any_resource(resource: str, expiry: int) -> None:
    when = datetime.fromtimestamp(expiry, tz=UTC)
    assert cp.build_custom_policy(resource, when) == BOTOCORE.build_policy(resource, when)


def test_bare_ipv4_gets_slash_32() -> None:
    policy = json.loads(cp.build_custom_policy(RESOURCE, 2_000_000_000, ip_address="192.0.2.7"))
    assert policy["Statement"][0]["Condition"]["IpAddress"] == {"AWS:SourceIp": "192.0.2.7/32"}


def test_canned_policy_shape() -> None:
    text = cp.build_canned_policy("https://v.example/zarr/a/.zattrs", 2_000_000_000)
    assert text == (
        '{"Statement":[{"Resource":"https://v.example/zarr/a/.zattrs",'
        '"Condition":{"DateLessThan":{"AWS:EpochTime":2000000000}}}]}'
    )


@given(st.binary(max_size=3000))
def test_cf_base64_round_trip(data: bytes) -> None:
    encoded = cp.cf_b64encode(data)
    assert not set(encoded) & set("+=/")
    assert cp.cf_b64decode(encoded) == data if data else True


def test_cf_base64_substitutions() -> None:
    assert cp.cf_b64encode(b"\xfb\xff\xfe") == "-~~-"
    assert cp.cf_b64encode(b"a") == "YQ__"
    assert cp.cf_b64decode("-~~-") == b"\xfb\xff\xfe"


@given(
    resource=st.text(min_size=1, max_size=300),
    not_after=st.integers(min_value=0, max_value=2**32 - 1),
    not_before=st.none() | st.integers(min_value=0, max_value=2**32 - 1),
    ip=st.none() | st.ip_addresses(v=4).map(str),
)
def test_parse_round_trip(
    resource: str, not_after: int, not_before: int | None, ip: str | None
) -> None:
    text = cp.build_custom_policy(resource, not_after, not_before, ip)
    value = cp.cf_b64encode(text.encode())
    if len(value) > cp.MAX_COOKIE_VALUE_BYTES:
        with pytest.raises(cp.PolicyTooLargeError):
            cp.parse_policy_cookie(value)
        return
    policy = cp.parse_policy_cookie(value)
    assert policy == cp.Policy(resource, not_after, not_before, ip + "/32" if ip else None)


def _cookie(obj: object) -> str:
    return cp.cf_b64encode(json.dumps(obj).encode())


def _statement(**condition: object) -> dict[str, object]:
    return {"Statement": [{"Resource": RESOURCE, "Condition": condition}]}


MALFORMED = {
    "not base64": ("not base64!", cp.PolicyEncodingError),
    "empty": ("", cp.PolicyEncodingError),
    "bad padding": ("YQ", cp.PolicyEncodingError),
    "non-canonical trailing bits": ("YR__", cp.PolicyEncodingError),
    "not utf-8": (cp.cf_b64encode(b"\xff\xfe{}"), cp.PolicyEncodingError),
    "not json": (cp.cf_b64encode(b"{Statement:"), cp.PolicySyntaxError),
    "NaN": (cp.cf_b64encode(b'{"Statement":NaN}'), cp.PolicySyntaxError),
    "duplicate key": (
        cp.cf_b64encode(b'{"Statement":[],"Statement":[]}'),
        cp.PolicySyntaxError,
    ),
    "deep nesting": (cp.cf_b64encode(b"[" * 2000 + b"]" * 2000), cp.PolicyError),
    "array": (_cookie([1]), cp.PolicyStructureError),
    "no statement": (_cookie({}), cp.PolicyStructureError),
    "two statements": (
        _cookie({"Statement": _statement(DateLessThan={"AWS:EpochTime": 1})["Statement"] * 2}),
        cp.PolicyStructureError,
    ),
    "zero statements": (_cookie({"Statement": []}), cp.PolicyStructureError),
    "no DateLessThan": (_cookie(_statement()), cp.PolicyStructureError),
    "float epoch": (
        _cookie(_statement(DateLessThan={"AWS:EpochTime": 1.5})),
        cp.PolicyStructureError,
    ),
    "string epoch": (
        _cookie(_statement(DateLessThan={"AWS:EpochTime": "1"})),
        cp.PolicyStructureError,
    ),
    "bool epoch": (
        _cookie(_statement(DateLessThan={"AWS:EpochTime": True})),
        cp.PolicyStructureError,
    ),
    "negative epoch": (
        _cookie(_statement(DateLessThan={"AWS:EpochTime": -1})),
        cp.PolicyStructureError,
    ),
    "huge epoch": (
        _cookie(_statement(DateLessThan={"AWS:EpochTime": 10**30})),
        cp.PolicyStructureError,
    ),
    "unknown condition": (
        _cookie(_statement(DateLessThan={"AWS:EpochTime": 1}, Foo={})),
        cp.PolicyStructureError,
    ),
    "bad ip": (
        _cookie(_statement(DateLessThan={"AWS:EpochTime": 1}, IpAddress={"AWS:SourceIp": "x"})),
        cp.PolicyStructureError,
    ),
    "empty resource": (
        _cookie(
            {"Statement": [{"Resource": "", "Condition": {"DateLessThan": {"AWS:EpochTime": 1}}}]}
        ),
        cp.PolicyStructureError,
    ),
    "oversized": ("A" * (cp.MAX_COOKIE_VALUE_BYTES + 4), cp.PolicyTooLargeError),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_policy_cookies_raise_their_error(name: str) -> None:
    value, error = MALFORMED[name]
    with pytest.raises(error):
        cp.parse_policy_cookie(value)


def test_every_codec_error_is_a_policy_error_and_value_error() -> None:
    for error in (cp.PolicyTooLargeError, cp.PolicyEncodingError, cp.PolicySyntaxError):
        assert issubclass(error, cp.PolicyError) and issubclass(error, ValueError)


@pytest.mark.parametrize("value", ["", "12a", "-1", "1.5", " 1", "99999999999", "٣"])
def test_expires_cookie_rejects(value: str) -> None:
    with pytest.raises(cp.PolicyError):
        cp.parse_expires_cookie(value)


def test_expires_cookie_parses() -> None:
    assert cp.parse_expires_cookie("2000000000") == 2_000_000_000


MATCHES = [
    ("https://v.org/*", "https://v.org/", True),
    ("https://v.org/*", "https://v.org/zarr/a/b/0.0.0", True),
    ("https://v.org/*", "https://v.org", False),
    ("https://v.org/*", "https://V.org/x", False),
    ("https://v.org/zarr/*", "https://v.org/blobs/x", False),
    ("https://v.org/a?c", "https://v.org/abc", True),
    ("https://v.org/a?c", "https://v.org/ac", False),
    ("https://*.org/x", "https://v.w.org/x", True),
    ("*", "anything at all", True),
    ("https://v.org/x", "https://v.org/x", True),
    ("https://v.org/x", "https://v.org/x/", False),
    ("https://v.org/x.*", "https://v.org/xy", False),
    ("https://v.org/[ab]", "https://v.org/a", False),
]


@pytest.mark.parametrize(("pattern", "url", "expected"), MATCHES)
def test_resource_matches_table(pattern: str, url: str, expected: bool) -> None:
    assert cp.resource_matches(pattern, url) is expected


def _reference_match(pattern: str, url: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, url, re.DOTALL) is not None


@given(st.text(alphabet="ab*?", max_size=12), st.text(alphabet="ab*?", max_size=14))
def test_resource_matches_agrees_with_regex_reference(pattern: str, url: str) -> None:
    assert cp.resource_matches(pattern, url) is _reference_match(pattern, url)


def test_resource_matching_is_not_exponential() -> None:
    pattern = "*a" * 50 + "b"
    url = "a" * 3000
    assert cp.resource_matches(pattern, url) is False


def test_allows_time_window_and_margin() -> None:
    policy = cp.Policy(RESOURCE, not_after=1000, not_before=100)
    url = "https://neuroglancer.lincbrain.org/zarr/x"
    assert policy.allows(url, now=500)
    assert not policy.allows(url, now=100)  # DateGreaterThan is strict
    assert not policy.allows(url, now=1000)  # DateLessThan is strict
    assert policy.allows(url, now=899, margin=100)
    assert not policy.allows(url, now=900, margin=100)
    assert not policy.allows("https://elsewhere.org/zarr/x", now=500)


def test_allows_source_ip() -> None:
    policy = cp.Policy(RESOURCE, not_after=1000, source_ip="192.0.2.0/24")
    url = "https://neuroglancer.lincbrain.org/"
    assert policy.allows(url, 1, client_ip="192.0.2.55")
    assert not policy.allows(url, 1, client_ip="198.51.100.1")
    assert not policy.allows(url, 1, client_ip=None)
    assert not policy.allows(url, 1, client_ip="not-an-ip")
