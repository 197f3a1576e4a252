"""The archive process: migrate, seed, serve Django over WSGI on a socket the stack bound.

Contract of `serve(listen_fd)` (run as `python -m local_stack.archive serve --listen-fd FD`):
- sets Django up with `local_stack.archive.settings` (environment from `process.py`) and runs
  the migrations on the SQLite file, while the stack goes on starting its other parts;
- then reads one JSON line from stdin: `{"viewer_public_origin", "viewer_local_origin",
  "sample_link", "users": [DemoUser...], "client": OAuthClient}` (the client secret travels
  only this way) and seeds users, API keys and the issuer's Application;
- serves the project with the standard library's WSGI server (threads) on the already listening
  socket FD, so the stack knows the archive's URL before this process starts;
- writes one JSON line to stdout, `{"ready": true, "seconds": {"setup", "migrate", "seed"}}`,
  then points stdout at stderr (nothing else is ever read from that pipe);
- stops when stdin reaches end of file: the stack closed it, or the stack died.
Request lines are never logged (a query string can carry an authorization code); errors of
ours go to stderr through Django's `django.request` logger, path only.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class ArchiveWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True

    def __init__(self, sock: socket.socket, app: Any) -> None:
        super().__init__(sock.getsockname(), _QuietHandler, bind_and_activate=False)
        self.socket.close()
        self.socket = sock
        # What HTTPServer.server_bind would set, without its reverse DNS lookup.
        self.server_name = "localhost"
        self.server_port = sock.getsockname()[1]
        self.setup_environ()
        self.set_app(app)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the browser left (cancelled fetch, closed tab): normal traffic
        super().handle_error(request, client_address)


def _setup_and_migrate() -> dict[str, float]:
    started = time.perf_counter()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "local_stack.archive.settings")
    import django

    django.setup()
    from django.core.management import call_command

    setup = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    return {"setup": setup - started, "migrate": time.perf_counter() - setup}


def _apply_spec(spec: dict[str, Any]) -> float:
    """Viewer origins and sample link into the settings, then users and the issuer's client."""
    started = time.perf_counter()
    from django.conf import settings

    from local_stack.archive.accounts import DemoUser, OAuthClient
    from local_stack.archive.seed import register_client, seed_users

    settings.VIEWER_PUBLIC_ORIGIN = spec["viewer_public_origin"]
    settings.VIEWER_LOCAL_ORIGIN = spec["viewer_local_origin"]
    settings.SAMPLE_LINK = spec.get("sample_link", "")
    seed_users(DemoUser(**user) for user in spec["users"])
    register_client(OAuthClient(**spec["client"]))
    return time.perf_counter() - started


def serve(listen_fd: int) -> int:
    sock = socket.socket(fileno=listen_fd)
    seconds = _setup_and_migrate()
    spec = json.loads(sys.stdin.readline() or "null")
    if not isinstance(spec, dict):
        print("local archive: no start-up spec on stdin (the stack stopped?)", file=sys.stderr)
        return 2
    seconds["seed"] = _apply_spec(spec)
    from django.core.wsgi import get_wsgi_application

    server = ArchiveWSGIServer(sock, get_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True, name="archive").start()
    ready = {"ready": True, "seconds": {k: round(v, 3) for k, v in seconds.items()}}
    print(json.dumps(ready), flush=True)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    while sys.stdin.readline():
        pass
    server.shutdown()
    server.server_close()
    return 0
