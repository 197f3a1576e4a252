"""The local stack's handle on the archive process (the Django project of this package).

Contract of `LocalArchive(state_dir, users, jwt_key)`:
- `bind(port)` reserves the archive's loopback socket (port 0 picks a free one): `origin` is
  known from then on, before anything else of the stack needs it.
- `spawn()` starts `python -m local_stack.archive serve` on that socket with a fresh SQLite file
  (`<state_dir>/archive.sqlite3`); it sets Django up and migrates while the stack starts its
  other parts.
- `configure(viewer_public_origin, viewer_local_origin, client, sample_link)` sends what only
  exists later (the viewer's origins, the issuer's client registration with its secret, the
  demo users with their API keys) on the child's stdin, waits until the archive answers (at most
  `timeout` seconds) and returns its start-up times in seconds (`setup`, `migrate`, `seed`,
  `total` from spawn to ready, and `waited`: how long this call blocked the stack). A child
  that fails raises `ArchiveStartError`.
- `stop()` closes the child's stdin (it stops on end of file, also when the stack dies), waits,
  and removes the database.
- `session_jwt(username)` mints the JWT-mode session cookie value without a browser.
- `manage` is the argument list of `python -m local_stack.archive` on this database.
The child writes its errors to this process's stderr; nothing here prints the client secret.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any, Final

from local_stack.archive.accounts import DemoUser, OAuthClient
from local_stack.archive.session_jwt import SessionJwt
from local_stack.keys import KeyFiles

DATABASE_NAME: Final = "archive.sqlite3"
START_TIMEOUT_SECONDS: Final = 120.0
STOP_TIMEOUT_SECONDS: Final = 10.0


class ArchiveStartError(RuntimeError):
    """The archive process exited or did not answer in time; its stderr says why."""


class LocalArchive:
    def __init__(self, state_dir: Path, users: list[DemoUser], jwt_key: KeyFiles) -> None:
        self.database = state_dir / DATABASE_NAME
        self.users = {u.username: u for u in users}
        self._jwt_key = jwt_key
        self._socket: socket.socket | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._spawned_at = 0.0
        self.port = 0

    @property
    def origin(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def manage(self) -> list[str]:
        return [sys.executable, "-m", "local_stack.archive", "--database", str(self.database)]

    def bind(self, port: int = 0) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(128)
        self._socket = sock
        self.port = sock.getsockname()[1]

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "local_stack.archive.settings",
                "LOCAL_ARCHIVE_DATABASE": str(self.database),
                "LOCAL_ARCHIVE_ORIGIN": self.origin,
                "LOCAL_ARCHIVE_JWT_KEY_FILE": str(self._jwt_key.private_path),
                "LOCAL_ARCHIVE_JWT_KID": self._jwt_key.key_pair_id,
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def spawn(self) -> None:
        if self._socket is None:
            raise RuntimeError("bind() the archive's socket before spawn()")
        self.database.parent.mkdir(parents=True, exist_ok=True)
        for stale in self.database.parent.glob(DATABASE_NAME + "*"):
            stale.unlink()
        # The database holds API keys and the client secret: readable by this user only.
        os.close(os.open(self.database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        fd = self._socket.fileno()
        self._spawned_at = time.perf_counter()
        self._process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            [*self.manage[:3], "serve", "--listen-fd", str(fd)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            pass_fds=(fd,),
            env=self._environment(),
        )
        # The child holds the socket now; the stack's copy would only keep the port open.
        self._socket.close()
        self._socket = None

    def configure(
        self,
        viewer_public_origin: str,
        viewer_local_origin: str,
        client: OAuthClient,
        sample_link: str = "",
        timeout: float = START_TIMEOUT_SECONDS,
    ) -> dict[str, float]:
        process = self._process
        if process is None or process.stdin is None or process.stdout is None:
            raise RuntimeError("spawn() the archive before configure()")
        spec = {
            "viewer_public_origin": viewer_public_origin,
            "viewer_local_origin": viewer_local_origin,
            "sample_link": sample_link,
            "users": [u.to_json() for u in self.users.values()],
            "client": client.to_json(),
        }
        asked = time.perf_counter()
        try:
            process.stdin.write(json.dumps(spec).encode("utf-8") + b"\n")
            process.stdin.flush()
        except BrokenPipeError:
            pass  # the child already exited: _ready says how
        ready = _ready(process, process.stdout, timeout)
        seconds = {k: float(v) for k, v in ready.get("seconds", {}).items()}
        now = time.perf_counter()
        seconds["total"] = round(now - self._spawned_at, 3)
        seconds["waited"] = round(now - asked, 3)
        return seconds

    def stop(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                process.stdin.close()
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        # Its API keys and client secret die with this run.
        for path in self.database.parent.glob(DATABASE_NAME + "*"):
            path.unlink()

    def session_jwt(self, username: str) -> str:
        user = self.users[username]
        issuer = SessionJwt(self._jwt_key.private_pem, self._jwt_key.key_pair_id, self.origin)
        return issuer.mint(user.username, user.name, user.status)


def _ready(process: subprocess.Popen[bytes], stdout: IO[bytes], timeout: float) -> dict[str, Any]:
    """The child's ready line; any other line it may print before is skipped."""
    deadline = time.monotonic() + timeout
    pending = b""
    fd = stdout.fileno()
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise ArchiveStartError(
                    f"the local archive did not answer within {timeout:.0f} s (its errors, if "
                    "any, are above); a loaded machine may need a retry"
                )
            chunk = os.read(fd, 65536)
            if not chunk:
                code = process.wait()
                raise ArchiveStartError(
                    f"the local archive exited with status {code} while starting (its errors "
                    "are above)"
                )
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if isinstance(message, dict) and message.get("ready") is True:
                    return message
