"""Fixtures for the edge tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.edge_auth.events import load_event


@pytest.fixture
def nav_event() -> dict[str, Any]:
    return load_event("page-load-no-cookies")
