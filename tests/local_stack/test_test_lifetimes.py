"""The local stack's test-only short cookie lifetimes refuse values outside their range.

(That they work is shown by tests/local_stack/test_browser_session.py: renewals every few
seconds against a stack started with `--test-only-cookie-ttl`.)
"""

from __future__ import annotations

import pytest

import edge_auth.handler as edge
from local_stack.__main__ import main
from local_stack.test_lifetimes import TEST_TTL_MAX, TEST_TTL_MIN, shorten_lifetimes


@pytest.mark.parametrize("seconds", [0, TEST_TTL_MIN - 1, TEST_TTL_MAX + 1, 3600])
def test_out_of_range_lifetimes_are_refused_and_change_nothing(seconds: int) -> None:
    margin = edge.REFRESH_MARGIN_SECONDS
    with pytest.raises(ValueError, match="--test-only-cookie-ttl must be 10 to 899"):
        shorten_lifetimes(seconds)
    assert edge.REFRESH_MARGIN_SECONDS == margin == 600


def test_the_option_is_labelled_test_only(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "TESTS ONLY" in capsys.readouterr().out
