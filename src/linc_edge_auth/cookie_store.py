"""CloudFront cookies for scripts, kept in the user's config directory, one set per viewer.

Contract:
- `SignedCookies` is one issuer answer: the viewer origin it covers (from the policy's
  `resource`, `https://VIEWER/*`), the issuer URL it came from (for renewal), the cookie
  name -> value map and the expiry (epoch seconds).
- `path()` is `cookies.json` in `platformdirs.user_config_path("linc-edge-auth")` (on Linux
  `$XDG_CONFIG_HOME/linc-edge-auth/`). `save` writes it atomically with mode 0600 in a 0700
  directory; `load_all`, `find(viewer_url)` and `delete(viewer_url | None)` read and prune it.
  A file that is not ours (bad JSON, wrong shape) is a `UserError` naming it, never a traceback.
- `find` matches by host and port: the local stack signs `https://localhost:PORT/*` and serves
  `http://localhost:PORT/`. Cookies only ever travel over https, except to a loopback host
  (`may_send_to(url)`), as browsers treat http://localhost as a secure context.
- `header()` is the `Cookie` header value; `netscape()` is a cookie file for curl (`-b FILE`) and
  wget (`--load-cookies FILE`).
Values are credentials: nothing here prints or logs them.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import urllib.parse
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

from linc_edge_auth.errors import UserError

APP_NAME: Final = "linc-edge-auth"
FILE_NAME: Final = "cookies.json"
FORMAT_VERSION: Final = 1
LOOPBACK: Final = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class SignedCookies:
    viewer_origin: str  # https://HOST[:PORT]
    issuer_url: str
    cookies: dict[str, str]
    expires: int

    def seconds_left(self, now: float | None = None) -> float:
        return self.expires - (time.time() if now is None else now)

    def header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    @property
    def host(self) -> str:
        return urllib.parse.urlsplit(self.viewer_origin).hostname or ""

    def covers(self, url: str) -> bool:
        """Whether a request to `url` should carry these cookies."""
        return _netloc(url) == _netloc(self.viewer_origin) and may_send_to(url)

    def netscape(self) -> str:
        """Netscape cookie file lines (host-only cookies, as the issuer sets them by default)."""
        secure = "FALSE" if self.host in LOOPBACK else "TRUE"
        lines = ["# Netscape HTTP Cookie File", f"# {APP_NAME}: cookies for {self.viewer_origin}"]
        lines += [
            f"{self.host}\tFALSE\t/\t{secure}\t{self.expires}\t{name}\t{value}"
            for name, value in self.cookies.items()
        ]
        return "\n".join(lines) + "\n"


def _netloc(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    # The scheme is left out on purpose (see the module docstring); the port is not.
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme, 0)
    return f"{(parts.hostname or '').lower()}:{port}"


def same_viewer(a: str, b: str) -> bool:
    """Same host and port (the local stack signs https:// and serves http://)."""
    return _netloc(a) == _netloc(b)


def may_send_to(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)


def origin_of(url: str) -> str:
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UserError(f"{url!r}: expected a viewer URL like https://HOST")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def path() -> Path:
    import platformdirs

    return platformdirs.user_config_path(APP_NAME) / FILE_NAME


def _parse(raw: dict[str, Any]) -> SignedCookies:
    cookies = raw["cookies"]
    if not isinstance(cookies, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in cookies.items()
    ):
        raise TypeError("cookies")
    return SignedCookies(
        viewer_origin=str(raw["viewer_origin"]),
        issuer_url=str(raw["issuer_url"]),
        cookies=dict(cookies),
        expires=int(raw["expires"]),
    )


def load_all() -> dict[str, SignedCookies]:
    file = path()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise UserError(f"{file}: cannot read the stored cookies ({exc.strerror})") from None
    try:
        data = json.loads(text)
        if data.get("version") != FORMAT_VERSION:
            raise ValueError("version")
        return {origin: _parse(raw) for origin, raw in data["viewers"].items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        raise UserError(
            f"{file}: not a cookie file of this tool; delete it (linc-edge-auth logout --all)"
        ) from None


def _write(entries: dict[str, SignedCookies]) -> None:
    file = path()
    file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not entries:
        file.unlink(missing_ok=True)
        return
    body = {"version": FORMAT_VERSION, "viewers": {o: asdict(c) for o, c in entries.items()}}
    # mkstemp creates the file with mode 0600 before anything secret is written to it.
    fd, tmp = tempfile.mkstemp(prefix=".cookies-", dir=file.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(body, handle, indent=2)
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(cookies: SignedCookies) -> Path:
    entries = {o: c for o, c in load_all().items() if _netloc(o) != _netloc(cookies.viewer_origin)}
    entries[cookies.viewer_origin] = cookies
    _write(entries)
    return path()


def find(viewer_url: str | None) -> SignedCookies | None:
    """The stored set for `viewer_url`; with None, the only stored set (None if 0 or several)."""
    entries = load_all()
    if viewer_url is None:
        return next(iter(entries.values())) if len(entries) == 1 else None
    wanted = _netloc(origin_of(viewer_url))
    return next((c for o, c in entries.items() if _netloc(o) == wanted), None)


def delete(viewer_url: str | None) -> list[str]:
    """Forget the set for `viewer_url` (all sets with None); returns the origins removed."""
    entries = load_all()
    if viewer_url is None:
        removed = list(entries)
        _write({})
        return removed
    wanted = _netloc(origin_of(viewer_url))
    removed = [o for o in entries if _netloc(o) == wanted]
    _write({o: c for o, c in entries.items() if o not in removed})
    return removed
