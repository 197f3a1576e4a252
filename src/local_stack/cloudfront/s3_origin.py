"""An S3 origin behind OAC, as CloudFront reaches it: one object per request, from local moto.

Contract: `fetch_object(s3, bucket, method, path, headers)` maps the request path to a key (`/`
is the DefaultRootObject `index.html`; percent-escapes decoded, as S3 keys are stored), forwards
`Range`, and returns `(status, headers, body, length)`: 200 or 206 with Content-Type (as
uploaded), Accept-Ranges, ETag, Last-Modified and Content-Range; for HEAD the body is empty and
`length` is the object's size. A missing key is 404 NoSuchKey when it matches one of `listable`
(the `s3:prefix` StringLike patterns the bucket policy lets CloudFront `s3:ListBucket` under; S3
checks the requested key as the prefix), else 403 AccessDenied, as S3 behind OAC answers without
that permission; an unsatisfiable range is 416. A path is always an object key: nothing here
lists a bucket, whatever the query string.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any, Final
from urllib.parse import unquote

from botocore.exceptions import ClientError

from local_stack.cloudfront.signed_cookies import ERROR_XML

XML_TYPE: Final = "application/xml"
DEFAULT_ROOT_OBJECT: Final = "index.html"

OriginAnswer = tuple[int, list[tuple[str, str]], bytes, int]


def _error(status: int, code: str, message: str) -> OriginAnswer:
    body = ERROR_XML.format(code=code, message=message).encode("utf-8")
    return status, [("Content-Type", XML_TYPE)], body, len(body)


def fetch_object(
    s3: Any,
    bucket: str,
    method: str,
    path: str,
    headers: list[tuple[str, str]],
    listable: tuple[str, ...] = (),
) -> OriginAnswer:
    key = DEFAULT_ROOT_OBJECT if path == "/" else unquote(path.lstrip("/"))
    args: dict[str, Any] = {"Bucket": bucket, "Key": key}
    range_header = next((v for n, v in headers if n.lower() == "range"), None)
    if range_header:
        args["Range"] = range_header
    try:
        if method == "HEAD":
            found = s3.head_object(**args)
            data = b""
        else:
            found = s3.get_object(**args)
            data = found["Body"].read()
    except ClientError as exc:
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500))
        if exc.response.get("Error", {}).get("Code") == "InvalidRange" or status == 416:
            return _error(416, "InvalidRange", "The requested range is not satisfiable")
        missing = exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404")
        if missing and any(fnmatchcase(key, pattern) for pattern in listable):
            return _error(404, "NoSuchKey", "The specified key does not exist.")
        return _error(403, "AccessDenied", "Access Denied")
    out = [
        ("Content-Type", str(found.get("ContentType", "application/octet-stream"))),
        ("Accept-Ranges", "bytes"),
    ]
    if "CacheControl" in found:
        out.append(("Cache-Control", str(found["CacheControl"])))
    if "ETag" in found:
        out.append(("ETag", str(found["ETag"])))
    if "LastModified" in found:
        out.append(("Last-Modified", found["LastModified"].strftime("%a, %d %b %Y %H:%M:%S GMT")))
    status = 200
    if "ContentRange" in found:
        status = 206
        out.append(("Content-Range", str(found["ContentRange"])))
    return status, out, data, int(found.get("ContentLength", len(data)))
