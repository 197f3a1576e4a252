"""Read private data on the viewer domain from Python: a `requests.Session` and fsspec options.

    import zarr, linc_edge_auth
    url = "https://neuroglancer.lincbrain.org/zarr/<uuid>/"
    group = zarr.open_group(url, mode="r", storage_options=linc_edge_auth.storage_options())
    session = linc_edge_auth.requests_session()          # session.get(url + ".zattrs")

Contract:
- Both carry the cookies `linc-edge-auth login` stored for the viewer (`viewer_url`, else the
  only stored viewer), and only to that viewer, over https (http to loopback: the local stack).
  Before each request they make sure the cookies are current (`signin.current`): renewed through
  the issuer when close to expiry and `LINC_API_KEY` (or `api_key`) is at hand, else a clear
  `UserError` once they have expired. No request ever goes out with cookies known to be stale.
- `storage_options()` is for fsspec's HTTP filesystem (zarr, xarray, dask, pandas): an aiohttp
  client middleware (`client_kwargs`) sets the Cookie header and reads S3's 403 for a key that
  does not exist as the 404 fsspec and zarr understand. Why: the data bucket is reached through
  CloudFront with origin access control, and without the template's `s3:ListBucket` statement
  (AssetBucketListStatement) S3 answers 403, not 404, for a missing object, and zarr probes for
  optional keys (`zarr.json`, `.zmetadata`) and skips chunks never written. Only a 403 that S3
  itself sent (`Server: AmazonS3`: the signed cookies were accepted) is read that way;
  CloudFront refusing the cookies stays an error (a `UserError` saying to sign in again; not an
  OSError, which aiohttp would wrap), so a bad sign-in never reads as empty data.
- `requests_session()` sets the Cookie header through `requests` auth and leaves statuses alone.
Needs the `[data]` extra (requests, fsspec[http], aiohttp, zarr).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from linc_edge_auth import signin
from linc_edge_auth.cookie_store import SignedCookies
from linc_edge_auth.errors import UserError
from linc_edge_auth.extras import require

if TYPE_CHECKING:
    import aiohttp
    import requests

S3_SERVER: Final = "AmazonS3"


class _Cookies:
    """The current cookie set of one viewer, re-checked only when it gets close to expiry."""

    def __init__(self, viewer_url: str | None, api_key: str | None) -> None:
        self.viewer_url = viewer_url
        self.api_key = api_key
        self.cookies: SignedCookies = signin.current(viewer_url, api_key=api_key)

    def for_url(self, url: str) -> str | None:
        """The Cookie header for a request to `url`, or None when `url` is not this viewer."""
        if not self.cookies.covers(url):
            return None
        if self.cookies.seconds_left() <= signin.RENEW_MARGIN_SECONDS:
            self.cookies = signin.current(self.cookies.viewer_origin, api_key=self.api_key)
        return self.cookies.header()


def requests_session(
    viewer_url: str | None = None, *, api_key: str | None = None
) -> requests.Session:
    """A `requests.Session` that sends the viewer's cookies (and only to the viewer)."""
    require("requests", "data", "requests_session()")
    import requests

    cookies = _Cookies(viewer_url, api_key)

    class ViewerCookies(requests.auth.AuthBase):
        def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
            header = cookies.for_url(request.url or "")
            if header is not None:
                request.headers["Cookie"] = header
            return request

    session = requests.Session()
    session.auth = ViewerCookies()
    return session


def storage_options(viewer_url: str | None = None, *, api_key: str | None = None) -> dict[str, Any]:
    """fsspec `storage_options` for `https://VIEWER/...` URLs (zarr.open, xarray.open_zarr)."""
    for module in ("fsspec", "aiohttp"):
        require(module, "data", "storage_options()")
    cookies = _Cookies(viewer_url, api_key)

    async def viewer_cookies(
        request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        url = str(request.url)
        header = cookies.for_url(url)
        if header is None:
            return await handler(request)
        request.headers["Cookie"] = header
        response = await handler(request)
        if response.status == 403:
            if response.headers.get("Server") != S3_SERVER:
                response.release()
                raise UserError(
                    f"{url}: the viewer refused the cookies (HTTP 403 from CloudFront); "
                    "run `linc-edge-auth login` again"
                )
            # S3 behind origin access control: 403 is its answer for a key that does not exist.
            response.status, response.reason = 404, "Not Found"
        return response

    return {"client_kwargs": {"middlewares": (viewer_cookies,)}}
