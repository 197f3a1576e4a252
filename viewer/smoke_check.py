"""Load viewer/dist in headless Chromium from a subpath and check it really works.

Needs `pip install playwright zstandard` (any throwaway venv) and Debian's
/usr/bin/chromium; never `playwright install` (it downloads a browser).
Exits non-zero when the UI, the two module workers or the data rendering fail.
Usage: python viewer/smoke_check.py [--dist DIR] [--shots DIR]
"""

import base64, functools, http.server, json, shutil, sys, tempfile, threading, urllib.parse
from pathlib import Path

import zstandard
from playwright.sync_api import sync_playwright

DIST = Path(__file__).resolve().parent / "dist"
N = 32
FLAGS = ["--headless=new", "--no-sandbox", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]


def write_zarr(root: Path) -> None:
    """32^3 uint8 zarr v2, zstd-compressed so the async_computation worker must decode it."""
    (root / "data.zarr").mkdir()
    meta = {"zarr_format": 2, "shape": [N] * 3, "chunks": [N] * 3, "dtype": "|u1",
            "compressor": {"id": "zstd", "level": 3}, "fill_value": 0, "filters": None, "order": "C"}
    (root / "data.zarr/.zarray").write_text(json.dumps(meta))
    (root / "data.zarr/.zattrs").write_text("{}")
    raw = bytes(min(255, i0 * 6 + i1 * 2) for i0 in range(N) for i1 in range(N) for _ in range(N))
    (root / "data.zarr/0.0.0").write_bytes(zstandard.ZstdCompressor(write_content_size=True).compress(raw))


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


# Counts distinct grey levels in the middle of a screenshot, in the browser (no PIL needed).
COUNT_GREYS = """async (src) => {
  const img = new Image(); img.src = src; await img.decode();
  const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  const d = g.getImageData(img.width / 2 - 150, img.height / 2 - 150, 300, 300).data;
  const seen = new Set(); for (let i = 0; i < d.length; i += 4) seen.add(d[i]); return seen.size;
}"""


def main() -> int:
    def opt(name: str, default: Path | None) -> Path | None:
        return Path(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default

    shots, dist = opt("--shots", None), opt("--dist", DIST)
    assert dist is not None
    if not (dist / "index.html").is_file():
        print(f"smoke: {dist}/index.html missing: run viewer/build.sh first", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(dist, root / "some/path/viewer")  # a subpath: relative asset URLs
        write_zarr(root)
        handler = functools.partial(QuietHandler, directory=tmp)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        state = {"layers": [{"type": "image", "source": f"zarr://{base}/data.zarr", "name": "t"}],
                 "layout": "xy", "crossSectionScale": 0.05}
        url = f"{base}/some/path/viewer/#!" + urllib.parse.quote(json.dumps(state, separators=(",", ":")))
        errors, missing = [], []
        with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
            ctx = p.chromium.launch_persistent_context(profile, executable_path="/usr/bin/chromium",
                                                       args=FLAGS, viewport={"width": 1200, "height": 800})
            page = ctx.new_page()
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.on("pageerror", lambda e: errors.append(str(e)))
            # zarr.json is neuroglancer probing for zarr v3: a 404 there is expected.
            page.on("response", lambda r: r.status >= 400 and not r.url.endswith("/zarr.json")
                    and missing.append(f"{r.status} {r.url}"))
            page.goto(url)
            page.wait_for_selector(".neuroglancer-layer-item", timeout=30_000)
            page.wait_for_timeout(6000)
            workers = sorted(w.url.rsplit("/", 1)[-1].split("-")[0] for w in page.workers)
            png = page.screenshot()
            greys = page.evaluate(COUNT_GREYS, "data:image/png;base64," + base64.b64encode(png).decode())
            ctx.close()
        server.shutdown()
    if shots:
        shots.mkdir(parents=True, exist_ok=True)
        (shots / "viewer-zarr.png").write_bytes(png)
    # HTTP failures are judged by `missing` above (the expected zarr.json probe is fine).
    errors = [e for e in errors if not e.startswith("Failed to load resource")]
    print(f"smoke: workers={workers} grey_levels={greys} errors={errors} missing={missing}")
    ok = workers == ["async_computation.bundle", "chunk_worker.bundle"] and greys >= 8 and not errors and not missing
    print("smoke: OK" if ok else "smoke: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
