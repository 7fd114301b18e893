"""The admin, the markdownx editor and its live preview work in Chromium
under the site's Content-Security-Policy, with no violation reported."""

from __future__ import annotations

import base64
import io
import re

import pytest
from django.contrib.auth.models import User
from PIL import Image
from playwright.sync_api import Page, expect

from tests.factories import make_article

pytestmark = pytest.mark.django_db(transaction=True)

# Records every CSP violation the page reports, from the first script on.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def _log_in(page: Page, base_url: str) -> None:
    User.objects.create_superuser("clinician", "c@example.org", "a long test password")
    page.goto(base_url + "/admin/login/")
    page.get_by_label("Username").fill("clinician")
    page.get_by_label("Password").fill("a long test password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


def test_admin_editor_and_live_preview_work_under_the_csp_without_violations(
    live_server, page, console
):
    """Log in, open an article, type Markdown, see the preview update, save:
    no CSP violation and no console error on the way."""
    page.add_init_script(RECORD_VIOLATIONS)
    article = make_article(title="Diazepam and sleep", body="## Start\n\nFirst text.")
    _log_in(page, live_server.url)

    response = page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp

    body = page.locator("#id_body")
    expect(body).to_be_visible()
    body.click()
    body.press("End")
    body.press_sequentially("\n\n## Live preview heading\n\nTyped **in Chromium**.")
    preview = page.locator(".markdownx-preview")
    expect(preview.get_by_role("heading", name="Live preview heading")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("in Chromium")

    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(page.locator("#id_body")).to_contain_text("Live preview heading")

    assert page.evaluate("window.__cspViolations") == []
    assert [m for m in console.errors() if "Content Security Policy" in m] == []
    assert console.errors() == []


def test_the_public_pages_report_no_csp_violations(live_server, guides, page, console):
    """The public templates need no inline script or style."""
    page.add_init_script(RECORD_VIOLATIONS)
    for path in ["/", "/articles/valium-diazepam/"]:
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert page.evaluate("window.__cspViolations") == []
    assert console.errors() == []


DROP_FILE = """([name, type, b64]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type }));
  document.querySelector("#id_body").dispatchEvent(
    new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true })
  );
}"""


def test_dropping_an_image_into_the_editor_uploads_it_and_the_preview_shows_it(
    live_server, page, console, settings, tmp_path
):
    """markdownx's drag-and-drop upload goes through our upload view; the
    image comes back as Markdown and loads in the preview under the CSP."""
    settings.MEDIA_ROOT = tmp_path
    page.add_init_script(RECORD_VIOLATIONS)
    article = make_article(body="Text.")
    _log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(buffer, "PNG")
    page.evaluate(
        DROP_FILE, ["photo.gif", "image/gif", base64.b64encode(buffer.getvalue()).decode()]
    )

    body = page.locator("#id_body")
    expect(body).to_have_value(re.compile(r"!\[\]\(/media/uploads/[0-9a-f]{32}\.png\)"))
    image = page.locator(".markdownx-preview img")
    expect(image).to_have_count(1)
    page.wait_for_function("document.querySelector('.markdownx-preview img').complete")
    assert image.evaluate("img => img.naturalWidth") == 40
    assert len(list((tmp_path / "uploads").iterdir())) == 1
    assert page.evaluate("window.__cspViolations") == []
    assert console.errors() == []


def test_a_refused_upload_in_the_editor_writes_no_file(live_server, page, settings, tmp_path):
    """An SVG dropped into the editor is refused and nothing is stored."""
    settings.MEDIA_ROOT = tmp_path
    article = make_article(body="Text.")
    _log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with page.expect_response(lambda r: "/markdownx/upload/" in r.url) as answer:
        page.evaluate(DROP_FILE, ["x.png", "image/png", base64.b64encode(svg).decode()])
    assert answer.value.status == 400
    assert list(tmp_path.rglob("*.*")) == []
