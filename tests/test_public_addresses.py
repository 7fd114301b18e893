"""A guide's public address is built in one place, ``get_absolute_url``
(``articles:detail``): written by hand as "/{{ slug }}/" it was a 404 in the
archive confirmation and the evidence pack. Every template is read for the
hand-built form."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HAND_BUILT = re.compile(r"/\{\{\s*[\w.]*slug[\w.|:\"]*\s*\}\}/")


def test_no_template_builds_a_public_address_from_a_slug():
    templates = [path for folder in ("templates", "articles", "public", "feedback",
                                     "outside_review") for path in (ROOT / folder).rglob("*.html")]  # fmt: skip
    assert len(templates) > 20, "the templates were not found"
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
             for path in templates
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if HAND_BUILT.search(line)]  # fmt: skip
    assert found == []
