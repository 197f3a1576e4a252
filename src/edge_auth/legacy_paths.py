"""Old viewer links: the archive's previous viewer path redirects to the viewer root.

Contract: `legacy_redirect(uri, method, querystring)` returns a CloudFront generated 302 response
for a GET/HEAD of a path in LEGACY_VIEWER_PATHS, else None. Location is `/` plus the query
string (kept when it is plain printable ASCII, dropped otherwise) and never a fragment: the
state lives in the fragment, which never reaches a server, and browsers carry it over a redirect
whose Location has none (RFC 9110, 10.2.2), so `/cloudfront/frontend/index.html#!{...}` lands
on `/#!{...}` byte for byte, however large. The redirect comes before the cookie check, so the
login round trip then starts from `/` with the fragment already in place.

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
_MAX_QUERY_CHARS: Final = 4096


def _plain(query: str) -> bool:
    return len(query) <= _MAX_QUERY_CHARS and all("!" <= c <= "~" for c in query)


def legacy_redirect(uri: str, method: str, querystring: Any) -> dict[str, Any] | None:
    if uri not in LEGACY_VIEWER_PATHS or method not in ("GET", "HEAD"):
        return None
    location = VIEWER_ROOT
    if isinstance(querystring, str) and querystring and _plain(querystring):
        location += "?" + querystring
    return {
        "status": "302",
        "statusDescription": "Found",
        "headers": {
            "location": [{"key": "Location", "value": location}],
            "cache-control": [{"key": "Cache-Control", "value": "no-store"}],
        },
    }
