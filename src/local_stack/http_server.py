"""The local stack's HTTP server: stdlib ThreadingHTTPServer that stays quiet when a client leaves.

Browsers cancel in-flight fetches when a page closes or Neuroglancer drops a chunk it no longer
needs; writing the answer then raises BrokenPipeError / ConnectionResetError. That is normal
traffic, not an error of ours, so it is not printed as a traceback; anything else still is.
"""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LocalHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class BackgroundHTTPService:
    """Runs one LocalHTTPServer in a daemon thread: `start(host, port)` (port 0 picks a free one,
    read back from `port`) and `stop()`; `start(port=service.port)` after a stop brings it back on
    the same address. Subclasses say which handler class serves requests; `poll_interval` is how
    often the serving thread checks for `stop()` (a short one makes stop quick, for tests)."""

    thread_name = "http"
    poll_interval = 0.5

    def __init__(self) -> None:
        self.port = 0
        self._server: LocalHTTPServer | None = None

    def request_handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = LocalHTTPServer((host, port), self.request_handler())
        self.port = self._server.server_port
        threading.Thread(
            target=self._server.serve_forever,
            args=(self.poll_interval,),
            daemon=True,
            name=self.thread_name,
        ).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
