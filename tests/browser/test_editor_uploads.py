"""Issue 12 item 6 in Chromium: a refused upload, dropped into the editor,
shows the server's reason and inserts nothing into the body; an accepted one
inserts its Markdown and the editor is told to write the alt text. The
preview styles callouts with the public body stylesheet."""

from __future__ import annotations

import base64
import io
import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.test_admin_csp import DROP_FILE, RECORD_VIOLATIONS, _log_in
from tests.factories import make_article

pytestmark = pytest.mark.django_db(transaction=True)


def _png(size: tuple[int, int], mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, "PNG")
    return buffer.getvalue()


def _gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "GIF")
    return buffer.getvalue()


def _drop(page: Page, name: str, content_type: str, data: bytes) -> int:
    with page.expect_response(lambda r: "/markdownx/upload/" in r.url) as answer:
        page.evaluate(DROP_FILE, [name, content_type, base64.b64encode(data).decode()])
    return answer.value.status


@pytest.mark.parametrize(
    ("name", "content_type", "make", "reason"),
    [
        ("anim.gif", "image/gif", _gif, "not a JPEG, PNG or WebP"),
        ("huge.png", "image/png", lambda: _png((8000, 5000), "1"), "the limit is 16 megapixels"),
        (
            "big.png",
            "image/png",
            lambda: b"\x89PNG" + b"\0" * (5 * 1024 * 1024 + 10),
            "larger than the limit of 5 MB",
        ),
    ],
)
def test_a_refused_upload_shows_the_servers_reason_and_inserts_nothing(
    live_server, page, console, settings, tmp_path, name, content_type, make, reason
):
    settings.MEDIA_ROOT = tmp_path
    page.add_init_script(RECORD_VIOLATIONS)
    article = make_article(body="Text the editor wrote.")
    _log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    body = page.locator("#id_body")
    before = body.input_value()

    assert _drop(page, name, content_type, make()) == 400

    message = page.locator(".upload-message")
    expect(message).to_contain_text(f"“{name}” was not added.")
    expect(message).to_contain_text(reason)
    expect(message).to_have_attribute("role", "alert")
    page.wait_for_timeout(300)
    assert body.input_value() == before
    assert "Invalid response" not in body.input_value()
    assert list(tmp_path.rglob("*.*")) == []
    assert page.evaluate("window.__cspViolations") == []


def test_an_accepted_upload_inserts_its_markdown_and_asks_for_alt_text(
    live_server, page, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    article = make_article(body="Text.")
    _log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    assert _drop(page, "photo.png", "image/png", _png((40, 30))) == 200
    # Inserted at the cursor (the start here: nothing was clicked), text kept.
    expect(page.locator("#id_body")).to_have_value(
        re.compile(r"^!\[\]\(/media/uploads/[0-9a-f]{32}\.png\)\nText\.$")
    )
    expect(page.locator(".upload-message")).to_contain_text("Describe what it shows")

    # Saving without alt text is refused with the image named; the text stays.
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".errorlist")).to_contain_text("has no alt text")
    expect(page.locator("#id_body")).to_contain_text("/media/uploads/")


def test_the_live_preview_styles_a_callout_like_the_public_page(live_server, page):
    article = make_article(body='!!! warning "Important"\n    Do not drive.')
    page.goto(live_server.url + article.get_absolute_url())
    public = page.locator(".article-body .admonition.warning")
    public_style = public.evaluate(
        "e => { const s = getComputedStyle(e); return [s.backgroundColor, s.borderLeftColor, s.borderLeftWidth]; }"
    )
    _log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    body = page.locator("#id_body")
    body.click()
    body.press("End")
    body.press_sequentially(" ")
    preview = page.locator(".markdownx-preview .admonition.warning")
    expect(preview).to_have_count(1)
    preview_style = preview.evaluate(
        "e => { const s = getComputedStyle(e); return [s.backgroundColor, s.borderLeftColor, s.borderLeftWidth]; }"
    )
    assert preview_style == public_style
    assert public_style[0] != "rgba(0, 0, 0, 0)"
