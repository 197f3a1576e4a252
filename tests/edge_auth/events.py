"""Test helpers: the sample CloudFront viewer-request events and policy cookies."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from edge_auth.cookie_policy import build_custom_policy, cf_b64encode

EVENTS = Path(__file__).resolve().parents[2] / "events" / "edge"
HOST = "neuroglancer.lincbrain.org"


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


#: Our issuer's policies carry DateGreaterThan (the edge's mark of "minted here"); any past time.
ISSUED = 1_000_000_000


def policy_cookie(expiry: int, resource: str = f"https://{HOST}/*", **kw: Any) -> str:
    kw.setdefault("date_greater_than", ISSUED)
    return cf_b64encode(build_custom_policy(resource, expiry, **kw).encode())


def legacy_policy_cookie(expiry: int, resource: str = f"https://{HOST}/*") -> str:
    """The archive's old endpoint's policy: the same shape with no DateGreaterThan."""
    return cf_b64encode(build_custom_policy(resource, expiry).encode())


def with_cookie(event: dict[str, Any], *values: str) -> dict[str, Any]:
    event = copy.deepcopy(event)
    headers = event["Records"][0]["cf"]["request"]["headers"]
    headers["cookie"] = [{"key": "Cookie", "value": v} for v in values]
    return event
