"""Cookie issuer benchmark: warm mint latency against the raw crypto floor, Secrets Manager calls
per 1,000 warm mints, and cold import time of `cookie_issuer.app`.

`main()` prints one table. Warm mints go through `lambda_handler` for `GET /api/permissions/s3/`
with a Bearer RS256 JWT (keys from a loopback JWKS server, signing key from moto Secrets Manager),
at the deployed log level (INFO: the "cookies minted" line is written, to /dev/null) with EMF
metrics flushed per invocation (to /dev/null). The floor is the work no issuer can skip: one
pyjwt verify of the same token with the issuer's own options (algorithms, audience, issuer,
leeway, required claims) plus one signature, with the issuer's own key and hash, of a policy of
the same bytes the issuer signs (same resource, same expiry). Mint and floor samples are taken
interleaved, alternating which goes first, so load on a shared machine hits both alike; the ratio
of the two medians is the figure of merit. Targets: p50 ratio <= 1.3, SM calls <= 1 per 1,000.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ROOT = Path(__file__).resolve().parents[1]
WARM_MINTS = 1000
WARMUP = 50
COLD_RUNS = 5


def _percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def _time_interleaved(
    first: Callable[[], Any], second: Callable[[], Any], runs: int
) -> tuple[list[float], list[float]]:
    """Time `first` and `second` alternately (swapping the order each round), in ms."""
    samples: tuple[list[float], list[float]] = ([], [])
    pair = ((0, first), (1, second))
    for round_ in range(runs):
        for index, fn in pair if round_ % 2 == 0 else pair[::-1]:
            start = time.perf_counter()
            fn()
            samples[index].append((time.perf_counter() - start) * 1000)
    return samples


def _jwks_server(archive_key: rsa.RSAPrivateKey) -> ThreadingHTTPServer:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(archive_key.public_key()))
    jwk.update({"kid": "bench", "use": "sig", "alg": "RS256"})
    body = json.dumps({"keys": [jwk]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _cold_import_ms() -> list[float]:
    code = (
        "import time; t=time.perf_counter(); import cookie_issuer.app; "
        "print((time.perf_counter()-t)*1000)"
    )
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "0"}
    runs = []
    for _ in range(COLD_RUNS):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        )
        runs.append(float(out.stdout.strip().splitlines()[-1]))
    return runs


def main() -> None:
    import logging

    from moto import mock_aws

    signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    archive_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    server = _jwks_server(archive_key)
    env = {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "VIEWER_ORIGIN": "https://viewer.example.org",
        "KEY_PAIR_ID": "K2JCJMDEHXQW5F",
        "SIGNING_KEY_SECRET_ID": "bench-signing-key",
        "ARCHIVE_LOGIN_URL": "https://archive.example.org/login/",
        "JWKS_URL": f"http://127.0.0.1:{server.server_address[1]}/jwks.json",
        "JWT_ISSUER": "https://archive.example.org",
        "JWT_AUDIENCE": "linc-viewer",
        "AUTH_RULE": "status=APPROVED",
    }
    os.environ.update(env)
    now = int(time.time())
    claims = {
        "sub": "alice",
        "iss": env["JWT_ISSUER"],
        "aud": env["JWT_AUDIENCE"],
        "iat": now,
        "exp": now + 3600,
        "status": "APPROVED",
    }
    token = jwt.encode(claims, archive_key, algorithm="RS256", headers={"kid": "bench"})
    pem = signing_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    event = json.loads((ROOT / "events" / "issuer" / "permissions.json").read_text())
    event["headers"]["authorization"] = f"Bearer {token}"

    @dataclass_context
    class Context:
        pass

    with mock_aws():
        import boto3

        boto3.client("secretsmanager").create_secret(Name="bench-signing-key", SecretString=pem)
        from cookie_issuer import runtime
        from cookie_issuer.app import lambda_handler
        from cookie_issuer.observability import logger
        from edge_auth.cookie_policy import HASH_SHA256, build_custom_policy

        runtime.reset_runtime()
        context: Any = Context()
        assert lambda_handler(event, context)["statusCode"] == 200  # cold: fetch JWKS + secret
        settings = runtime.get_runtime().settings
        public = archive_key.public_key()
        # The bytes the issuer signs: same resource, same TTL (so the same length), same hash.
        now = int(time.time())
        policy = build_custom_policy(
            f"{settings.viewer_origin}/*", now + settings.cookie_ttl_seconds, now - 300
        ).encode()
        digest: hashes.HashAlgorithm = (
            hashes.SHA256() if settings.hash_algorithm == HASH_SHA256 else hashes.SHA1()
        )

        def floor() -> None:
            jwt.decode(
                token,
                public,
                algorithms=list(settings.jwt_algorithms),
                audience=settings.jwt_audience,
                issuer=settings.jwt_issuer,
                leeway=settings.jwt_leeway_seconds,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
            signing_key.sign(policy, padding.PKCS1v15(), digest)

        calls_before = runtime.get_runtime().secrets.api_calls
        # Logs and metrics (EMF) go to stdout as in Lambda; keep them off the table.
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
            handler = logger.registered_handler
            assert isinstance(handler, logging.StreamHandler)
            stream = handler.setStream(sink)
            try:
                for _ in range(WARMUP):
                    lambda_handler(event, context)
                    floor()
                mint, raw = _time_interleaved(
                    lambda: lambda_handler(event, context), floor, WARM_MINTS
                )
            finally:
                handler.setStream(stream)
        sm_calls = runtime.get_runtime().secrets.api_calls - calls_before

    server.shutdown()
    cold = _cold_import_ms()
    rows = [
        ("warm mint via lambda_handler (ms)", statistics.median(mint), _percentile(mint, 99)),
        ("raw floor: RS256 verify + RSA sign (ms)", statistics.median(raw), _percentile(raw, 99)),
        (
            "ratio mint / floor (target <= 1.3)",
            statistics.median(mint) / statistics.median(raw),
            _percentile(mint, 99) / _percentile(raw, 99),
        ),
        ("cold import cookie_issuer.app (ms)", statistics.median(cold), max(cold)),
    ]
    print(
        f"\ncookie issuer ({WARM_MINTS} warm mints interleaved with the floor, "
        f"{COLD_RUNS} cold imports)"
    )
    print(f"{'measure':<44}{'p50':>10}{'p99/max':>10}")
    for name, p50, p99 in rows:
        print(f"{name:<44}{p50:>10.3f}{p99:>10.3f}")
    print(
        f"{'Secrets Manager calls per 1,000 warm mints (target <= 1)':<64}"
        f"{sm_calls * 1000 / WARM_MINTS:>10.1f}"
    )


def dataclass_context(cls: type) -> type:
    """A minimal Lambda context for the Powertools decorators."""
    cls.function_name = "cookie-issuer-bench"  # type: ignore[attr-defined]
    cls.memory_limit_in_mb = 256  # type: ignore[attr-defined]
    cls.invoked_function_arn = "arn:aws:lambda:us-east-2:0:function:bench"  # type: ignore[attr-defined]
    cls.aws_request_id = "bench"  # type: ignore[attr-defined]
    return cls


if __name__ == "__main__":
    main()
