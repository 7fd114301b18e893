"""The urgent-help numbers come from the environment, with a UK default."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Slow: reads settings in a fresh interpreter.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent.parent


def _urgent_help(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(DJANGO_DEBUG="1", **env)
    return subprocess.run(
        [sys.executable, "-c",
         "import json, healthsite.settings as s; print(json.dumps(s.URGENT_HELP))"],
        cwd=ROOT, env=clean, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_urgent_help_defaults_to_999_and_111():
    """Without configuration the site signposts the UK numbers."""
    result = _urgent_help()
    numbers = [line["number"] for line in json.loads(result.stdout)["lines"]]
    assert numbers == ["999", "111"]


def test_urgent_help_lines_and_heading_come_from_the_environment():
    """A US deployment sets 911 and Poison Help; the tel: link keeps only digits."""
    lines = [
        {"number": "911", "text": "in an emergency."},
        {"number": "1-800-222-1222", "text": "(Poison Help) if someone may have been poisoned."},
    ]
    result = _urgent_help(
        DJANGO_URGENT_HELP_LINES=json.dumps(lines), DJANGO_URGENT_HELP_HEADING="Get help now"
    )
    help_ = json.loads(result.stdout)
    assert help_["heading"] == "Get help now"
    assert help_["lines"][1] == {**lines[1], "tel": "18002221222"}


def test_malformed_urgent_help_lines_stop_start_up():
    """A typo in the numbers must not silently show readers nothing."""
    result = _urgent_help(DJANGO_URGENT_HELP_LINES='[{"number": "911"}]')
    assert result.returncode != 0
    assert "DJANGO_URGENT_HELP_LINES must be a JSON list" in result.stderr
