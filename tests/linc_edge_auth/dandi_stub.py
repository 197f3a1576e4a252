"""A loopback HTTP server speaking the subset of the DANDI REST API the dandi client calls.

Read from dandi 0.81 (`dandiapi.py`, `dandiarchive.py`, `utils.get_instance`):
- `GET /server-info` (404 here) then `GET /api/info/`: server info, for an unknown instance URL
- `GET /api/auth/token` with `Authorization: token KEY`: validates the key
- `GET /api/dandisets/{id}/`: dandiset with its draft version (when no version is given)
- `GET /api/dandisets/{id}/versions/{v}/assets/?path=P`: paginated assets by path prefix
- `GET /api/dandisets/{id}/versions/{v}/assets/{asset_id}/`: asset metadata (contentUrl)
- `GET /api/dandisets/{id}/versions/{v}/assets/{asset_id}/info/`: asset row and metadata
- `GET /api/assets/{asset_id}/info/`: asset by id, with its metadata
Every request is recorded, so tests can assert what the client asked.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

STAMP = "2025-01-01T00:00:00Z"


@dataclass
class StubAsset:
    asset_id: str
    dandiset_id: str
    path: str
    content_url: str | None  # S3 URL in contentUrl, None to leave it out
    zarr: str | None = None
    blob: str | None = None

    def row(self) -> dict[str, Any]:
        return {
            "asset_id": self.asset_id,
            "path": self.path,
            "size": 1234,
            "created": STAMP,
            "modified": STAMP,
            "blob": self.blob,
            "zarr": self.zarr,
        }

    def metadata(self, api: str) -> dict[str, Any]:
        urls = [f"{api}/assets/{self.asset_id}/download/"]
        if self.content_url:
            urls.append(self.content_url)
        return {"id": f"dandiasset:{self.asset_id}", "path": self.path, "contentUrl": urls}


@dataclass
class StubArchive:
    assets: list[StubAsset]
    private: set[str] = field(default_factory=set)  # dandiset ids that need a key
    key: str = "test-key-123"
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, auth header)
    port: int = 0

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"


def _handler(archive: StubArchive) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorized(self, dandiset_id: str) -> bool:
            if dandiset_id not in archive.private:
                return True
            return self.headers.get("Authorization") == f"token {archive.key}"

        def do_GET(self) -> None:
            auth = self.headers.get("Authorization")
            archive.requests.append((self.path, auth))
            parts = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(parts.query)
            seg = [s for s in parts.path.split("/") if s]
            if seg == ["api", "info"]:
                return self._send(
                    200,
                    {
                        "version": "0.4.0",
                        "cli-minimal-version": "0.0.0",
                        "cli-bad-versions": [],
                        "services": {"api": {"url": archive.api}, "webui": {"url": ""}},
                    },
                )
            if seg == ["api", "auth", "token"]:
                ok = auth == f"token {archive.key}"
                return self._send(200 if ok else 401, {"detail": "ok" if ok else "bad key"})
            if len(seg) == 4 and seg[:2] == ["api", "assets"] and seg[3] == "info":
                for a in archive.assets:
                    if a.asset_id == seg[2]:
                        if not self._authorized(a.dandiset_id):
                            return self._send(401, {"detail": "Authentication required"})
                        return self._send(200, {**a.row(), "metadata": a.metadata(archive.api)})
                return self._send(404, {"detail": "Not found."})
            if len(seg) >= 3 and seg[:2] == ["api", "dandisets"]:
                dandiset = seg[2]
                if not any(a.dandiset_id == dandiset for a in archive.assets):
                    return self._send(404, {"detail": "Not found."})
                if not self._authorized(dandiset):
                    return self._send(401, {"detail": "Authentication required"})
                if len(seg) == 3:
                    version = {
                        "version": "draft",
                        "name": "stub",
                        "asset_count": 1,
                        "size": 1,
                        "created": STAMP,
                        "modified": STAMP,
                        "status": "Valid",
                    }
                    return self._send(
                        200,
                        {
                            "identifier": dandiset,
                            "created": STAMP,
                            "modified": STAMP,
                            "contact_person": "stub",
                            "embargo_status": "OPEN",
                            "most_recent_published_version": None,
                            "draft_version": version,
                        },
                    )
                if len(seg) == 6 and seg[3] == "versions" and seg[5] == "assets":
                    prefix = query.get("path", [""])[0]
                    rows = [
                        a.row()
                        for a in archive.assets
                        if a.dandiset_id == dandiset and a.path.startswith(prefix)
                    ]
                    return self._send(
                        200, {"count": len(rows), "next": None, "previous": None, "results": rows}
                    )
                if len(seg) in (7, 8) and seg[3] == "versions" and seg[5] == "assets":
                    for a in archive.assets:
                        if a.asset_id == seg[6] and a.dandiset_id == dandiset:
                            meta = a.metadata(archive.api)
                            if len(seg) == 8 and seg[7] == "info":
                                return self._send(200, {**a.row(), "metadata": meta})
                            return self._send(200, meta)
            return self._send(404, {"detail": "Not found."})

    return Handler


class running:
    def __init__(self, archive: StubArchive) -> None:
        self.archive = archive
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(archive))
        archive.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StubArchive:
        self.thread.start()
        return self.archive

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
