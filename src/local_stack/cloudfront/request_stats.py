"""The emulator's counters and request log, served as JSON at `GET /_local/stats`.

Contract: `Stats` counts requests, edge and issuer invocations, data requests and edge runs on
data (which must stay 0: data is guarded by the key group alone), and keeps the last
REQUEST_LOG_SIZE log entries; `as_json(signature_checks)` is the document the tests and the
benchmarks read. Nothing in it is a cookie value or a token: entries hold paths, statuses,
behaviors and booleans.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Final

REQUEST_LOG_SIZE: Final = 5000


@dataclass
class Stats:
    requests: int = 0
    edge_invocations: int = 0
    issuer_invocations: int = 0
    data_requests: int = 0
    data_edge_invocations: int = 0
    log: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=REQUEST_LOG_SIZE))

    def as_json(self, verifier_checks: int) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "edge_invocations": self.edge_invocations,
            "issuer_invocations": self.issuer_invocations,
            "data_requests": self.data_requests,
            "data_edge_invocations": self.data_edge_invocations,
            "signature_checks": verifier_checks,
            "log": list(self.log),
        }
