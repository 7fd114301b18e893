"""The suite's own markers: ``make check`` relies on them to leave out the
browser and process-starting tests, so they must not be forgettable."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import BROWSER_TESTS


def test_an_unmarked_test_that_starts_a_process_fails():
    """Without ``@pytest.mark.slow`` a process start fails the test, naming
    the marker, so a new multi-process test cannot slip into ``make check``."""
    with pytest.raises(pytest.fail.Exception, match=r"mark it @pytest\.mark\.slow"):
        subprocess.run([sys.executable, "-c", "pass"], check=False)


@pytest.mark.slow
def test_a_slow_test_may_start_a_process():
    """The guard lets a marked test through."""
    assert subprocess.run([sys.executable, "-c", "pass"], check=False).returncode == 0


def test_every_collected_browser_test_carries_the_browser_marker(request: pytest.FixtureRequest):
    """Tests under tests/browser/ are marked by folder, whatever their module says."""
    for item in request.session.items:
        if item.path.is_relative_to(BROWSER_TESTS):
            assert item.get_closest_marker("browser"), item.nodeid
    assert not request.node.get_closest_marker("browser")
