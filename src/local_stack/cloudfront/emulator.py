"""The CloudFront emulator: one loopback HTTP origin playing the distribution of template.yaml.

Contract: `CloudFrontEmulator(distribution, ..., domain_name=None)` serves, per request, what the
distribution would: a `Host` that is neither the distribution's domain name (`domain_name`,
default `localhost:<port>`, the local stand-in for d111111abcdef8.cloudfront.net) nor one of its
`Aliases` gets CloudFront's 403 "Bad request" page; then the first matching behavior
(`distribution.Distribution.behavior_for`), the request limits (URI + query over 8,192 bytes:
414; a method the behavior does not allow: 403),
the trusted key group's check (`signed_cookies`, 403 XML like CloudFront's: a query carrying a
signed-URL parameter is judged as a signed URL, its cookies ignored; else the cookies), the
viewer-request function invoked with a faithful event and its answer checked with
`edge_results.check_viewer_request_result` (502 on a violation), then the origin: an S3
bucket in local moto (Range, Content-Type, ETag; a missing key is 403 AccessDenied, as S3 with
OAC and no ListBucket answers, or 404 under the prefixes the template lets CloudFront list;
`Server: AmazonS3` as CloudFront passes S3's header through, while CloudFront's own answers say
`Server: CloudFront`) or the issuer handler invoked with an
HTTP API v2 event.
`enforce_signed_cookies=False` serves the same origins through the same code minus the cookie
check and the edge function (the benchmark's baseline).

Emulator-only paths under `/_local/` (not in the template): `GET /_local/stats` returns the
counters and the request log (path, status, behavior, whether CloudFront cookies were present,
whether the edge function ran) as JSON; `DELETE /_local/stats` resets them.

Policies name `https://<Host><path>` (the distribution's public URL): the emulator listens on
plain HTTP standing in for CloudFront's TLS termination, so what is signed and checked is what
production signs and checks.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, Final
from urllib.parse import urlsplit

from edge_auth.cookie_header import cloudfront_cookies
from local_stack.cloudfront.distribution import CacheBehavior, Distribution, Origin
from local_stack.cloudfront.edge_results import (
    check_function_result,
    check_viewer_request_result,
    generated_response,
)
from local_stack.cloudfront.function_runtime import (
    FunctionError,
    FunctionHost,
    forwarded_request,
    function_event,
    function_response,
)
from local_stack.cloudfront.issuer_origin import call_issuer
from local_stack.cloudfront.request_stats import Stats
from local_stack.cloudfront.s3_origin import fetch_object
from local_stack.cloudfront.signed_cookies import ERROR_XML, SignedCookieVerifier, is_signed_url
from local_stack.http_server import BackgroundHTTPService
from local_stack.lambda_events import (
    BadLambdaResponse,
    LocalFunction,
    viewer_request_event,
)

MAX_URI_AND_QUERY_BYTES: Final = 8192
DISTRIBUTION_ID: Final = "ELOCALSTACK0001"
STATS_PATH: Final = "/_local/stats"
XML_TYPE: Final = "application/xml"
#: Hop-by-hop and CloudFront-owned headers never copied from an origin answer.
_SKIP_HEADERS: Final = frozenset(
    {"connection", "transfer-encoding", "content-length", "keep-alive"}
)
#: CloudFront's answer to a Host that is not one of the distribution's names: "If you create the
#: DNS record but don't add the CNAME in your CloudFront distribution configuration, then the
#: request returns a 403 error" (Developer Guide, "HTTP 403 status code (Permission Denied)"),
#: the page titled "403 ERROR / The request could not be satisfied. Bad request."
_UNKNOWN_HOST_PAGE: Final = (
    b'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n<HTML><HEAD>'
    b"<TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY>\n"
    b"<H1>403 ERROR</H1>\n<H2>The request could not be satisfied.</H2>\n<HR>\n"
    b"Bad request. We can't connect to the server for this app or website at this time.\n"
    b"</BODY></HTML>\n"
)


def _xml_error(code: str, message: str) -> bytes:
    return ERROR_XML.format(code=code, message=message).encode("utf-8")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    length: int | None = None  # Content-Length when it is not len(body) (HEAD)


class CloudFrontEmulator(BackgroundHTTPService):
    thread_name = "cloudfront"

    def __init__(
        self,
        distribution: Distribution,
        buckets: dict[str, str],
        s3_client: Any,
        enforce_signed_cookies: bool = True,
        clock: Callable[[], float] = time.time,
        domain_name: str | None = None,
    ) -> None:
        """`buckets` maps a template bucket (logical id or bucket name) to a local bucket;
        `domain_name` is the distribution's own name (default `localhost:<bound port>`)."""
        self.distribution = distribution
        self.domain_name = domain_name
        self.buckets = buckets
        self.s3 = s3_client
        self.enforce = enforce_signed_cookies
        self.clock = clock
        self.stats = Stats()
        self._stats_lock = threading.Lock()
        keys = {
            k
            for b in (*distribution.behaviors, distribution.default)
            for k in b.trusted_public_keys
        }
        self.verifier = SignedCookieVerifier(sorted(keys))
        self._function_hosts: dict[str, FunctionHost] = {}
        self._hosts_lock = threading.Lock()
        super().__init__()

    def function_host(self, code: str) -> FunctionHost:
        """One long-lived Node process per function code, started on first use."""
        with self._hosts_lock:
            if code not in self._function_hosts:
                self._function_hosts[code] = FunctionHost(code)
            return self._function_hosts[code]

    def stop(self) -> None:
        super().stop()
        with self._hosts_lock:
            hosts, self._function_hosts = list(self._function_hosts.values()), {}
        for host in hosts:
            host.close()

    # -- plumbing -----------------------------------------------------------------------
    def bucket_for(self, origin: Origin) -> str:
        name = origin.bucket_logical_id or origin.bucket_name or ""
        if name not in self.buckets:
            raise KeyError(f"no local bucket for template origin {origin.origin_id} ({name})")
        return self.buckets[name]

    def request_handler(self) -> type[BaseHTTPRequestHandler]:
        return _make_request_handler(self)

    def _record(self, entry: dict[str, Any], edge: bool, data: bool, issuer: bool) -> None:
        with self._stats_lock:
            self.stats.requests += 1
            self.stats.edge_invocations += edge
            self.stats.issuer_invocations += issuer
            self.stats.data_requests += data
            self.stats.data_edge_invocations += edge and data
            self.stats.log.append(entry)

    def stats_json(self) -> dict[str, Any]:
        with self._stats_lock:
            return self.stats.as_json(self.verifier.signature_checks)

    def reset_stats(self) -> None:
        with self._stats_lock:
            self.stats = Stats()

    # -- the distribution ---------------------------------------------------------------
    def serves_host(self, host: str) -> bool:
        """CloudFront picks the distribution by Host: its domain name or one of its Aliases."""
        own = self.domain_name or f"localhost:{self.port}"
        return host.lower() in {own.lower(), *self.distribution.aliases}

    def serve(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes,
        client_ip: str,
    ) -> Answer:
        parts = urlsplit(target)
        path, query = parts.path or "/", parts.query
        behavior = self.distribution.behavior_for(path)
        cookie_values = [v for n, v in headers if n.lower() == "cookie"]
        found = cloudfront_cookies(cookie_values)
        entry: dict[str, Any] = {
            "time": round(self.clock(), 3),
            "method": method,
            "path": path,
            "behavior": behavior.path_pattern,
            "cloudfront_cookies": bool(found) or found is None,
            "edge": False,
        }
        edge_ran = False
        try:
            answer, edge_ran = self._serve(method, path, query, headers, body, client_ip, behavior)
        except Exception as exc:  # the emulator must answer like CloudFront, never hang up
            # The type only: a message could quote request data (cookies, tokens).
            message = f"emulator: {type(exc).__name__} while serving {behavior.path_pattern}"
            answer = self._error(502, "BadGateway", message)
        entry["status"] = answer.status
        entry["edge"] = edge_ran
        data = behavior.requires_signed_cookies
        self._record(
            entry, edge_ran, data, self.distribution.origins[behavior.origin_id].kind == "issuer"
        )
        return answer

    def _serve(
        self,
        method: str,
        path: str,
        query: str,
        headers: list[tuple[str, str]],
        body: bytes,
        client_ip: str,
        behavior: CacheBehavior,
    ) -> tuple[Answer, bool]:
        host = next((v for n, v in headers if n.lower() == "host"), "")
        if not self.serves_host(host):
            return Answer(
                403,
                [("Content-Type", "text/html"), ("X-Cache", "Error from cloudfront")],
                _UNKNOWN_HOST_PAGE,
            ), False
        if len(path.encode()) + len(query.encode()) + (1 if query else 0) > MAX_URI_AND_QUERY_BYTES:
            return Answer(
                414, [("Content-Type", "text/html")], b"<h1>414 Request-URI Too Large</h1>"
            ), False
        if method not in behavior.allowed_methods:
            return self._error(
                403,
                "MethodNotAllowed",
                "This distribution is not configured to allow the HTTP request method that "
                "was used for this request.",
            ), False
        if self.enforce and behavior.requires_signed_cookies:
            url = f"https://{host}{path}"
            if is_signed_url(query):  # judged on the URL alone: its cookies are ignored
                denial = self.verifier.check_signed_url(query, url, self.clock(), client_ip)
            else:
                cookie_values = [v for n, v in headers if n.lower() == "cookie"]
                denial = self.verifier.check(cookie_values, url, self.clock(), client_ip)
            if denial is not None:
                return Answer(403, [("Content-Type", XML_TYPE)], denial.xml()), False
        edge_ran = False
        if self.enforce and behavior.viewer_request_function:
            outcome = self._run_function(
                behavior.viewer_request_function, method, path, query, headers, client_ip
            )
            if isinstance(outcome, Answer):
                return outcome, True
            edge_ran = True
            path, query, headers = outcome
        elif self.enforce and behavior.viewer_request_handler:
            edge_ran = True
            event = viewer_request_event(
                distribution_domain=host.split(":")[0],
                distribution_id=DISTRIBUTION_ID,
                client_ip=client_ip,
                method=method,
                uri=path,
                querystring=query,
                headers=headers,
            )
            original = json.loads(json.dumps(event["Records"][0]["cf"]["request"]))
            result = LocalFunction.get(behavior.viewer_request_handler).invoke(event)
            problems = check_viewer_request_result(original, result)
            if problems:
                return self._error(
                    502,
                    "LambdaValidationError",
                    "The Lambda function returned an invalid response: " + "; ".join(problems),
                ), True
            if "status" in result:
                return Answer(*generated_response(result)), True
            path, query = result["uri"], result.get("querystring", "")
            headers = [
                (e.get("key", n), e["value"])
                for n, entries in result["headers"].items()
                for e in entries
            ]
        origin = self.distribution.origins[behavior.origin_id]
        if origin.kind == "issuer":
            return self._issuer(origin, method, path, query, headers, body, client_ip), edge_ran
        return self._s3(origin, method, path, headers), edge_ran

    def _run_function(
        self,
        code: str,
        method: str,
        path: str,
        query: str,
        headers: list[tuple[str, str]],
        client_ip: str,
    ) -> Answer | tuple[str, str, list[tuple[str, str]]]:
        """A generated answer, or the (possibly changed) request to send on."""
        event = function_event(
            client_ip=client_ip, method=method, uri=path, querystring=query, headers=headers
        )
        try:
            result = self.function_host(code).invoke(event, self.clock())
        except FunctionError as exc:
            return self._error(
                503, "FunctionExecutionError", f"The CloudFront function failed: {exc}"
            )
        problems = check_function_result(event["request"], result)
        if problems:
            return self._error(
                503,
                "FunctionValidationError",
                "The CloudFront function returned an invalid result: " + "; ".join(problems),
            )
        if "statusCode" in result:
            return Answer(*function_response(result))
        return forwarded_request(result)

    def _error(self, status: int, code: str, message: str) -> Answer:
        return Answer(status, [("Content-Type", XML_TYPE)], _xml_error(code, message))

    def _issuer(
        self,
        origin: Origin,
        method: str,
        path: str,
        query: str,
        headers: list[tuple[str, str]],
        body: bytes,
        client_ip: str,
    ) -> Answer:
        assert origin.handler is not None
        try:
            status, answer_headers, data = call_issuer(
                origin.handler,
                origin.routes,
                method=method,
                path=path,
                query=query,
                headers=headers,
                body=body,
                client_ip=client_ip,
            )
        except BadLambdaResponse as exc:
            return self._error(502, "BadGateway", str(exc))
        return Answer(status, answer_headers, data)

    def _s3(self, origin: Origin, method: str, path: str, headers: list[tuple[str, str]]) -> Answer:
        status, out, data, length = fetch_object(
            self.s3, self.bucket_for(origin), method, path, headers, origin.listable_prefixes
        )
        out.append(("X-Content-Type-Options", "nosniff"))
        out.append(("Via", "1.1 local.cloudfront.net (CloudFront)"))
        out.append(("Server", "AmazonS3"))
        return Answer(status, out, data, length)


def _make_request_handler(emulator: CloudFrontEmulator) -> type[BaseHTTPRequestHandler]:
    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "CloudFront"
        sys_version = ""
        answer_server: str | None = None  # the origin's Server header, passed through

        def version_string(self) -> str:
            return self.answer_server or self.server_version

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the request log lives in /_local/stats; cookies never reach a log

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.path.split("?", 1)[0] == STATS_PATH:
                self._stats()
                return
            headers = list(self.headers.items())
            answer = emulator.serve(self.command, self.path, headers, body, self.client_address[0])
            self.answer_server = next((v for n, v in answer.headers if n.lower() == "server"), None)
            self.send_response(answer.status)
            for name, value in answer.headers:
                if name.lower() not in _SKIP_HEADERS and name.lower() != "server":
                    self.send_header(name, value)
            length = answer.length if answer.length is not None else len(answer.body)
            self.send_header("Content-Length", str(length))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.body)

        def _stats(self) -> None:
            self.answer_server = None
            if self.command == "DELETE":
                emulator.reset_stats()
            data = json.dumps(emulator.stats_json()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle

    return RequestHandler
