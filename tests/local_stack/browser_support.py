"""Page helpers shared by the Chromium tests of the local stack.

`track_navigations(page)` returns a list that fills with the main frame's URLs as it navigates;
`sign_in(page, username)` fills the local archive's username form; `poll_rendered(page)` polls the
middle of the slice panel until it shows data (at least 8 grey levels) or time runs out, and
returns the last count; `wait_rendered(page)` first waits for Neuroglancer's layer list.
"""

from __future__ import annotations

import time
from typing import Any, Final

from tests.local_stack.client import grey_levels

LAYER_ITEM: Final = ".neuroglancer-layer-item"
#: The slice panel's middle at the tests' 1000x700 viewport: where data shows first.
PANEL_MIDDLE: Final = (300, 200, 700, 500)


def track_navigations(page: Any) -> list[str]:
    urls: list[str] = []
    page.on("framenavigated", lambda frame: frame == page.main_frame and urls.append(frame.url))
    return urls


def sign_in(page: Any, username: str) -> None:
    page.wait_for_selector("#username", timeout=20_000)
    page.fill("#username", username)
    page.click("#sign-in")


def poll_rendered(page: Any, seconds: float = 20, poll_ms: int = 1000) -> int:
    """Grey levels in the middle of the slice panel, polled until data shows (or `seconds`)."""
    deadline = time.monotonic() + seconds
    levels = 0
    while time.monotonic() < deadline:
        page.wait_for_timeout(poll_ms)
        levels = grey_levels(page.screenshot(), PANEL_MIDDLE)
        if levels >= 8:
            break
    return levels


def wait_rendered(page: Any) -> int:
    """`poll_rendered` once Neuroglancer has listed a layer (30 s at most)."""
    page.wait_for_selector(LAYER_ITEM, timeout=30_000)
    return poll_rendered(page)
