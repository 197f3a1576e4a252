"""What CloudFront accepts back from a viewer-request Lambda@Edge function.

Contract: `check_viewer_request_result(original, result)` returns a list of human-readable
violations (empty when CloudFront would accept the result). CloudFront answers 502 for any of
them in production; the emulator does the same, and the tests use the same checks, so a result
that passes here is one CloudFront would take.

`generated_response(result)` is what CloudFront sends for a generated response: (status,
headers as given, body decoded from text or base64).

`check_function_result(original, result)` does the same for a CloudFront Function (integer
`statusCode`, only the documented response fields, `{value}` headers, body a string or
`{data, encoding}`).

Rules (AWS Lambda@Edge docs, "Lambda@Edge event structure", "Restrictions on edge functions"):
- a request object comes back with the read-only headers of a viewer request untouched;
- a generated response has `status` as a string of three digits, headers keyed by the lowercase
  header name, each a list of `{"key", "value"}` strings whose key matches the name
  case-insensitively, no read-only or disallowed headers, and headers plus body at most 40 KB.
"""

from __future__ import annotations

import base64
from typing import Any, Final

MAX_GENERATED_RESPONSE_BYTES: Final = 40 * 1024
READ_ONLY_VIEWER_REQUEST_HEADERS: Final = frozenset(
    {"content-length", "host", "transfer-encoding", "via"}
)
DISALLOWED_GENERATED_RESPONSE_HEADERS: Final = frozenset(
    {
        "connection",
        "content-length",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "trailer",
        "upgrade",
        "x-accel-buffering",
        "x-accel-charset",
        "x-accel-limit-rate",
        "x-accel-redirect",
        "transfer-encoding",
        "via",
    }
)


def _check_headers(headers: Any, where: str) -> list[str]:
    problems: list[str] = []
    if not isinstance(headers, dict):
        return [f"{where}: headers must be an object"]
    for name, entries in headers.items():
        if not isinstance(name, str) or name != name.lower():
            problems.append(f"{where}: header key {name!r} is not lowercase")
            continue
        if not isinstance(entries, list) or not entries:
            problems.append(f"{where}: header {name} must be a non-empty list")
            continue
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
                problems.append(f"{where}: header {name} entries need a string value")
            elif "key" in entry and (
                not isinstance(entry["key"], str) or entry["key"].lower() != name
            ):
                problems.append(f"{where}: header {name} has mismatched key {entry['key']!r}")
    return problems


def _generated_size(result: dict[str, Any]) -> int:
    size = len(str(result.get("body", "")).encode("utf-8"))
    for name, entries in result.get("headers", {}).items():
        for entry in entries:
            size += len(name) + len(str(entry.get("value", "")).encode("utf-8")) + 4
    return size


def check_viewer_request_result(original: dict[str, Any], result: Any) -> list[str]:
    if not isinstance(result, dict):
        return ["result is not an object"]
    if "status" not in result:
        problems = _check_headers(result.get("headers"), "request")
        before = original.get("headers", {})
        after = result.get("headers", {}) if isinstance(result.get("headers"), dict) else {}
        for name in READ_ONLY_VIEWER_REQUEST_HEADERS:
            if before.get(name) != after.get(name):
                problems.append(f"request: read-only header {name} was changed")
        if result.get("uri") is None or not str(result.get("uri")).startswith("/"):
            problems.append("request: uri must start with /")
        return problems
    problems = []
    status = result["status"]
    if not isinstance(status, str) or len(status) != 3 or not status.isdigit():
        problems.append(f"response: status must be a 3-digit string, got {status!r}")
    headers = result.get("headers", {})
    problems += _check_headers(headers, "response")
    if isinstance(headers, dict):
        for name in headers:
            if name in DISALLOWED_GENERATED_RESPONSE_HEADERS:
                problems.append(f"response: header {name} is not allowed in a generated response")
    body = result.get("body", "")
    if not isinstance(body, str):
        problems.append("response: body must be a string")
    encoding = result.get("bodyEncoding", "text")
    if encoding not in ("text", "base64"):
        problems.append(f"response: bodyEncoding {encoding!r} is neither text nor base64")
    if not problems and _generated_size(result) > MAX_GENERATED_RESPONSE_BYTES:
        problems.append("response: headers and body exceed 40 KB")
    return problems


# -- CloudFront Functions ---------------------------------------------------------------------
#: What a CloudFront Function's generated response may hold (event structure, "Response object").
FUNCTION_RESPONSE_FIELDS: Final = frozenset(
    {"statusCode", "statusDescription", "headers", "cookies", "body"}
)
#: Kept at the Lambda@Edge viewer figure: the emulator refuses anything bigger either way.
MAX_FUNCTION_RESPONSE_BYTES: Final = 40 * 1024


def _check_function_fields(fields: Any, where: str, lowercase: bool) -> list[str]:
    if not isinstance(fields, dict):
        return [f"{where} must be an object"]
    problems = []
    for name, field in fields.items():
        if lowercase and name != name.lower():
            problems.append(f"{where}: name {name!r} is not lowercase")
        if not isinstance(field, dict) or not isinstance(field.get("value"), str):
            problems.append(f"{where}: {name} needs a string value")
            continue
        multi = field.get("multiValue")
        if multi is not None and (
            not isinstance(multi, list)
            or not all(isinstance(m, dict) and isinstance(m.get("value"), str) for m in multi)
        ):
            problems.append(f"{where}: {name} multiValue must be a list of {{value}}")
    return problems


def _function_body(body: Any) -> tuple[str | None, list[str]]:
    if body is None:
        return "", []
    if isinstance(body, str):
        return body, []
    if isinstance(body, dict) and isinstance(body.get("data"), str):
        if body.get("encoding", "text") not in ("text", "base64"):
            return None, ["response: body encoding must be text or base64"]
        return body["data"], []
    return None, ["response: body must be a string or {data, encoding}"]


def check_function_result(original: dict[str, Any], result: Any) -> list[str]:
    """Violations of what CloudFront takes back from a viewer-request CloudFront Function."""
    if not isinstance(result, dict):
        return ["result is not an object"]
    if "statusCode" not in result:
        problems = _check_function_fields(result.get("headers"), "request headers", True)
        problems += _check_function_fields(result.get("cookies", {}), "request cookies", False)
        if result.get("method") != original.get("method"):
            problems.append("request: method is read-only")
        if not str(result.get("uri", "")).startswith("/"):
            problems.append("request: uri must start with /")
        return problems
    problems = [f"response: unknown field {k}" for k in result if k not in FUNCTION_RESPONSE_FIELDS]
    status = result["statusCode"]
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        problems.append(f"response: statusCode must be an integer status, got {status!r}")
    if not isinstance(result.get("statusDescription", ""), str):
        problems.append("response: statusDescription must be a string")
    headers = result.get("headers", {})
    problems += _check_function_fields(headers, "response headers", True)
    problems += _check_function_fields(result.get("cookies", {}), "response cookies", False)
    if isinstance(headers, dict):
        problems += [
            f"response: header {name} is not allowed in a generated response"
            for name in headers
            if name in DISALLOWED_GENERATED_RESPONSE_HEADERS
        ]
    body, body_problems = _function_body(result.get("body"))
    problems += body_problems
    if not problems and body is not None:
        size = len(body.encode("utf-8")) + sum(
            len(n) + len(f["value"].encode("utf-8")) + 4 for n, f in headers.items()
        )
        if size > MAX_FUNCTION_RESPONSE_BYTES:
            problems.append("response: headers and body exceed 40 KB")
    return problems


def generated_response(result: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = [
        (e.get("key", n), e["value"])
        for n, entries in result.get("headers", {}).items()
        for e in entries
    ]
    body = result.get("body", "")
    if result.get("bodyEncoding") == "base64":
        return int(result["status"]), headers, base64.b64decode(body)
    return int(result["status"]), headers, body.encode("utf-8")
