"""The CloudFront cookie set: values (policy, signature, key pair id) and Set-Cookie attributes.

Contract: `mint(...)` builds the custom policy with `edge_auth.cookie_policy.build_custom_policy`
on `<viewer origin>/*`, signs it and returns `MintedCookies` (name -> value, expiry, resource).
`set_cookie_headers(minted, settings)` and `expire_cookie_headers(settings)` return Powertools
`Cookie` objects with the same Path and Domain, so an expiry always replaces what was set:
`Path=/; Secure; HttpOnly; SameSite=Lax`, host-only unless COOKIE_DOMAIN, session cookies unless
COOKIE_PERSISTENT (then Max-Age = TTL). With SHA-1 a stale `CloudFront-Hash-Algorithm` cookie is
expired in the same response, so the edge and CloudFront never see a mixed set.

Every policy carries `DateGreaterThan` = issue time - NOT_BEFORE_SKEW_SECONDS: the mark by which
the edge tells our cookies from the archive's old ones (same shape, no DateGreaterThan, perhaps a
key the key group no longer trusts), which it sends round the login instead of letting a viewer
go black. `legacy_expiry_headers(settings, host_only)` expires the CloudFront cookies on
LEGACY_COOKIE_DOMAINS (the archive's old endpoint set them on the parent domain).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from cookie_issuer.settings import Settings
from edge_auth.cookie_policy import (
    COOKIE_EXPIRES,
    COOKIE_HASH_ALGORITHM,
    COOKIE_KEY_PAIR_ID,
    COOKIE_POLICY,
    COOKIE_SIGNATURE,
    HASH_SHA256,
    build_custom_policy,
    cf_b64encode,
)

#: Every cookie name the issuer ever sets or clears (canned-policy Expires included, so a stale
#: one from an older issuer cannot shadow the custom policy).
ALL_COOKIE_NAMES = (
    COOKIE_POLICY,
    COOKIE_SIGNATURE,
    COOKIE_KEY_PAIR_ID,
    COOKIE_HASH_ALGORITHM,
    COOKIE_EXPIRES,
)

#: DateGreaterThan lies this far before the issue time: CloudFront's clock may lag the issuer's.
NOT_BEFORE_SKEW_SECONDS = 300


@dataclass(frozen=True, slots=True)
class MintedCookies:
    values: dict[str, str]
    expires: int
    resource: str
    key_pair_id: str


def mint(
    *,
    viewer_origin: str,
    now: float,
    ttl_seconds: int,
    key_pair_id: str,
    hash_algorithm: str,
    sign: Callable[[bytes], bytes],
) -> MintedCookies:
    resource = f"{viewer_origin}/*"
    expires = int(now) + ttl_seconds
    not_before = int(now) - NOT_BEFORE_SKEW_SECONDS
    policy = build_custom_policy(resource, expires, date_greater_than=not_before).encode("utf-8")
    values = {
        COOKIE_POLICY: cf_b64encode(policy),
        COOKIE_SIGNATURE: cf_b64encode(sign(policy)),
        COOKIE_KEY_PAIR_ID: key_pair_id,
    }
    if hash_algorithm == HASH_SHA256:
        values[COOKIE_HASH_ALGORITHM] = HASH_SHA256
    return MintedCookies(values=values, expires=expires, resource=resource, key_pair_id=key_pair_id)


def _cookie(settings: Settings, name: str, value: str, max_age: int | None) -> Cookie:
    return Cookie(
        name=name,
        value=value,
        path="/",
        domain=settings.cookie_domain or "",
        secure=settings.cookie_secure,
        http_only=True,
        max_age=max_age,
        same_site=SameSite.LAX_MODE,
    )


def set_cookie_headers(minted: MintedCookies, settings: Settings) -> list[Cookie]:
    max_age = settings.cookie_ttl_seconds if settings.cookie_persistent else None
    cookies = [_cookie(settings, name, value, max_age) for name, value in minted.values.items()]
    stale = [name for name in (COOKIE_HASH_ALGORITHM, COOKIE_EXPIRES) if name not in minted.values]
    return cookies + [_cookie(settings, name, "", 0) for name in stale]


def expire_cookie_headers(settings: Settings) -> list[Cookie]:
    return [_cookie(settings, name, "", 0) for name in ALL_COOKIE_NAMES]


def legacy_expiry_headers(settings: Settings) -> list[Cookie]:
    """Expire every CloudFront cookie on each LEGACY_COOKIE_DOMAINS domain: the archive's old
    endpoint set them on the parent domain, where they sit beside ours (host-only, or on
    COOKIE_DOMAIN) as an ambiguous duplicate set. Host-only leftovers on the viewer host are
    replaced by ours (same name, host and path) and expired by `expire_cookie_headers`."""
    return [
        Cookie(
            name=name,
            value="",
            path="/",
            domain=domain,
            secure=settings.cookie_secure,
            http_only=True,
            max_age=0,
            same_site=SameSite.LAX_MODE,
        )
        for domain in settings.legacy_cookie_domains
        for name in ALL_COOKIE_NAMES
    ]
