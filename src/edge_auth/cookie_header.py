"""Reading CloudFront signed cookies out of `Cookie` headers (standard library only).

Contract: `cloudfront_cookies(values)` takes every `Cookie` header value of a request (browsers
send one, HTTP/2 proxies may split it into several) and returns the `CloudFront-*` cookies as a
name -> value mapping, or `None` when any CloudFront cookie name appears more than once: two
values for one name (say a stale parent-domain cookie beside a host-only one) make the set
ambiguous, and an ambiguous set is invalid. Names are case-sensitive, as CloudFront treats them.
Other cookies are ignored and never copied.
"""

from __future__ import annotations

from edge_auth.cookie_policy import CLOUDFRONT_COOKIE_NAMES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Final

_PREFIX: Final = "CloudFront-"


def cloudfront_cookies(header_values: Iterable[str]) -> dict[str, str] | None:
    found: dict[str, str] = {}
    for header in header_values:
        if _PREFIX not in header:
            continue
        for pair in header.split(";"):
            name, sep, value = pair.strip().partition("=")
            if not sep or name not in CLOUDFRONT_COOKIE_NAMES:
                continue
            if name in found:
                return None
            found[name] = value.strip()
    return found
