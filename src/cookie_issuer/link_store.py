"""Short-link state files: checked, made canonical, named by their content, written once.

Contract:
- `canonical_state(body)` takes a request body and returns the bytes to store: a JSON object
  (a Neuroglancer state) of at most `MAX_STATE_BYTES` as sent and as stored, re-serialised
  compactly in UTF-8 with its key order kept. Anything else raises `BadRequestError` (not UTF-8,
  not JSON, not an object, NaN/Infinity, nested deeper than Python parses) or
  `PayloadTooLargeError`, each with the reason and what to do.
- `link_id(data)` is the SHA-256 of the stored bytes in hex: the same state always gets the same
  id, an id tells nothing a reader of the file does not already know, and `sha256sum` of a
  downloaded file checks it against its name.
- `LinkStore(bucket).put(data, subject)` writes `links/<id>.json` (Content-Type JSON, immutable
  caching) with S3's conditional write `If-None-Match: *`, so no request ever replaces an
  object; an existing object under the id already holds these very bytes (the id is their
  hash), so that case answers `created=False`. S3 failures raise
  `DependencyUnavailableError`; the writer's archive username is kept as object metadata.
Nothing here logs the state itself: it may name private assets.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from cookie_issuer.errors import BadRequestError, DependencyUnavailableError, PayloadTooLargeError
from edge_auth.short_links import state_key

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# 16x the 64 KB the design promises for states in a URL; far below API Gateway's 10 MB and
# Lambda's 6 MB payload limits, and small enough that storage cannot be used as a file host.
MAX_STATE_BYTES: Final = 1024 * 1024
CACHE_CONTROL: Final = "public, max-age=31536000, immutable"  # content-addressed: never changes


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def canonical_state(body: bytes) -> bytes:
    if len(body) > MAX_STATE_BYTES:
        raise PayloadTooLargeError(
            f"The state is {len(body):,} bytes; short links hold at most {MAX_STATE_BYTES:,}.",
            reason="state_too_large",
            action="Share fewer annotations in the state, or keep them in an annotation layer "
            "stored with the data.",
        )
    try:
        state = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequestError(
            "The request body is not a JSON document in UTF-8.",
            reason="state_not_json",
            action="Send the Neuroglancer state JSON (linc-edge-auth link --short does).",
        ) from None
    if not isinstance(state, dict):
        raise BadRequestError(
            "A Neuroglancer state is a JSON object.",
            reason="state_not_object",
            action="Send the state as Neuroglancer's JSON view shows it: {...}.",
        )
    try:
        data = json.dumps(state, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
            "utf-8"
        )
    except (ValueError, RecursionError):  # e.g. 1e999 parsed as inf
        raise BadRequestError(
            "The state holds a number JSON cannot carry.",
            reason="state_not_json",
            action="Send the state as Neuroglancer writes it.",
        ) from None
    if len(data) > MAX_STATE_BYTES:  # re-encoding can grow escaped text
        raise PayloadTooLargeError(
            f"The state is {len(data):,} bytes stored; short links hold at most "
            f"{MAX_STATE_BYTES:,}.",
            reason="state_too_large",
        )
    return data


def link_id(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class StoredLink:
    key: str
    link_id: str
    created: bool
    size: int


class LinkStore:
    def __init__(self, bucket: str, client: S3Client | None = None) -> None:
        self.bucket = bucket
        self._client = client

    def client(self) -> S3Client:
        if self._client is None:
            import boto3  # on first write only: most invocations never store a link

            self._client = boto3.client("s3")
        return self._client

    def put(self, data: bytes, subject: str) -> StoredLink:
        from botocore.exceptions import BotoCoreError, ClientError

        identifier = link_id(data)
        key = state_key(identifier)
        try:
            self.client().put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentType="application/json",
                CacheControl=CACHE_CONTROL,
                IfNoneMatch="*",
                Metadata={"created-by": subject[:256]},
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in ("PreconditionFailed", "ConditionalRequestConflict") or status == 412:
                return StoredLink(key, identifier, created=False, size=len(data))
            raise _storage_unavailable() from None
        except BotoCoreError:
            raise _storage_unavailable() from None
        return StoredLink(key, identifier, created=True, size=len(data))


def _storage_unavailable() -> DependencyUnavailableError:
    return DependencyUnavailableError(
        "The link storage did not accept the state.",
        reason="link_storage_unavailable",
        action="Try again in a minute; if it keeps happening, tell the LINC team.",
    )
