"""Reading one issuer setting from the environment: the checks every variable shares.

Contract: each `read_*` takes the environment mapping and the variable's name and returns the
value, or raises `SettingsError` naming the variable and what it expects, so a deployer reads one
line and knows what to fix. URLs must be https (plain http only to a loopback host), booleans are
true/false (1/0, yes/no), numbers whole and within bounds. `settings.py` composes these into the
issuer's one `Settings` object.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Final
from urllib.parse import urlsplit

from cookie_issuer.errors import MisconfiguredError

_TRUE: Final = frozenset({"true", "1", "yes"})
_FALSE: Final = frozenset({"false", "0", "no"})


class SettingsError(MisconfiguredError):
    """One variable is missing or invalid; `variable` names it."""

    def __init__(self, variable: str, expectation: str):
        super().__init__(f"issuer misconfigured: {variable} {expectation}")
        self.variable = variable


def is_loopback(host: str) -> bool:
    """`localhost` or a loopback IP literal: the only hosts plain http is allowed to."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_url(
    env: Mapping[str, str], name: str, *, required: bool, origin_only: bool = False
) -> str:
    value = env.get(name, "").strip()
    if not value:
        if required:
            raise SettingsError(name, "is required (an https:// URL)")
        return ""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise SettingsError(name, f"is not a valid URL: {exc}") from None
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host or parts.username or parts.password:
        raise SettingsError(name, "must be an https:// URL with a host and no credentials")
    if parts.scheme == "http" and not is_loopback(host):
        raise SettingsError(name, "must use https:// (plain http only for localhost/127.0.0.1)")
    if parts.fragment:
        raise SettingsError(name, "must not contain a #fragment")
    if origin_only:
        if parts.path not in ("", "/") or parts.query:
            raise SettingsError(name, "must be an origin like https://viewer.example.org (no path)")
        return f"{parts.scheme}://{host}" + (f":{port}" if port else "")
    return value


def read_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(name, f"must be true or false, got {value!r}")


def read_int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
        raise SettingsError(name, f"must be a whole number of seconds from {low} to {high}")
    return int(value)


def read_secret_id(env: Mapping[str, str], name: str, what: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise SettingsError(
            name, f"is required with AUTH_MODE=oauth2: the Secrets Manager id of {what}"
        )
    return value
