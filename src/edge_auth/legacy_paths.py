"""Old viewer links: the archive's previous viewer path redirects to the viewer root.

Contract: `legacy_redirect(uri, method)` returns a CloudFront generated 302 response for a
GET/HEAD of a path in LEGACY_VIEWER_PATHS, else None. Location is always VIEWER_ROOT (`/`):
never a fragment and never the query. The state lives in the fragment, which never reaches a
server, and browsers carry it over a redirect whose Location has none (RFC 9110, 10.2.2), so
`/cloudfront/frontend/index.html#!{...}` lands on `/#!{...}` byte for byte, however large. The
archive's old links had no query, so none is copied (nothing from the request reaches a
header). The redirect comes before the cookie check, so the login round trip then starts from
`/` with the fragment already in place. The CloudFront Function (cloudfront_function.js) takes
these constants from here.

Why 302 and not 301: a browser keeps a 301 forever, and rolling DNS back to the old setup
(docs/migration.md) must let the old path reach the old viewer again. Why a constant and not a
parameter: the edge function carries no deployment settings (docs/architecture.md); the list is
the LINC archive's one old path in its spellings. Standard library only.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

#: The archive's old Neuroglancer page (`.../cloudfront/frontend/index.html#!{state}`).
LEGACY_VIEWER_PATHS: Final = frozenset(
    {"/cloudfront/frontend/index.html", "/cloudfront/frontend/", "/cloudfront/frontend"}
)
VIEWER_ROOT: Final = "/"


def legacy_redirect(uri: str, method: str) -> dict[str, Any] | None:
    if uri not in LEGACY_VIEWER_PATHS or method not in ("GET", "HEAD"):
        return None
    return {
        "status": "302",
        "statusDescription": "Found",
        "headers": {
            "location": [{"key": "Location", "value": VIEWER_ROOT}],
            "cache-control": [{"key": "Cache-Control", "value": "no-store"}],
        },
        "body": "",
    }
