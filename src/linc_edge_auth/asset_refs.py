"""Asset references -> URLs on the viewer domain, with the format of each asset.

Contract:
- `Deployment` holds what one deployment serves: the viewer origin, the asset bucket and the data
  path patterns of the CloudFront distribution (default `/zarr/*` and `/blobs/*`). Defaults are
  LINC production; `Deployment.from_env()` reads `LINC_VIEWER_URL`, `LINC_BUCKET`,
  `LINC_DATA_PREFIXES`, `Deployment.from_sources(flags)` takes each value from its flag, else
  its variable, else the default, and every error names where the bad value came from
  (`--viewer-url` or `LINC_VIEWER_URL`, ...).
- `split_source(ref)` takes Neuroglancer's own spellings of a source apart: the pipeline form it
  writes (`URL|zarr:`, `|zarr2:`, `|zarr3:`, `|nifti:`, `|gzip:|nifti:`,
  `|neuroglancer-precomputed:`) and the older prefixes (`zarr://URL`, `zarr2://`, `zarr3://`,
  `nifti://`, `precomputed://`), giving the plain URL and the format it names.
- `locate(ref, deployment)` accepts `s3://BUCKET/KEY`, virtual-hosted (global, regional, legacy
  `s3-REGION`) and path-style S3 URLs, and URLs already on the viewer domain. It returns the S3
  key, or raises `UserError` naming the allowed buckets and prefixes when the reference points
  anywhere the deployment does not serve. Archive references are `linc_edge_auth.archive`'s.
- `detect_format(name)` maps a key or an archive path to `zarr`, `nifti` or `precomputed`;
  `None` means "cannot tell" (LINC `blobs/` keys carry no extension).
- `viewer_data_url(...)` is the one place a data URL on the viewer domain is spelled.
No network access happens here.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from linc_edge_auth.errors import UserError

Format = Literal["zarr", "nifti", "precomputed"]
FORMATS: Final[tuple[Format, ...]] = ("zarr", "nifti", "precomputed")

DEFAULT_VIEWER_URL: Final = "https://neuroglancer.lincbrain.org"
DEFAULT_BUCKET: Final = "linc-brain-mit-prod-us-east-2"
DEFAULT_DATA_PREFIXES: Final = ("/zarr/*", "/blobs/*")

# Virtual-hosted style: BUCKET.s3.amazonaws.com, BUCKET.s3.REGION.amazonaws.com,
# BUCKET.s3-REGION.amazonaws.com (legacy dash form). Bucket names may contain dots.
_VIRTUAL_HOST = re.compile(
    r"(?P<bucket>[a-z0-9][a-z0-9.\-]*)\.s3(?:[.\-][a-z0-9\-]+)?\.amazonaws\.com"
)
# Path style: s3.amazonaws.com/BUCKET/KEY, s3.REGION.amazonaws.com/..., s3-REGION.amazonaws.com/...
_PATH_HOST = re.compile(r"s3(?:[.\-][a-z0-9\-]+)?\.amazonaws\.com")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_PATTERN = re.compile(r"/[A-Za-z0-9._\-]+(/[A-Za-z0-9._\-]+)*/\*")
# Neuroglancer 2.41 data source schemes -> our format (zarr2/zarr3 pin a version the plain URL
# leaves to auto-detection; the link we write is the plain URL's).
_SOURCE_SCHEMES: Final[dict[str, Format]] = {
    "zarr": "zarr",
    "zarr2": "zarr",
    "zarr3": "zarr",
    "nifti": "nifti",
    "precomputed": "precomputed",
    "neuroglancer-precomputed": "precomputed",
}
ENV_NAMES: Final = {
    "viewer_url": ("--viewer-url", "LINC_VIEWER_URL"),
    "bucket": ("--bucket", "LINC_BUCKET"),
    "data_prefixes": ("--data-prefixes", "LINC_DATA_PREFIXES"),
}


@dataclass(frozen=True)
class Deployment:
    """What one deployment serves on its viewer domain."""

    viewer_url: str = DEFAULT_VIEWER_URL
    bucket: str = DEFAULT_BUCKET
    data_prefixes: tuple[str, ...] = DEFAULT_DATA_PREFIXES
    # field -> the flag or variable its value came from, for error messages
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def source(self, name: str) -> str:
        return self.sources.get(name, ENV_NAMES[name][0])

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.viewer_url)
        where = self.source("viewer_url")
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise UserError(f"{where} {self.viewer_url!r}: expected https://HOST")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise UserError(f"{where} {self.viewer_url!r}: give the origin only")
        object.__setattr__(self, "viewer_url", f"{parts.scheme}://{parts.netloc}")
        for pattern in self.data_prefixes:
            if not _PATTERN.fullmatch(pattern):
                raise UserError(
                    f"{self.source('data_prefixes')} {pattern!r}: expected a CloudFront path "
                    "pattern like /zarr/*"
                )

    @classmethod
    def from_sources(
        cls, flags: Mapping[str, str | None], env: Mapping[str, str] | None = None
    ) -> Deployment:
        """Each setting from its flag, else its LINC_* variable, else the LINC default."""
        env = os.environ if env is None else env
        values: dict[str, str] = {}
        sources: dict[str, str] = {}
        for name, (flag, variable) in ENV_NAMES.items():
            if value := flags.get(name):
                values[name], sources[name] = value, flag
            elif value := env.get(variable):
                values[name], sources[name] = value, variable
        prefixes = values.get("data_prefixes")
        return cls(
            viewer_url=values.get("viewer_url") or DEFAULT_VIEWER_URL,
            bucket=values.get("bucket") or DEFAULT_BUCKET,
            data_prefixes=parse_prefixes(prefixes) if prefixes else DEFAULT_DATA_PREFIXES,
            sources=sources,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Deployment:
        return cls.from_sources({}, env)

    @property
    def key_prefixes(self) -> tuple[str, ...]:
        """`/zarr/*` -> `zarr/`: the S3 key prefixes the data paths map to."""
        return tuple(p[1:-1] for p in self.data_prefixes)

    def allowed(self) -> str:
        prefixes = ",".join(self.key_prefixes)
        text = (
            f"allowed: s3://{self.bucket}/{{{prefixes}}}... or {self.viewer_url}/{{{prefixes}}}..."
        )
        named = [
            f"{name.replace('_', ' ')} from {self.sources[name]}"
            for name in ENV_NAMES
            if self.sources.get(name, "").startswith("LINC_")
        ]
        return text + (f"; {', '.join(named)}" if named else "")


def parse_prefixes(text: str) -> tuple[str, ...]:
    """`"/zarr/*,/blobs/*"` (commas or spaces) -> ("/zarr/*", "/blobs/*")."""
    return tuple(p for p in re.split(r"[,\s]+", text.strip()) if p)


def split_source(ref: str) -> tuple[str, Format | None]:
    """(plain URL, format named by the Neuroglancer spelling or None)."""
    text = ref.strip()
    named: Format | None = None
    if "|" in text:
        url, *stages = text.split("|")
        schemes = [s[:-1] if s.endswith(":") else None for s in stages]
        if schemes and schemes[0] == "gzip" and schemes[1:] == ["nifti"]:
            schemes = ["nifti"]
        if len(schemes) != 1 or schemes[0] not in _SOURCE_SCHEMES:
            raise UserError(
                f"{ref}: a Neuroglancer source this tool reads is URL|zarr:, |zarr2:, |zarr3:, "
                "|nifti: or |neuroglancer-precomputed: (or the plain URL)"
            )
        text, named = url, _SOURCE_SCHEMES[schemes[0]]
    scheme, sep, rest = text.partition("://")
    if sep and scheme in _SOURCE_SCHEMES and "://" in rest:
        if named is not None and named != _SOURCE_SCHEMES[scheme]:
            raise UserError(f"{ref}: names two formats")
        text, named = rest, _SOURCE_SCHEMES[scheme]
    return text, named


def _split_s3_url(ref: str) -> tuple[str, str] | None:
    """(bucket, key) for any S3 URL shape, None when `ref` is not an S3 URL."""
    if ref.startswith("s3://"):
        bucket, _, key = ref[len("s3://") :].partition("/")
        return bucket, key
    parts = urllib.parse.urlsplit(ref)
    if parts.scheme not in ("https", "http"):
        return None
    host = (parts.hostname or "").lower()
    path = urllib.parse.unquote(parts.path)
    if m := _VIRTUAL_HOST.fullmatch(host):
        if parts.query or parts.fragment:
            raise UserError(f"{ref}: S3 URLs with a query or fragment are not asset references")
        return m["bucket"], path.lstrip("/")
    if _PATH_HOST.fullmatch(host):
        if parts.query or parts.fragment:
            raise UserError(f"{ref}: S3 URLs with a query or fragment are not asset references")
        bucket, _, key = path.lstrip("/").partition("/")
        return bucket, key
    return None


def is_s3_or_viewer_ref(ref: str, deployment: Deployment) -> bool:
    return _split_s3_url(ref) is not None or _on_viewer(ref, deployment)


def _on_viewer(ref: str, deployment: Deployment) -> bool:
    parts = urllib.parse.urlsplit(ref)
    return f"{parts.scheme}://{parts.netloc}".lower() == deployment.viewer_url.lower()


def check_key(key: str, deployment: Deployment, ref: str) -> str:
    """Refuse keys outside the served prefixes, and path tricks that would escape them."""
    segments = key.split("/")
    if any(s in (".", "..") for s in segments) or "//" in key.rstrip("/") or "\\" in key:
        raise UserError(f"{ref}: the key {key!r} is not a plain path")
    for prefix in deployment.key_prefixes:
        if key.startswith(prefix) and len(key) > len(prefix):
            return key
    raise UserError(f"{ref}: key {key!r} is not under a served prefix ({deployment.allowed()})")


def locate(ref: str, deployment: Deployment) -> str:
    """The S3 key behind an S3 or viewer-domain reference, after the allow-list check."""
    split = _split_s3_url(ref)
    if split is not None:
        bucket, key = split
        if bucket != deployment.bucket:
            raise UserError(f"{ref}: bucket {bucket!r} is not served ({deployment.allowed()})")
        return check_key(key, deployment, ref)
    if _on_viewer(ref, deployment):
        parts = urllib.parse.urlsplit(ref)
        if parts.query or parts.fragment:
            raise UserError(
                f"{ref}: a viewer-domain reference is a data path like "
                f"{deployment.viewer_url}/zarr/<uuid>/ (no query, no #! state)"
            )
        return check_key(urllib.parse.unquote(parts.path).lstrip("/"), deployment, ref)
    raise UserError(f"{ref}: not an S3 or viewer URL ({deployment.allowed()})")


def detect_format(name: str) -> Format | None:
    """Format from a key or an archive path; None when the name does not tell."""
    lowered = name.lower().rstrip("/")
    last = lowered.rsplit("/", 1)[-1]
    if last.endswith(".zarr"):  # includes .ome.zarr
        return "zarr"
    if last.endswith((".nii", ".nii.gz")):
        return "nifti"
    if last == "info":
        return "precomputed"
    # Inside a zarr (e.g. one multiscale level `x.ome.zarr/0`): still zarr.
    if any(segment.endswith(".zarr") for segment in lowered.split("/")[:-1]):
        return "zarr"
    return None


def format_from_prefix(key: str) -> Format | None:
    """LINC stores zarr assets as `zarr/<uuid>/`: the prefix says zarr although no name does."""
    return "zarr" if key.split("/", 1)[0] == "zarr" else None


def resolve_format(key: str, *, archive_path: str | None, override: str | None, ref: str) -> Format:
    """Explicit override, else the archive path, else the key's name, else the key's prefix."""
    if override is not None:
        if override not in FORMATS:
            raise UserError(f"--format {override!r}: expected one of {', '.join(FORMATS)}")
        return override
    for candidate in (archive_path, key):
        if candidate and (found := detect_format(candidate)):
            return found
    if found := format_from_prefix(key):
        return found
    shown = archive_path or key
    raise UserError(
        f"{ref}: cannot tell the format of {shown!r} (known: .zarr/.ome.zarr, .nii/.nii.gz, "
        "precomputed info); give --format or refer to the asset through the archive"
    )


def viewer_data_url(deployment: Deployment, key: str, fmt: Format) -> str:
    """`https://VIEWER/KEY`, with a trailing slash for the directory formats."""
    if fmt == "precomputed" and key.rstrip("/").rsplit("/", 1)[-1] == "info":
        key = key.rstrip("/")[: -len("info")]
    quoted = urllib.parse.quote(key.strip("/"), safe="/-_.~")
    if fmt in ("zarr", "precomputed"):
        quoted += "/"
    return f"{deployment.viewer_url}/{quoted}"


def default_layer_name(archive_path: str | None, key: str, fmt: Format) -> str:
    """The file name when one is known; a short tag instead of a bare UUID otherwise."""
    source = archive_path or key
    name = source.rstrip("/").rsplit("/", 1)[-1]
    if fmt == "precomputed" and name == "info":
        name = source.rstrip("/").rsplit("/", 2)[-2] if "/" in source.rstrip("/") else name
    if _UUID.fullmatch(name):
        return f"{fmt}-{name[:8]}"
    return name
