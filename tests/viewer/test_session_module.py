"""The viewer's session module and service worker as built: size budget, shared constants.

The browser behaviour is in tests/local_stack/test_browser_session.py; here: what the build adds
to the viewer (issue 11: at most 3 KB gzipped) and that the JavaScript names the same `/_auth`
routes and fragment key as the Python that serves them (one definition each, checked).
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from edge_auth.auth_routes import AUTH_PREFIX, LOGIN_PATH, REFRESH_PATH, RETURN_PARAM, SESSION_PATH
from edge_auth.return_path import SESSION_STORAGE_KEY
from tests.local_stack.conftest import _ensure_viewer_build

VIEWER = Path(__file__).resolve().parents[2] / "viewer"
BUDGET_GZIP_BYTES = 3 * 1024


def _ours() -> dict[str, Path]:
    """Everything our code adds to the build: the entry chunk index.html loads (ours: it waits
    for the service worker, then imports stock Neuroglancer and the session module, each its
    own chunk), the session chunk and sw.js."""
    _ensure_viewer_build()
    dist = VIEWER / "dist"
    entry = re.search(
        r'<script type="module"[^>]* src="\./(assets/index-[^"]+\.js)"',
        (dist / "index.html").read_text(),
    )
    assert entry, "index.html loads no entry chunk"
    session = sorted((dist / "assets").glob("session-*.js"))
    stock = sorted((dist / "assets").glob("neuroglancer-*.js"))
    assert len(session) == 1 and len(stock) == 1, (session, stock)
    # The stock viewer is not in our chunks (else the budget would measure Neuroglancer).
    assert stock[0].stat().st_size > 1_000_000
    return {"entry": dist / entry.group(1), "session": session[0], "sw.js": dist / "sw.js"}


def test_session_module_and_worker_add_at_most_3_kb_gzipped() -> None:
    sizes = {n: len(gzip.compress(f.read_bytes(), compresslevel=9)) for n, f in _ours().items()}
    total = sum(sizes.values())
    print(f"\nour additions to the viewer build, gzip -9 bytes: {sizes}, total {total}")
    assert total <= BUDGET_GZIP_BYTES, sizes


def _const(source: str, name: str) -> str:
    found = re.search(rf'const {name} = "([^"]*)";', source)
    assert found, f"{name} not found"
    return found.group(1)


def test_javascript_names_the_same_routes_and_fragment_key_as_python() -> None:
    session = (VIEWER / "src" / "session.js").read_text()
    worker = (VIEWER / "src" / "sw.js").read_text()
    assert _const(session, "AUTH") == AUTH_PREFIX == _const(worker, "AUTH")
    assert _const(session, "FRAGMENT_KEY") == SESSION_STORAGE_KEY
    # Routes are written AUTH + "name": the same paths auth_routes defines.
    for path in (REFRESH_PATH, SESSION_PATH):
        assert f'"{path.removeprefix(AUTH_PREFIX)}"' in session
    assert '"refresh"' in worker and REFRESH_PATH.removeprefix(AUTH_PREFIX) == "refresh"
    assert f"${{AUTH}}{LOGIN_PATH.removeprefix(AUTH_PREFIX)}?{RETURN_PARAM}=" in session


def test_tabs_and_worker_renew_under_one_web_lock() -> None:
    # Two tabs renewing with one rotated refresh token sign each other out: the session module
    # and the worker must take the SAME lock, and the tab must re-read the session inside it.
    session = (VIEWER / "src" / "session.js").read_text()
    worker = (VIEWER / "src" / "sw.js").read_text()
    assert _const(session, "LOCK") == _const(worker, "LOCK") == "linc-refresh"
    for source in (session, worker):
        assert "navigator.locks?.request(LOCK, " in source
    inside = session.split("await locked(", 1)[1].split("});", 1)[0]
    assert inside.index('call("GET", "session")') < inside.index('call("POST", "refresh")')


def test_worker_never_answers_navigations_or_auth_paths() -> None:
    worker = (VIEWER / "src" / "sw.js").read_text()
    handler = worker.split('addEventListener("fetch"', 1)[1].split("respondWith", 1)[0]
    # Both checks return before respondWith: the request goes to the network untouched.
    assert 'r.mode === "navigate"' in handler and "startsWith(AUTH)) return" in handler
