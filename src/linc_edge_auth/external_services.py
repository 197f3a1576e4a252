"""The archive FileBrowser's "External Services" entries for our viewer (use case 1).

The LINC/DANDI web app (`web/src/views/FileBrowserView/FileBrowser.vue`) keeps a list
`EXTERNAL_SERVICES` of `{name, regex, maxsize, endpoint}`. It tests `regex` against the asset's
*path in the dandiset* (e.g. `sub-MR1/micr/sample.ome.zarr`; LINC's S3 keys `zarr/<uuid>/`,
`blobs/<aaa>/<bbb>/<uuid>` have no extension) and fills `endpoint` with plain `replaceAll`s of
`$dandiset_id$`, `$dandiset_version$`, `$asset_url$`, `$asset_dandi_url$`, `$asset_s3_url$`.

None of those gives the asset's path on *our* viewer domain or its file name, so the entries
use two more placeholders, `$asset_s3_path$` and `$asset_name$`. The web app's `serviceURL` is
replaced by `external_services.js` (one function, run under Node against this module in the
tests), which computes them from `assetS3Url` and one more field the call site passes,
`assetPath: path.path`. The entries are named ENTRY_NAME, not `Neuroglancer`: the web app sends
a service named exactly `Neuroglancer` through its old `isNeuroglancer` branch
(`redirectToNeuroglancerUrl`, the old cookie endpoint), which would ignore our link.

Contract: `entries(deployment)` returns the entries (one per format, so each gets the right
source scheme; their regexes are disjoint and their union is `NEUROGLANCER_REGEX`);
`render(endpoint, ...)` is a Python mirror of the web app's `serviceURL` plus the two new
placeholders, for tests and docs. The endpoints are built with the same neuroglancer state
code as `linc-edge-auth link`, so the FileBrowser and the CLI give the same state.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from typing import Final, TypedDict

from linc_edge_auth.asset_refs import Deployment, Format
from linc_edge_auth.viewer_state import LayerSpec, build_state, viewer_link

# Today's LINC entry: /\.(nwb|txt|nii(\.gz)?|ome\.zarr)$/ ("TODO: .txt for testing purposes").
# The fix: only what Neuroglancer opens, plain .zarr included, no .txt, no .nwb.
NEUROGLANCER_REGEX: Final = r"\.(zarr|nii|nii\.gz)$"
_ENTRY_REGEX: Final[dict[Format, str]] = {"zarr": r"\.zarr$", "nifti": r"\.nii(\.gz)?$"}
#: Not "Neuroglancer": FileBrowser.vue routes that exact name through `isNeuroglancer`.
ENTRY_NAME: Final = "Neuroglancer (LINC)"
S3_PATH: Final = "$asset_s3_path$"
NAME: Final = "$asset_name$"


class ServiceEntry(TypedDict):
    name: str
    regex: str  # JavaScript regex body, also valid Python `re` syntax
    maxsize: float
    endpoint: str


def entries(deployment: Deployment | None = None) -> list[ServiceEntry]:
    deployment = deployment or Deployment()
    out: list[ServiceEntry] = []
    for fmt, regex in _ENTRY_REGEX.items():
        # $asset_s3_url$ has its trailing slash trimmed by the web app: add it back for zarr.
        url = f"{deployment.viewer_url}{S3_PATH}" + ("/" if fmt == "zarr" else "")
        state = build_state([LayerSpec(url=url, format=fmt, name=NAME)])
        out.append(
            ServiceEntry(
                name=ENTRY_NAME,
                regex=regex,
                maxsize=float("inf"),
                endpoint=viewer_link(state, deployment),
            )
        )
    return out


def render(
    endpoint: str,
    *,
    asset_path: str,
    asset_s3_url: str,
    dandiset_id: str = "",
    dandiset_version: str = "",
    asset_url: str = "",
    asset_dandi_url: str = "",
) -> str:
    """What the web app's `serviceURL` (plus the two new placeholders) makes of `endpoint`."""
    s3_url = asset_s3_url.rstrip("/")  # trimEnd(asset.url, '/')
    name = asset_path.rsplit("/", 1)[-1]
    values = {
        "$dandiset_id$": dandiset_id,
        "$dandiset_version$": dandiset_version,
        "$asset_url$": asset_url or s3_url,
        "$asset_dandi_url$": asset_dandi_url,
        "$asset_s3_url$": s3_url,
        S3_PATH: urllib.parse.urlsplit(s3_url).path,
        # JSON-escaped as Neuroglancer's links are (DEL and non-ASCII as \uXXXX), URI-encoded.
        NAME: urllib.parse.quote(
            json.dumps(name)[1:-1].replace("\x7f", "\\u007f"), safe="-_.!~*'()"
        ),
    }
    for placeholder, value in values.items():
        endpoint = endpoint.replace(placeholder, value)
    return endpoint


def matching(entries_: list[ServiceEntry], asset_path: str) -> list[ServiceEntry]:
    """The entries the FileBrowser would offer for an asset path (`new RegExp(regex).test`)."""
    return [e for e in entries_ if re.search(e["regex"], asset_path)]


def as_javascript(entries_: list[ServiceEntry]) -> str:
    """The entries as they go into the web app's EXTERNAL_SERVICES list."""
    lines = []
    for e in entries_:
        lines += [
            "  {",
            f"    name: '{e['name']}',",
            f"    regex: /{e['regex']}/,",
            "    maxsize: Infinity,",
            f"    endpoint: '{e['endpoint']}',",
            "  },",
        ]
    return "\n".join(lines)
