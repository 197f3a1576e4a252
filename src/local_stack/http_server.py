"""The local stack's HTTP server: stdlib ThreadingHTTPServer that stays quiet when a client leaves.

Browsers cancel in-flight fetches when a page closes or Neuroglancer drops a chunk it no longer
needs; writing the answer then raises BrokenPipeError / ConnectionResetError. That is normal
traffic, not an error of ours, so it is not printed as a traceback; anything else still is.
"""

from __future__ import annotations

import sys
from http.server import ThreadingHTTPServer
from typing import Any


class LocalHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)
