"""`local_stack.viewer_host`: the named viewer host's template parameters and its TLS listener."""

from __future__ import annotations

import http.client
import ssl
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from local_stack.browser import resolver_args
from local_stack.viewer_host import ViewerHost


class Echo(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = self.headers.get("Host", "").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.parametrize("name", ["localhost", "viewer", "Viewer_Linc.test", "127.0.0.1", ""])
def test_a_name_without_a_parent_domain_is_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="--viewer-host"):
        ViewerHost(name, 0, tmp_path)


def test_serves_https_with_a_certificate_for_the_name(tmp_path: Path) -> None:
    host = ViewerHost("Viewer.Linc.Test", 0, tmp_path)
    host.reserve()
    assert host.port and host.origin == f"https://viewer.linc.test:{host.port}"
    assert host.parameters()["ViewerDomain"] == host.domain  # Alias and VIEWER_ORIGIN
    host.start_with(Echo)
    try:
        context = ssl.create_default_context(cafile=str(tmp_path / "keys/viewer-host.crt"))
        connection = http.client.HTTPConnection("127.0.0.1", host.port, timeout=10)
        connection.connect()
        # Verified against the generated certificate for the name, as a browser would.
        connection.sock = context.wrap_socket(connection.sock, server_hostname="viewer.linc.test")
        connection.request("GET", "/", headers={"Host": host.domain})
        answer = connection.getresponse()
        assert (answer.status, answer.read().decode()) == (200, host.domain)
        connection.close()
        with pytest.raises(ssl.SSLCertVerificationError):  # and only for the name
            plain = http.client.HTTPConnection("127.0.0.1", host.port, timeout=10)
            plain.connect()
            context.wrap_socket(plain.sock, server_hostname="other.linc.test")
    finally:
        host.stop()
    assert (tmp_path / "keys/viewer-host.key").stat().st_mode & 0o077 == 0


def test_resolver_args_map_names_to_loopback() -> None:
    assert resolver_args() == []
    assert resolver_args("a.linc.test", "b.linc.test") == [
        "--host-resolver-rules=MAP a.linc.test 127.0.0.1, MAP b.linc.test 127.0.0.1"
    ]
