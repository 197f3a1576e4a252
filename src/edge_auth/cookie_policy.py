"""The one CloudFront signed-cookie policy codec (standard library only).

Contract:
- `build_custom_policy` returns the canonical, whitespace-free policy JSON CloudFront signs; for the
  same inputs its bytes equal `botocore.signers.CloudFrontSigner.build_policy` (condition order
  DateLessThan, IpAddress, DateGreaterThan, as botocore writes it; CloudFront does not care about
  key order, only that the signature covers the exact bytes sent).
- `build_canned_policy` returns the policy a `CloudFront-Expires` cookie signs implicitly.
- `cf_b64encode` / `cf_b64decode` implement CloudFront's URL-safe base64 (`+`->`-`, `=`->`_`,
  `/`->`~`).
- `parse_policy_cookie` / `parse_expires_cookie` turn cookie values into typed, immutable data and
  raise a `PolicyError` subclass for every malformed input; values over 4 KB are rejected before
  any decoding.
- `resource_matches` and `Policy.allows` answer "does this policy allow this URL at this time".

The issuer (build), the edge (parse) and the local stack's CloudFront emulator (verify) all use
this module; nothing else encodes or decodes the policy format.
"""

from __future__ import annotations

import binascii
import json

# typing, dataclasses and datetime are kept out of the import path: they would triple the edge
# function's cold import time (see benchmarks/edge_bench.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Set as AbstractSet
    from datetime import datetime
    from typing import Any, Final


COOKIE_POLICY: Final = "CloudFront-Policy"
COOKIE_SIGNATURE: Final = "CloudFront-Signature"
COOKIE_KEY_PAIR_ID: Final = "CloudFront-Key-Pair-Id"
COOKIE_EXPIRES: Final = "CloudFront-Expires"
COOKIE_HASH_ALGORITHM: Final = "CloudFront-Hash-Algorithm"
CLOUDFRONT_COOKIE_NAMES: Final = frozenset(
    {COOKIE_POLICY, COOKIE_SIGNATURE, COOKIE_KEY_PAIR_ID, COOKIE_EXPIRES, COOKIE_HASH_ALGORITHM}
)

HASH_SHA1: Final = "SHA1"
HASH_SHA256: Final = "SHA256"
HASH_ALGORITHMS: Final = (HASH_SHA1, HASH_SHA256)

#: Cookie values above this size are refused before decoding (CloudFront's own header limits are
#: larger, but no legitimate policy for one resource comes near it).
MAX_COOKIE_VALUE_BYTES: Final = 4096
#: Epoch seconds must fit CloudFront's range; also keeps absurd integers out of comparisons.
MAX_EPOCH: Final = 2**32

# bytes.translate is a C table lookup; str.translate with a dict is several times slower.
_ENCODE_TABLE: Final = bytes.maketrans(b"+=/", b"-_~")
_DECODE_TABLE: Final = bytes.maketrans(b"-_~", b"+=/")
_CF_B64_ALPHABET: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~"
)


class PolicyError(ValueError):
    """A cookie value is not a well-formed CloudFront policy (base class of every codec error)."""


class PolicyTooLargeError(PolicyError):
    """The value exceeds MAX_COOKIE_VALUE_BYTES."""


class PolicyEncodingError(PolicyError):
    """The value is not CloudFront base64 of UTF-8 text."""


class PolicySyntaxError(PolicyError):
    """The decoded text is not strict JSON."""


class PolicyStructureError(PolicyError):
    """The JSON is valid but not a single-statement CloudFront policy of the documented shape."""


class Policy:
    """A decoded policy, immutable. `not_after` is DateLessThan, `not_before` DateGreaterThan.

    Epoch seconds; `resource` is None for a canned policy read from `CloudFront-Expires`.
    """

    __slots__ = ("not_after", "not_before", "resource", "source_ip")
    resource: str | None
    not_after: int
    not_before: int | None
    source_ip: str | None

    def __init__(
        self,
        resource: str | None,
        not_after: int,
        not_before: int | None = None,
        source_ip: str | None = None,
    ) -> None:
        for name, value in zip(
            self.__slots__, (not_after, not_before, resource, source_ip), strict=True
        ):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Policy is immutable")

    def _key(self) -> tuple[str | None, int, int | None, str | None]:
        return (self.resource, self.not_after, self.not_before, self.source_ip)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Policy) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"Policy(resource={self.resource!r}, not_after={self.not_after}, "
            f"not_before={self.not_before}, source_ip={self.source_ip!r})"
        )

    def is_current(self, now: float, margin: float = 0) -> bool:
        """True while `now` is inside the window and at least `margin` seconds before expiry."""
        if now + margin >= self.not_after:
            return False
        return self.not_before is None or now > self.not_before

    def allows(self, url: str, now: float, margin: float = 0, client_ip: str | None = None) -> bool:
        """Whether a request for `url` at `now` (from `client_ip`, when known) is allowed.

        A policy with an IpAddress condition never allows a request whose address is unknown.
        """
        if not self.is_current(now, margin):
            return False
        if self.resource is not None and not resource_matches(self.resource, url):
            return False
        if self.source_ip is not None:
            if client_ip is None:
                return False
            import ipaddress

            try:
                address = ipaddress.ip_address(client_ip)
            except ValueError:
                return False
            if address not in ipaddress.ip_network(self.source_ip, strict=False):
                return False
        return True


def _epoch(value: int | float | datetime) -> int:
    if isinstance(value, bool):
        raise TypeError("epoch time must be a number or datetime, not bool")
    if isinstance(value, int | float):
        return int(value)
    return int(value.timestamp())


def _normalise_ip(ip_address: str) -> str:
    if "/" not in ip_address:
        ip_address += "/32"
    return ip_address


def build_custom_policy(
    resource: str,
    date_less_than: int | float | datetime,
    date_greater_than: int | float | datetime | None = None,
    ip_address: str | None = None,
) -> str:
    """Canonical custom policy JSON; a bare IPv4 address gets `/32`, as botocore does."""
    condition: dict[str, Any] = {"DateLessThan": {"AWS:EpochTime": _epoch(date_less_than)}}
    if ip_address:
        condition["IpAddress"] = {"AWS:SourceIp": _normalise_ip(ip_address)}
    if date_greater_than is not None:
        condition["DateGreaterThan"] = {"AWS:EpochTime": _epoch(date_greater_than)}
    statement = {"Resource": resource, "Condition": condition}
    return json.dumps({"Statement": [statement]}, separators=(",", ":"))


def build_canned_policy(resource: str, expires: int | float | datetime) -> str:
    """The policy CloudFront reconstructs (and verifies) for a `CloudFront-Expires` cookie."""
    return build_custom_policy(resource, expires)


def cf_b64encode(data: bytes) -> str:
    """Base64 with CloudFront's substitutions, as used in cookie values and signed URLs."""
    return binascii.b2a_base64(data, newline=False).translate(_ENCODE_TABLE).decode("ascii")


def cf_b64decode(value: str) -> bytes:
    """Inverse of `cf_b64encode`; raises PolicyEncodingError on anything else.

    Only the canonical encoding is accepted (unused trailing bits zero), so a changed character
    always changes the bytes: no two cookie values decode, and verify, as one.
    """
    if len(value) > MAX_COOKIE_VALUE_BYTES:
        raise PolicyTooLargeError(f"value is {len(value)} bytes, over {MAX_COOKIE_VALUE_BYTES}")
    if not value or not _CF_B64_ALPHABET.issuperset(value):
        raise PolicyEncodingError("value is not CloudFront base64")
    try:
        # binascii directly (strict mode, Python 3.11+): the base64 module costs import time.
        data = binascii.a2b_base64(value.encode("ascii").translate(_DECODE_TABLE), strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise PolicyEncodingError("value is not CloudFront base64") from exc
    if cf_b64encode(data) != value:
        raise PolicyEncodingError("value is not canonical CloudFront base64")
    return data


def _reject_constant(name: str) -> Any:
    raise PolicySyntaxError(f"non-standard JSON constant {name}")


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise PolicySyntaxError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _only_keys(
    obj: Any, where: str, required: AbstractSet[str], optional: AbstractSet[str] = frozenset()
) -> Any:
    if not isinstance(obj, dict):
        raise PolicyStructureError(f"{where} must be an object")
    keys = set(obj)
    missing = required - keys
    if missing:
        raise PolicyStructureError(f"{where} lacks {', '.join(sorted(missing))}")
    extra = keys - required - optional
    if extra:
        raise PolicyStructureError(f"{where} has unknown keys {', '.join(sorted(extra))}")
    return obj


def _epoch_condition(condition: dict[str, Any], name: str) -> int:
    body = _only_keys(condition[name], name, {"AWS:EpochTime"})
    value = body["AWS:EpochTime"]
    if isinstance(value, bool) or not isinstance(value, int):
        raise PolicyStructureError(f"{name} AWS:EpochTime must be an integer")
    if not 0 <= value < MAX_EPOCH:
        raise PolicyStructureError(f"{name} AWS:EpochTime is out of range")
    return value


def _source_ip_condition(condition: dict[str, Any]) -> str:
    body = _only_keys(condition["IpAddress"], "IpAddress", {"AWS:SourceIp"})
    value = body["AWS:SourceIp"]
    if not isinstance(value, str):
        raise PolicyStructureError("IpAddress AWS:SourceIp must be a string")
    import ipaddress

    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError as exc:
        raise PolicyStructureError("IpAddress AWS:SourceIp is not an address or CIDR") from exc
    return value


_DECODER: Final = json.JSONDecoder(
    object_pairs_hook=_unique_object, parse_constant=_reject_constant
)


def parse_policy_json(text: str) -> Policy:
    """Parse decoded policy JSON strictly into a Policy."""
    try:
        document = _DECODER.decode(text)
    except PolicyError:
        raise
    except (ValueError, RecursionError) as exc:
        raise PolicySyntaxError("policy is not valid JSON") from exc
    _only_keys(document, "policy", {"Statement"})
    statements = document["Statement"]
    if not isinstance(statements, list) or len(statements) != 1:
        raise PolicyStructureError("policy must hold exactly one statement")
    statement = _only_keys(statements[0], "statement", {"Condition"}, {"Resource"})
    resource = statement.get("Resource")
    if resource is not None and (not isinstance(resource, str) or not resource):
        raise PolicyStructureError("Resource must be a non-empty string")
    condition = _only_keys(
        statement["Condition"], "Condition", {"DateLessThan"}, {"DateGreaterThan", "IpAddress"}
    )
    return Policy(
        resource=resource,
        not_after=_epoch_condition(condition, "DateLessThan"),
        not_before=(
            _epoch_condition(condition, "DateGreaterThan")
            if "DateGreaterThan" in condition
            else None
        ),
        source_ip=_source_ip_condition(condition) if "IpAddress" in condition else None,
    )


def parse_policy_cookie(value: str) -> Policy:
    """Decode a `CloudFront-Policy` cookie value (bounded, strict)."""
    raw = cf_b64decode(value)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyEncodingError("policy is not UTF-8") from exc
    return parse_policy_json(text)


def parse_expires_cookie(value: str) -> int:
    """Decode a `CloudFront-Expires` cookie value: decimal epoch seconds, nothing else."""
    if len(value) > 10 or not value.isascii() or not value.isdigit():
        raise PolicyStructureError("CloudFront-Expires must be decimal epoch seconds")
    expires = int(value)
    if expires >= MAX_EPOCH:
        raise PolicyStructureError("CloudFront-Expires is out of range")
    return expires


def resource_matches(pattern: str, url: str) -> bool:
    """CloudFront resource matching: `*` any run (also empty), `?` one character, else literal.

    Case-sensitive. Greedy two-pointer algorithm with single backtrack point: linear in practice,
    O(len(pattern) * len(url)) worst case, no recursion and no regular expressions.
    """
    # Fast paths for the shapes the issuer signs (`https://host/*`) and exact resources.
    if "?" not in pattern:
        stars = pattern.count("*")
        if stars == 0:
            return pattern == url
        if stars == 1 and pattern.endswith("*"):
            return url.startswith(pattern[:-1])
    p = u = 0
    star = -1
    star_u = 0
    while u < len(url):
        if p < len(pattern) and pattern[p] == "*":
            star = p
            star_u = u
            p += 1
        elif p < len(pattern) and (pattern[p] == "?" or pattern[p] == url[u]):
            p += 1
            u += 1
        elif star != -1:
            p = star + 1
            star_u += 1
            u = star_u
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)
