"""Return paths: only same-origin paths survive; everything odd becomes `/`."""

from __future__ import annotations

import pytest

from edge_auth.return_path import MAX_RETURN_PATH_BYTES, return_path_for, safe_return_path

KEPT = [
    "/",
    "/index.html",
    "/?a=1&b=2",
    "/zarr/0a1b2c3d-0000-4000-8000-000000000000/",
    "/viewer/?next=https://elsewhere.example",  # a query may hold anything path-safe
    "/a%20b",
    "/caf%C3%A9",
    "/é",
]

REFUSED = [
    "",
    "index.html",
    "https://evil.example/",
    "//evil.example/",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/%2F%2Fevil.example",
    "/%2f/evil.example",
    "/%252F%252Fevil.example",
    "/%25252F%25252Fevil.example",
    "/%5Cevil.example",
    "/%255Cevil.example",
    "/a\r\nSet-Cookie: x=1",
    "/a%0d%0aSet-Cookie:%20x=1",
    "/a%250d%250a",
    "/a\tb",
    "/a b",
    "/a\x00",
    "/a\x7f",
    "javascript:alert(1)",
    "/_auth/login?return=/",
    "/%5Fauth/callback",
    "/" + "a" * MAX_RETURN_PATH_BYTES,
    "/%2525252525252F",
]


@pytest.mark.parametrize("path", KEPT)
def test_safe_paths_are_kept(path: str) -> None:
    assert safe_return_path(path) == path


@pytest.mark.parametrize("path", REFUSED)
def test_unsafe_paths_become_root(path: str) -> None:
    assert safe_return_path(path) == "/"


@pytest.mark.parametrize("value", [None, 3, b"/x", ["/"]])
def test_non_strings_become_root(value: object) -> None:
    assert safe_return_path(value) == "/"


def test_return_path_for_joins_query() -> None:
    assert return_path_for("/v/", "a=1") == "/v/?a=1"
    assert return_path_for("/v/", "") == "/v/"
    assert return_path_for("//evil", "") == "/"
