"""A DEVELOPMENT STAND-IN for the LINC archive (login, session JWT, JWKS, /users/me/, tokens).

Never deployed and never a model of how the real archive is built; it only speaks the same
interface the issuer relies on:
- `GET /login?next=URL`: a form (user name, approved or not); `POST /login` sets the session
  JWT cookie and redirects to `next` when it is the viewer's `/_auth/callback` (an allowlist, as
  the real archive must have: anything else goes to `/`).
- `GET|POST /logout[?next=URL]`: clears the session cookie; a page with a link back.
- `GET /.well-known/jwks.json`: the public key of the session JWT (RS256, generated at start).
- `GET /api/users/me/` with `Authorization: token KEY`: DANDI-like JSON
  (`username`, `name`, `admin`, `status` APPROVED/PENDING), 401 otherwise.
- `GET /`: who is signed in, the demo users and the sample link.

Cookies on loopback: the session cookie is host-only on `localhost`. Browsers ignore the port
when matching cookies, so a cookie the archive (http://localhost:PORT2) sets is also sent to the
viewer (http://localhost:PORT1), exactly like the parent-domain cookie of production
(`.lincbrain.org` seen by `neuroglancer.lincbrain.org`).

The viewer's public origin is `https://localhost:PORT1` (the URL policies name, see
cloudfront/emulator.py); the emulator has no TLS, so a `next` on that origin is followed over http.
"""

from __future__ import annotations

import html
import json
import secrets
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, Final
from urllib.parse import parse_qs, quote, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization

from edge_auth.auth_routes import CALLBACK_PATH
from local_stack.http_server import BackgroundHTTPService

SESSION_COOKIE: Final = "linc_session"
AUDIENCE: Final = "linc-viewer"
SESSION_SECONDS: Final = 8 * 3600
MAX_FORM_BYTES: Final = 4096


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    name: str
    approved: bool
    api_token: str

    @property
    def status(self) -> str:
        return "APPROVED" if self.approved else "PENDING"

    def me(self) -> dict[str, Any]:
        return {"username": self.username, "name": self.name, "admin": False, "status": self.status}


def demo_users() -> list[DemoUser]:
    """Fresh API tokens each start (the stack.json lists them for test harnesses)."""
    return [
        DemoUser("alice", "Alice Approved", True, "dev" + secrets.token_hex(20)),
        DemoUser("bob", "Bob Pending", False, "dev" + secrets.token_hex(20)),
    ]


class ArchiveStandIn(BackgroundHTTPService):
    thread_name = "archive"

    def __init__(
        self,
        private_key_pem: str,
        kid: str,
        viewer_public_origin: str,
        viewer_local_origin: str,
        users: list[DemoUser],
        sample_link: str = "",
    ) -> None:
        self._key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        self.kid = kid
        self.viewer_public_origin = viewer_public_origin
        self.viewer_local_origin = viewer_local_origin
        self.users = {u.username: u for u in users}
        self.sample_link = sample_link
        super().__init__()

    @property
    def origin(self) -> str:
        return f"http://localhost:{self.port}"

    def request_handler(self) -> type[BaseHTTPRequestHandler]:
        return _make_handler(self)

    # -- the interface ----------------------------------------------------------------------
    def session_jwt(self, username: str, approved: bool, lifetime: int = SESSION_SECONDS) -> str:
        now = int(time.time())
        user = self.users.get(username)
        claims = {
            "iss": self.origin,
            "aud": AUDIENCE,
            "sub": username,
            "name": user.name if user else username,
            "status": "APPROVED" if approved else "PENDING",
            "approved": approved,
            "iat": now,
            "exp": now + lifetime,
        }
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})  # type: ignore[arg-type]

    def jwks(self) -> dict[str, Any]:
        public = self._key.public_key()
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public))  # type: ignore[arg-type]
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def allowed_next(self, candidate: str | None) -> str | None:
        """The local URL to follow for `next`, only for the viewer's /_auth/callback."""
        if not candidate:
            return None
        for origin in (self.viewer_public_origin, self.viewer_local_origin):
            prefix = origin + CALLBACK_PATH
            if candidate == prefix or candidate.startswith(prefix + "?"):
                return self.viewer_local_origin + candidate[len(origin) :]
        return None

    def user_for_token(self, authorization: str | None) -> DemoUser | None:
        scheme, _, key = (authorization or "").partition(" ")
        if scheme.lower() != "token" or not key:
            return None
        for user in self.users.values():
            if secrets.compare_digest(user.api_token, key.strip()):
                return user
        return None


_PAGE: Final = """<!doctype html><html lang="en"><meta charset="utf-8">
<link rel="icon" href="data:,"><title>{title}</title>
<style>body{{font:16px system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}}
.note{{background:#fff3cd;padding:.5rem 1rem;border-radius:4px}}
label{{display:block;margin:.6rem 0}}
</style><p class="note">LINC archive <b>development stand-in</b> (local stack only).</p>
<h1>{title}</h1>{body}</html>"""


def _page(title: str, body: str) -> bytes:
    return _PAGE.format(title=html.escape(title), body=body).encode("utf-8")


def _make_handler(archive: ArchiveStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "archive-stand-in"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(
            self, status: int, body: bytes, ctype: str, extra: list[tuple[str, str]] | None = None
        ) -> None:
            if extra is None:
                extra = []
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            for name, value in extra:
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, status: int, body: Any) -> None:
            self._send(status, json.dumps(body).encode(), "application/json")

        def _query(self) -> dict[str, str]:
            parsed = parse_qs(urlsplit(self.path).query)
            return {k: v[0] for k, v in parsed.items() if len(v) == 1}

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/.well-known/jwks.json":
                self._json(200, archive.jwks())
            elif path == "/api/users/me/":
                user = archive.user_for_token(self.headers.get("Authorization"))
                if user is None:
                    self._json(401, {"detail": "Invalid token."})
                else:
                    self._json(200, user.me())
            elif path == "/login":
                self._login_form(self._query().get("next", ""))
            elif path == "/logout":
                self._logout()
            elif path == "/":
                self._home()
            else:
                self._send(
                    404, _page("Not found", "<p>Nothing here.</p>"), "text/html; charset=utf-8"
                )

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_FORM_BYTES:
                self._send(413, _page("Too large", ""), "text/html; charset=utf-8")
                return
            form = {
                k: v[0]
                for k, v in parse_qs(self.rfile.read(length).decode("utf-8", "replace")).items()
            }
            if path == "/login":
                self._login(form)
            elif path == "/logout":
                self._logout()
            else:
                self._send(404, _page("Not found", ""), "text/html; charset=utf-8")

        def _login_form(self, next_url: str) -> None:
            users = "".join(
                f"<li><code>{html.escape(u.username)}</code> "
                f"({'approved' if u.approved else 'not approved'})</li>"
                for u in archive.users.values()
            )
            body = (
                '<form method="post" action="/login">'
                f'<input type="hidden" name="next" value="{html.escape(next_url)}">'
                '<label>User name <input name="username" id="username" required value="alice">'
                "</label>"
                '<label><input type="checkbox" name="approved" id="approved" value="1" checked> '
                "approved for private data</label>"
                '<button type="submit" id="sign-in">Sign in</button></form>'
                f"<p>Demo users:</p><ul>{users}</ul>"
                "<p>A demo user's approval is fixed; any other name uses the checkbox.</p>"
            )
            self._send(200, _page("Sign in", body), "text/html; charset=utf-8")

        def _login(self, form: dict[str, str]) -> None:
            username = form.get("username", "").strip()[:64]
            if not username or not username.replace("-", "").replace("_", "").isalnum():
                self._send(
                    400,
                    _page("Sign in", "<p>Enter a user name (letters, digits).</p>"),
                    "text/html; charset=utf-8",
                )
                return
            user = archive.users.get(username)
            approved = user.approved if user else form.get("approved") == "1"
            token = archive.session_jwt(username, approved)
            cookie = f"{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax"
            target = archive.allowed_next(form.get("next")) or "/"
            self._send(302, b"", "text/plain", [("Set-Cookie", cookie), ("Location", target)])

        def _logout(self) -> None:
            cookie = f"{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
            link = archive.sample_link or archive.viewer_local_origin + "/"
            body = (
                "<p>You are signed out.</p>"
                f'<p><a href="{html.escape(link)}">Open the sample link again</a></p>'
            )
            self._send(
                200, _page("Signed out", body), "text/html; charset=utf-8", [("Set-Cookie", cookie)]
            )

        def _home(self) -> None:
            signed_in = SESSION_COOKIE in (self.headers.get("Cookie") or "")
            link = archive.sample_link or archive.viewer_local_origin + "/"
            body = (
                f"<p>{'You have a session cookie.' if signed_in else 'You are not signed in.'}</p>"
                f'<p><a href="/login?next={quote(archive.viewer_local_origin + "/")}">Sign in</a>'
                ' · <a href="/logout">Sign out</a>'
                f' · <a href="{html.escape(link)}">Sample viewer link</a></p>'
            )
            self._send(200, _page("LINC archive (stand-in)", body), "text/html; charset=utf-8")

    return Handler
