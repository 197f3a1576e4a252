"""CloudFront Functions for the emulator: the event CloudFront builds, and Node running the code.

Contract:
- `function_event(client_ip=..., method=..., uri=..., querystring=..., headers=...)` builds a
  CloudFront Functions viewer-request event (`version`, `context`, `viewer.ip`, `request` with
  `method`, `uri`, `querystring` / `headers` / `cookies` as objects of `{value}` plus
  `multiValue` when a name repeats). Header names are lowercased and the `Cookie` headers are
  not among them: cookies are split into `cookies`. How CloudFront splits them is not
  documented to the byte; this splits as `edge_auth.cookie_header` does (pairs on `;`, the
  pair and the value stripped, pairs without `=` dropped), so both runtimes see the same
  cookie set. Query values stay percent-encoded as they arrived; a part without `=` becomes
  an empty value.
- `function_event_from_lambda_edge(event)` turns a Lambda@Edge viewer-request event (the
  samples in events/edge/) into the CloudFront Functions event of the same request.
- `FunctionHost` is one long-lived `node function_host.js` subprocess (JSON lines, a lock, one
  request at a time). `load(code)` refuses code over MAX_CODE_BYTES (FunctionLimitError, as
  CloudFront's FunctionSizeLimitExceeded); `invoke(event, now=None)` returns what the
  function returned (Date.now() pinned to `now` seconds when given) or raises FunctionError;
  `bench(events, rounds, now)` times the handler in Node's own loop (ns per event).
- What CloudFront makes of a function's result: `function_response(result)` for a generated
  response (status, headers in CloudFront's capitalization, Set-Cookie from `cookies`, body
  text or base64), `forwarded_request(result)` for a request let through (uri, query, headers
  with the cookies joined back into one `Cookie` header).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Sequence
from typing import Any, Final

from edge_auth.cloudfront_function import MAX_CODE_BYTES

HOST_SCRIPT: Final = os.path.join(os.path.dirname(os.path.abspath(__file__)), "function_host.js")


class FunctionError(RuntimeError):
    """The function could not be loaded or run (CloudFront would answer 503)."""


class FunctionLimitError(FunctionError):
    """The code breaks a CloudFront Functions quota."""


def _fields(pairs: Sequence[tuple[str, str]]) -> dict[str, dict[str, Any]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    out: dict[str, dict[str, Any]] = {}
    for name, values in grouped.items():
        out[name] = {"value": values[0]}
        if len(values) > 1:
            out[name]["multiValue"] = [{"value": v} for v in values]
    return out


def _cookie_pairs(cookie_headers: Sequence[str]) -> list[tuple[str, str]]:
    pairs = []
    for header in cookie_headers:
        for pair in header.split(";"):
            name, sep, value = pair.strip().partition("=")
            if sep:
                pairs.append((name, value.strip()))
    return pairs


def _query_pairs(querystring: str) -> list[tuple[str, str]]:
    pairs = []
    for part in querystring.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((name, value))
    return pairs


def function_event(
    *,
    client_ip: str,
    method: str,
    uri: str,
    querystring: str,
    headers: Sequence[tuple[str, str]],
    distribution_domain: str = "d111111abcdef8.cloudfront.net",
    distribution_id: str = "ELOCALSTACK0001",
) -> dict[str, Any]:
    cookies = [value for name, value in headers if name.lower() == "cookie"]
    others = [(name.lower(), value) for name, value in headers if name.lower() != "cookie"]
    return {
        "version": "1.0",
        "context": {
            "distributionDomainName": distribution_domain,
            "distributionId": distribution_id,
            "eventType": "viewer-request",
            "requestId": "local",
        },
        "viewer": {"ip": client_ip},
        "request": {
            "method": method,
            "uri": uri,
            "querystring": _fields(_query_pairs(querystring)),
            "headers": _fields(others),
            "cookies": _fields(_cookie_pairs(cookies)),
        },
    }


def function_event_from_lambda_edge(event: dict[str, Any]) -> dict[str, Any]:
    request = event["Records"][0]["cf"]["request"]
    headers = [
        (entry.get("key", name), entry["value"])
        for name, entries in request["headers"].items()
        for entry in entries
    ]
    return function_event(
        client_ip=request.get("clientIp", ""),
        method=request["method"],
        uri=request["uri"],
        querystring=request.get("querystring", ""),
        headers=headers,
    )


class FunctionHost:
    """One Node process hosting one CloudFront Function; thread-safe, one call at a time."""

    def __init__(self, code: str) -> None:
        size = len(code.encode("utf-8"))
        if size > MAX_CODE_BYTES:
            raise FunctionLimitError(f"function code is {size} bytes, over {MAX_CODE_BYTES}")
        node = shutil.which("node")
        if node is None:
            raise FunctionError("node is not installed: CloudFront Functions run under Node")
        self._lock = threading.Lock()
        # Our own script under the node on PATH, no shell, no request data in the arguments.
        self._process = subprocess.Popen(  # noqa: S603
            [node, HOST_SCRIPT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            bufsize=1,
        )
        self._call({"code": code})

    def _call(self, message: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            process = self._process
            if process.stdin is None or process.stdout is None or process.poll() is not None:
                raise FunctionError("the function host has exited")
            process.stdin.write(json.dumps(message) + "\n")
            process.stdin.flush()
            line = process.stdout.readline()
        if not line:
            raise FunctionError("the function host closed its output")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise FunctionError(f"{answer['error']}: {answer.get('message', '')}")
        return answer

    def invoke(self, event: dict[str, Any], now: float | None = None) -> Any:
        return self._call({"event": event, "now": now})["result"]

    def bench(self, events: list[dict[str, Any]], rounds: int, now: float) -> float:
        return float(self._call({"bench": rounds, "events": events, "now": now})["ns_per_event"])

    def close(self) -> None:
        process = self._process
        if process.poll() is None:
            if process.stdin is not None:
                process.stdin.close()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def __enter__(self) -> FunctionHost:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _values(field: dict[str, Any]) -> list[str]:
    return [m["value"] for m in field.get("multiValue") or [field]]


def _query(querystring: dict[str, Any]) -> str:
    return "&".join(f"{name}={v}" for name, field in querystring.items() for v in _values(field))


def _headers(request: dict[str, Any]) -> list[tuple[str, str]]:
    headers = [(n, v) for n, field in request.get("headers", {}).items() for v in _values(field)]
    cookies = [
        f"{n}={v}" for n, field in request.get("cookies", {}).items() for v in _values(field)
    ]
    return headers + ([("Cookie", "; ".join(cookies))] if cookies else [])


def _header_case(name: str) -> str:
    # CloudFront Functions: "the first letter of each word in header names is capitalized".
    return "-".join(word[:1].upper() + word[1:] for word in name.split("-"))


def function_response(result: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    """A function's generated response as (status, headers, body), as CloudFront sends it."""
    headers = [
        (_header_case(n), v)
        for n, field in result.get("headers", {}).items()
        for v in _values(field)
    ]
    for name, cookie in result.get("cookies", {}).items():
        attributes = f"; {cookie['attributes']}" if cookie.get("attributes") else ""
        headers.append(("Set-Cookie", f"{name}={cookie['value']}{attributes}"))
    body = result.get("body", "")
    if isinstance(body, dict):
        if body.get("encoding") == "base64":
            data = base64.b64decode(body["data"])
        else:
            data = body["data"].encode("utf-8")
    else:
        data = (body or "").encode("utf-8")
    return int(result["statusCode"]), headers, data


def forwarded_request(result: dict[str, Any]) -> tuple[str, str, list[tuple[str, str]]]:
    """The request a function let through (possibly changed): (uri, query string, headers)."""
    return result["uri"], _query(result.get("querystring", {})), _headers(result)
