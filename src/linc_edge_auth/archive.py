"""Archive asset references, resolved through the archive REST API with the `dandi` client.

Contract:
- `is_archive_ref(ref)` says whether a string is meant for the archive: `dandi://INSTANCE/...`,
  `asset:<asset id>`, or an http(s) URL of the archive API or web app (`/api/...`,
  `/dandiset/...`).
- `resolve(ref, archive=...)` returns an `ArchiveAsset` (its path in the dandiset and its S3 URL)
  or raises `UserError`. `archive` is a dandi instance name (`linc`, `linc-staging`, see
  `dandi.consts.known_instances`) or an API URL; it is only used by `asset:<id>` references,
  the others name their server.
- The API key comes from the variable dandi itself reads, `{INSTANCE}_API_KEY` (e.g.
  `LINC_API_KEY`); it is sent as `Authorization: token ...` and never printed.
- `dandi` is the optional extra `[archive]`: imported here only, lazily, with a clear error.
- A lookup answers within `DEADLINE_SECONDS` (5 s) or fails with a line naming the archive: the
  dandi client retries a dead server for about a minute, too long for a command someone waits
  on. `asset:<id>` with an id that is not a UUID is refused before any request.
- `archive_api_url(archive, source=...)` names the flag or variable (`LINC_ARCHIVE`) a bad
  instance name came from.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from linc_edge_auth.errors import UserError
from linc_edge_auth.extras import missing

DEFAULT_ARCHIVE = "linc"
DEADLINE_SECONDS: Final = 5.0
_ASSET_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
T = TypeVar("T")


@dataclass(frozen=True)
class ArchiveAsset:
    asset_id: str
    path: str  # path inside the dandiset, e.g. sub-01/micr/sample.ome.zarr
    s3_url: str  # the asset's S3 location (contentUrl), e.g. https://BUCKET.s3.amazonaws.com/...


def is_archive_ref(ref: str) -> bool:
    if ref.startswith(("dandi://", "asset:")):
        return True
    if ref.startswith(("https://", "http://")):
        path = ref.split("://", 1)[1].partition("/")[2]
        return path.startswith(("api/", "dandiset/", "#/dandiset/"))
    return False


@contextlib.contextmanager
def _quiet_dandi() -> Iterator[None]:
    """dandi logs failed requests at ERROR; our CLI reports one line itself."""
    logger = logging.getLogger("dandi")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _import_dandi() -> tuple[Any, Any, Any, Any, Any]:
    # No version check against GitHub at run time (dandi's etelemetry call).
    os.environ.setdefault("DANDI_NO_ET", "1")
    try:
        from dandi.consts import known_instances
        from dandi.dandiapi import DandiAPIClient
        from dandi.dandiarchive import MultiAssetURL, SingleAssetURL, parse_dandi_url
    except ImportError as exc:  # pragma: no branch - depends on the install
        raise UserError(missing("archive", "resolving archive assets")) from exc
    return known_instances, DandiAPIClient, SingleAssetURL, MultiAssetURL, parse_dandi_url


def archive_api_url(archive: str, source: str = "--archive") -> str:
    """`linc` -> `https://api.lincbrain.org/api`; an http(s) URL is taken as the API URL."""
    if archive.startswith(("https://", "http://")):
        return archive.rstrip("/")
    known_instances = _import_dandi()[0]
    instance = known_instances.get(archive)
    if instance is None:
        names = ", ".join(sorted(known_instances))
        raise UserError(f"{source} {archive!r}: unknown instance (known: {names}, or an API URL)")
    return str(instance.api).rstrip("/")


def _asset_id(ref: str) -> str:
    asset_id = ref[len("asset:") :].strip("/")
    if not _ASSET_ID.fullmatch(asset_id):
        raise UserError(
            f"{ref}: an asset id is a UUID, e.g. asset:9c1f6a7e-2b3d-4e5f-8a9b-0c1d2e3f4a5b "
            "(the archive shows it in the asset's URL)"
        )
    return asset_id


def _within_deadline(work: Callable[[], T], where: str, seconds: float) -> T:
    """`work()` on a daemon thread: its result or error, or a UserError once `seconds` pass.

    A daemon thread, not an executor: an executor's worker would keep the process alive at exit
    while dandi keeps retrying.
    """
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed to the caller's thread below
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="archive-lookup", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise UserError(
            f"the archive at {where} did not answer within {seconds:g} s: check its address "
            "and your connection, or try again later"
        )
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value


def _content_url(metadata: dict[str, Any], api_url: str) -> str | None:
    """The S3 entry of contentUrl (the other one is the archive's own download redirect)."""
    for url in metadata.get("contentUrl", []):
        if isinstance(url, str) and not url.lower().startswith(api_url.lower()):
            return url
    return None


def resolve(
    ref: str,
    *,
    archive: str = DEFAULT_ARCHIVE,
    bucket: str | None = None,
    archive_source: str = "--archive",
) -> ArchiveAsset:
    """Find one asset through the archive API, within DEADLINE_SECONDS.

    `bucket` builds the S3 URL of a zarr asset whose contentUrl lists none; `archive_source`
    names where `archive` came from, for errors.
    """
    _import_dandi()
    url = ref
    where = ref.split("/", 3)[2] if "://" in ref else ref
    if ref.startswith("asset:"):
        asset_id = _asset_id(ref)
        api = archive_api_url(archive, archive_source)
        url, where = f"{api}/assets/{asset_id}/", api
    built = url != ref  # the API URL is ours: a failure to parse it means the server, not `ref`
    return _within_deadline(
        lambda: _lookup(ref, url, bucket, where if built else None), where, DEADLINE_SECONDS
    )


def _lookup(ref: str, url: str, bucket: str | None, server: str | None) -> ArchiveAsset:
    _, client_cls, single_asset_url, multi_asset_url, parse_dandi_url = _import_dandi()
    import requests

    with _quiet_dandi():
        try:
            parsed = parse_dandi_url(url)
        except Exception as exc:  # dandi raises several types for a URL it cannot map
            if server is not None:
                raise UserError(
                    f"{ref}: the archive at {server} did not answer as a DANDI archive "
                    f"({_first_line(exc)})"
                ) from exc
            raise UserError(f"{ref}: not an archive asset reference ({_first_line(exc)})") from exc
        # The web app's `files?location=PATH` and `assets/?path=PATH` parse as folders/prefixes:
        # they name one asset when an asset has exactly that path.
        exact_path: str | None = None
        if isinstance(parsed, multi_asset_url) and parsed.dandiset_id:
            exact_path = parsed.path.rstrip("/")
        elif not isinstance(parsed, single_asset_url) or hasattr(parsed, "zarr_subpath"):
            raise UserError(
                f"{ref}: refers to a dandiset or to a file inside a zarr; give one asset"
            )
        api_url = str(parsed.instance.api).rstrip("/")
        with client_cls(api_url=api_url) as client:
            token = os.environ.get(client.api_key_env_var)
            try:
                if token:
                    client.authenticate(token)
                if exact_path is not None:
                    dandiset = parsed.get_dandiset(client, lazy=False)
                    assets = [dandiset.get_asset_by_path(exact_path)]
                else:
                    assets = list(parsed.get_assets(client, strict=True))
                metadata = assets[0].get_raw_metadata() if assets else {}
            except requests.HTTPError as exc:
                status = exc.response.status_code if exc.response is not None else None
                if status in (401, 403):
                    raise UserError(
                        f"{ref}: the archive refused access (HTTP {status}); set "
                        f"{client.api_key_env_var} to an API key of an approved account"
                    ) from exc
                raise UserError(f"{ref}: archive request failed (HTTP {status})") from exc
            except requests.RequestException as exc:
                raise UserError(f"{ref}: archive unreachable at {api_url}") from exc
            except Exception as exc:  # dandi's NotFoundError and friends
                raise UserError(f"{ref}: {_first_line(exc)}") from exc
    if len(assets) != 1:
        raise UserError(f"{ref}: no such asset")
    asset = assets[0]
    s3_url = _content_url(metadata, api_url)
    if s3_url is None:
        zarr_id = getattr(asset, "zarr", None)
        if zarr_id is None or bucket is None:
            raise UserError(f"{ref}: the archive lists no S3 location for {asset.path!r}")
        s3_url = f"s3://{bucket}/zarr/{zarr_id}/"
    return ArchiveAsset(asset_id=str(asset.identifier), path=str(asset.path), s3_url=s3_url)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
