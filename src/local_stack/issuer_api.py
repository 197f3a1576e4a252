"""The issuer HTTP API on its own URL (API Gateway stand-in), for scripts.

Contract: `IssuerApiServer(handler, routes)` listens on loopback and hands every request to the
issuer handler as an HTTP API payload 2.0 event (the same `lambda_events` code the CloudFront
emulator uses for `/_auth/*`), answering with the handler's status, headers, cookies and body.
This is the `IssuerApiUrl` output of the template: `GET /api/permissions/s3/` with
`Authorization: token KEY` returns the cookie values as JSON.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import Any, Final
from urllib.parse import urlsplit

from local_stack.http_server import BackgroundHTTPService
from local_stack.lambda_events import (
    BadLambdaResponse,
    LocalFunction,
    http_api_event,
    http_api_response,
)

API_DOMAIN: Final = "localapi.execute-api.us-east-1.amazonaws.com"
MAX_BODY_BYTES: Final = 10 * 1024 * 1024  # API Gateway's payload limit


class IssuerApiServer(BackgroundHTTPService):
    thread_name = "issuer-api"

    def __init__(self, handler: str, routes: tuple[str, ...]) -> None:
        self.function = LocalFunction.get(handler, serial=True)
        self.routes = routes
        super().__init__()

    def request_handler(self) -> type[BaseHTTPRequestHandler]:
        return _make_handler(self)


def _make_handler(api: IssuerApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "local-api-gateway"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self._answer(
                    413,
                    [("Content-Type", "application/json")],
                    b'{"message":"Request Entity Too Large"}',
                )
                return
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            event = http_api_event(
                api_domain=API_DOMAIN,
                method=self.command,
                path=parts.path,
                raw_query=parts.query,
                headers=list(self.headers.items()),
                source_ip=self.client_address[0],
                body=body,
                routes=api.routes,
            )
            try:
                status, headers, data = http_api_response(api.function.invoke(event))
            except BadLambdaResponse:
                status, headers, data = (
                    500,
                    [("Content-Type", "application/json")],
                    b'{"message":"Internal Server Error"}',
                )
            self._answer(status, headers, data)

        def _answer(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
            self.send_response(status)
            for name, value in headers:
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle

    return Handler
