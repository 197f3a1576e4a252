"""Viewer-request handlers the template tests associate instead of the real edge function."""

from __future__ import annotations

from typing import Any

EVENTS: list[dict[str, Any]] = []


def recording_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    EVENTS.append(event)
    request: dict[str, Any] = event["Records"][0]["cf"]["request"]
    return request


def numeric_status_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Breaks a CloudFront rule: `status` must be a string."""
    return {"status": 200, "headers": {}, "body": "hello"}


def host_rewriting_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Breaks a CloudFront rule: Host is read-only in a viewer request."""
    request: dict[str, Any] = event["Records"][0]["cf"]["request"]
    request["headers"]["host"] = [{"key": "Host", "value": "evil.example.org"}]
    return request
