"""How the local stack's tests and benchmarks launch Debian's Chromium (Playwright can't download
its own browser here). SwiftShader gives WebGL2 on the CPU, so Neuroglancer renders headless."""

from __future__ import annotations

from typing import Final

CHROMIUM: Final = "/usr/bin/chromium"
CHROMIUM_ARGS: Final = [
    "--headless=new",
    "--no-sandbox",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-gl=angle",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]


def resolver_args(*names: str) -> list[str]:
    """Chromium resolves each of `names` to 127.0.0.1 without DNS (a `--viewer-host` stack)."""
    rules = ", ".join(f"MAP {name} 127.0.0.1" for name in names)
    return [f"--host-resolver-rules={rules}"] if names else []
