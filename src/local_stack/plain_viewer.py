"""Neuroglancer's build and a data folder on one plain HTTP origin, counting every response's bytes.

Contract:
- `PlainViewer(dist, data)` (a context manager) serves `dist` (viewer/dist) at `/` and the folder
  `data` at `/data/`, on 127.0.0.1 and a free port, with no sign-in in the way: it measures what
  a link makes the stock viewer fetch, nothing else. Single byte ranges are answered 206 (what
  sharded data needs); the log counts the bytes actually sent. `.origin` is `http://127.0.0.1:PORT`;
  `.log` lists `(path, status, bytes)` per response; `fetched(prefix)` sums the bytes of the
  data responses under `/data/PREFIX`; `reset()` clears the log.
- `settle(page, url)` opens `url` and waits until every layer of the URL's state exists and has
  loaded its data sources, and no data request has arrived for `quiet_s` seconds (the first
  view is complete), at most `timeout_s`. It returns each layer's status from Neuroglancer's
  own objects: whether it loaded, its data source errors, its shader error (`None` once
  compiled without error, `"not compiled"` before), and the annotation property ids it knows.
The local stack's signed-cookie path is tested elsewhere; this origin is for byte counts.
"""

from __future__ import annotations

import http.server
import json
import mimetypes
import threading
import time
import urllib.parse
from pathlib import Path
from types import TracebackType
from typing import Any

LAYER_STATUS_JS = """() => viewer.layerManager.managedLayers.map(m => {
  const layer = m.layer;
  // Segmentation layers carry an (unused) annotation display state too: their skeleton
  // shader's error lives on displayState, an annotation layer's on annotationDisplayState.
  const skeletal = layer !== null && layer.displayState !== undefined
    && layer.displayState.skeletonRenderingOptions !== undefined;
  const shader = layer === null ? undefined
    : skeletal ? layer.displayState.shaderError : (layer.annotationDisplayState ?? {}).shaderError;
  const err = shader === undefined ? 'no shader' : shader.value === undefined ? 'not compiled'
    : shader.value === null ? null : String(shader.value.message || shader.value);
  const states = layer === null || layer.annotationStates === undefined ? []
    : layer.annotationStates.states;
  return {
    name: m.name,
    loaded: layer !== null && layer.dataSources.every(d => d.loadState !== undefined),
    errors: layer === null ? [] : layer.dataSources
      .filter(d => d.loadState !== undefined && d.loadState.error !== undefined)
      .map(d => String(d.loadState.error.message || d.loadState.error)),
    shader_error: err,
    properties: states.flatMap(s => (s.source && s.source.properties || [])
      .map(p => p.identifier)),
  };
})"""


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # http.server's spelling
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        file = self.server.resolve(path)
        if file is None:
            self.server.record(path, 404, 0)
            self.send_error(404)
            return
        size = file.stat().st_size
        first, last, status = 0, size - 1, 200
        wanted = _byte_range(self.headers.get("Range"), size)
        if wanted is not None:  # sharded precomputed data is read by ranges
            (first, last), status = wanted, 206
        with open(file, "rb") as fh:
            fh.seek(first)
            body = fh.read(last - first + 1)
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)
        self.server.record(path, status, len(body))

    def log_message(self, *args: object) -> None:  # quiet: the log is `PlainViewer.log`
        pass


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) of a single `bytes=a-b` / `bytes=a-` / `bytes=-n` range, else None."""
    if not header or not header.startswith("bytes=") or "," in header or size == 0:
        return None
    a, _, b = header[6:].strip().partition("-")
    if not a:
        first, last = max(0, size - int(b)), size - 1
    else:
        first, last = int(a), min(size - 1, int(b) if b else size - 1)
    return (first, last) if first <= last else None


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, dist: Path, data: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.dist, self.data = dist.resolve(), data.resolve()
        self.lock = threading.Lock()
        self.log: list[tuple[str, int, int]] = []
        self.last_data = 0.0

    def resolve(self, path: str) -> Path | None:
        root, rest = (self.data, path[6:]) if path.startswith("/data/") else (self.dist, path)
        rest = rest.lstrip("/") or "index.html"
        file = (root / rest).resolve()
        if not file.is_relative_to(root) or not file.is_file():
            return None
        return file

    def record(self, path: str, status: int, size: int) -> None:
        with self.lock:
            self.log.append((path, status, size))
            if path.startswith("/data/"):
                self.last_data = time.monotonic()


class PlainViewer:
    def __init__(self, dist: Path, data: Path) -> None:
        self._server = _Server(dist, data)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def log(self) -> list[tuple[str, int, int]]:
        with self._server.lock:
            return list(self._server.log)

    def fetched(self, prefix: str = "") -> int:
        want = "/data/" + prefix
        return sum(size for path, _, size in self.log if path.startswith(want))

    def reset(self) -> None:
        with self._server.lock:
            self._server.log.clear()

    def __enter__(self) -> PlainViewer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    def settle(
        self, page: Any, url: str, *, quiet_s: float = 4.0, timeout_s: float = 120.0
    ) -> list[dict[str, Any]]:
        started = time.monotonic()
        self._server.last_data = started
        fragment = urllib.parse.unquote(url.partition("#!")[2]) or "{}"
        expected = len(json.loads(fragment).get("layers", []))
        page.goto(url)
        page.wait_for_selector(".neuroglancer-layer-item", timeout=timeout_s * 1000)
        while True:
            layers: list[dict[str, Any]] = page.evaluate(LAYER_STATUS_JS)
            now = time.monotonic()
            loaded = len(layers) >= max(expected, 1) and all(x["loaded"] for x in layers)
            if (loaded and now - self._server.last_data > quiet_s) or now - started > timeout_s:
                return layers
            page.wait_for_timeout(250)
