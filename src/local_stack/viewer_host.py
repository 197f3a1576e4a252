"""A named viewer host for the local stack: the distribution's `ViewerDomain` served over TLS.

Contract: `ViewerHost(name, port)` stands for a deployment with `ViewerDomain` set: `reserve()`
picks the port (0: a free one) before the template is resolved, `parameters()` gives the template
parameters such a deploy sets (`ViewerDomain` = `name:port`, which becomes the distribution's
Alias and the issuer's `https://` VIEWER_ORIGIN, plus a placeholder certificate ARN, since the
certificate here is the one made below), and `start(handler)` serves the emulator's request
handler on `https://name:port` with a self-signed certificate for `name` generated at start
(its key only in the stack's state folder, mode 0600). `stop()` stops it.

Why TLS and not plain http: the issuer's OAuth2 cookies are `__Host-` cookies, which Chromium
accepts only from a secure origin; `localhost` counts as one over http, `viewer.linc.test` does
not (nor with `--unsafely-treat-insecure-origin-as-secure`, which admits Secure cookies but not
the `__Host-` prefix). Over https every production check holds unchanged: the redirect URI is
`https://`, so neither the issuer's settings nor the archive's client needs a loopback exception.

Nothing resolves `name`: the browser maps it to 127.0.0.1 itself (Chromium's
`--host-resolver-rules`, `local_stack.browser.resolver_args`) and accepts the certificate
(Playwright's `ignore_https_errors`). For parent-domain cookie tests (`Domain=linc.test`), which
Chromium cannot hold apart from host-only ones on `localhost`.
"""

from __future__ import annotations

import datetime
import os
import re
import socket
import ssl
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from local_stack.http_server import BackgroundHTTPService, LocalHTTPServer

#: Matches no real certificate: the local TLS certificate stands in for the ACM one.
PLACEHOLDER_CERTIFICATE_ARN: Final = (
    "arn:aws:acm:us-east-1:000000000000:certificate/00000000-0000-0000-0000-000000000000"
)
_NAME: Final = re.compile(r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


class ViewerHost(BackgroundHTTPService):
    thread_name = "cloudfront-tls"

    def __init__(self, name: str, port: int, state_dir: Path) -> None:
        name = name.strip().lower()
        if not _NAME.fullmatch(name) or name == "localhost":
            raise ValueError(
                f"--viewer-host {name!r}: give a DNS name with a parent domain, "
                "e.g. viewer.linc.test"
            )
        super().__init__()
        self.name = name
        self.port = port
        self.state_dir = state_dir
        self._handler: type[BaseHTTPRequestHandler] | None = None

    @property
    def domain(self) -> str:
        """The distribution's Alias: what the browser sends as Host."""
        return f"{self.name}:{self.port}"

    @property
    def origin(self) -> str:
        return f"https://{self.domain}"

    def reserve(self) -> None:
        """Fix the port now: the template (Aliases, VIEWER_ORIGIN) names it before start()."""
        if self.port:
            return
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    def parameters(self) -> dict[str, str]:
        return {"ViewerDomain": self.domain, "ViewerCertificateArn": PLACEHOLDER_CERTIFICATE_ARN}

    def request_handler(self) -> type[BaseHTTPRequestHandler]:
        assert self._handler is not None, "start_with(handler)"
        return self._handler

    def start_with(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._handler = handler
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*self._certificate())
        self.start(port=self.port)
        server: LocalHTTPServer | None = self._server
        assert server is not None
        # The handshake runs in the request's thread, not in the accept loop.
        server.socket = context.wrap_socket(
            server.socket, server_side=True, do_handshake_on_connect=False
        )

    def _certificate(self) -> tuple[str, str]:
        folder = self.state_dir / "keys"
        folder.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.name)])
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(self.name)]), critical=False)
            .sign(key, hashes.SHA256())
        )
        cert_path, key_path = folder / "viewer-host.crt", folder / "viewer-host.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        return str(cert_path), str(key_path)
