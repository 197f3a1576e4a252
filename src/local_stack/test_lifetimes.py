"""Test-only short cookie lifetimes for the local stack; never part of a deployment.

Contract: `shorten_lifetimes(seconds)` makes the in-process issuer mint cookies that live
`seconds` (TEST_TTL_MIN..TEST_TTL_MAX, below the template's CookieTtlSeconds minimum, which stays
as it is) and shrinks the in-process edge function's renewal margin to a third of that (the
production margin, 600 s, would send every navigation with such cookies back to sign in). Only
`python -m local_stack --test-only-cookie-ttl SECONDS` calls it, after the issuer's environment
is set; it exists so browser tests can watch several cookie lifetimes pass in minutes.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Final

from cookie_issuer.settings import MIN_COOKIE_TTL_SECONDS

TEST_TTL_MIN: Final = 10
#: Just below the issuer's (and template's) minimum: longer lifetimes are `--cookie-ttl`'s job.
TEST_TTL_MAX: Final = MIN_COOKIE_TTL_SECONDS - 1


def shorten_lifetimes(seconds: int) -> None:
    if not TEST_TTL_MIN <= seconds <= TEST_TTL_MAX:
        raise ValueError(
            f"--test-only-cookie-ttl must be {TEST_TTL_MIN} to {TEST_TTL_MAX} seconds "
            "(longer lifetimes: --cookie-ttl)"
        )
    import edge_auth.handler as edge
    from cookie_issuer.runtime import install_settings
    from cookie_issuer.settings import load_settings

    # The edge module reads its margin at call time; Final stops assignments in real code only.
    setattr(edge, "REFRESH_MARGIN_SECONDS", seconds // 3)  # noqa: B010
    install_settings(replace(load_settings(os.environ), cookie_ttl_seconds=seconds))
