"""Local AWS: moto's server (S3 + Secrets Manager) on loopback, seeded for the stack.

Contract: `LocalAws.start(port)` runs `moto.server.ThreadedMotoServer` on 127.0.0.1 (port 0 picks
a free one) and `client(service)` returns a boto3 client bound to it with dummy credentials.
`upload_directory` publishes the viewer build with `linc_edge_auth.viewer_deploy` (the same
Content-Type and Cache-Control as a deployment); `put_objects` seeds assets;
`put_secret` stores the signing key. `env()` is what a process needs to reach it with boto3
(AWS_ENDPOINT_URL, dummy credentials, us-east-1), which is how the issuer's Powertools
SecretsProvider finds local Secrets Manager.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Final

import boto3
from moto.server import ThreadedMotoServer

from linc_edge_auth.viewer_deploy import publish

REGION: Final = "us-east-1"
DUMMY_KEY: Final = "testing"


class LocalAws:
    def __init__(self) -> None:
        self._server: ThreadedMotoServer | None = None
        self.port = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, port: int = 0) -> None:
        # moto's werkzeug logs every request line; the emulator keeps its own request log.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self._server.start()
        _host, bound_port = self._server.get_host_and_port()
        self.port = bound_port

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": DUMMY_KEY,
            "AWS_SECRET_ACCESS_KEY": DUMMY_KEY,
            "AWS_SESSION_TOKEN": DUMMY_KEY,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }

    def client(self, service: str) -> Any:
        return boto3.session.Session().client(
            service,  # type: ignore[call-overload]
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=DUMMY_KEY,
            aws_secret_access_key=DUMMY_KEY,
        )

    def create_bucket(self, name: str) -> None:
        s3 = self.client("s3")
        s3.create_bucket(Bucket=name)
        # Private, as in production: the emulator reads with credentials (OAC's role).
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )

    def upload_directory(self, bucket: str, folder: Path) -> int:
        """The viewer build, exactly as `linc-edge-auth viewer-deploy` publishes it."""
        return len(publish(folder, bucket, self.client("s3")))

    def put_objects(self, bucket: str, objects: dict[str, tuple[bytes, str]]) -> None:
        s3 = self.client("s3")
        for key, (body, content_type) in objects.items():
            s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)

    def put_secret(self, name: str, value: str) -> str:
        answer = self.client("secretsmanager").create_secret(Name=name, SecretString=value)
        return str(answer["ARN"])
