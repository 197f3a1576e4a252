"""Suite-wide settings: hypothesis without per-example deadlines (the machine is shared and
noisy; speed is measured in benchmarks/, never in tests)."""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("linc", deadline=None)
settings.load_profile("linc")
