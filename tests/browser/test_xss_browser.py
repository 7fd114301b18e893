"""A published page holding every XSS vector runs no script in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Dialog, Page, expect

from articles.rendering import render_markdown
from tests.factories import make_article_or_legacy
from tests.xss_vectors import VECTORS

pytestmark = pytest.mark.django_db(transaction=True)

# Some vectors leave an element open (<style>, <textarea>, <math>...) that
# would swallow the rest of the page; closing tags after each one keep every
# later vector on the page.
RESET = "</style></table></math></textarea></noscript></template></svg></iframe></object>"
ALL_VECTORS = "\n\n".join(f"Vector: {name}.\n\n{body}\n\n{RESET}" for name, body in VECTORS.items())


def _watch(page: Page) -> list[str]:
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    page.add_init_script("window.__xssRan = false;")
    return dialogs


def test_a_published_page_holding_every_vector_opens_no_dialog_and_runs_no_script(
    live_server, page
):
    """Served as readers get it (sanitised, under the CSP): no alert, no
    flag set by an injected handler."""
    article = make_article_or_legacy(title="Every vector", body=ALL_VECTORS)
    dialogs = _watch(page)
    page.goto(live_server.url + article.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Every vector")
    text = page.locator(".article-body").inner_text()
    missing = [name for name in VECTORS if f"Vector: {name}." not in text]
    assert missing == [], "every vector must be on the page"
    page.locator(".article-body").hover()
    page.wait_for_timeout(1500)  # let onload, onerror, animations and timers fire
    assert dialogs == []
    assert page.evaluate("window.__xssRan === true") is False


def test_the_sanitised_html_runs_no_script_even_without_the_csp(page):
    """Defence in depth: the sanitiser alone is enough. The stored HTML is
    loaded into a page that has no Content-Security-Policy at all."""
    html = render_markdown(ALL_VECTORS)
    dialogs = _watch(page)
    page.set_content(
        f'<!DOCTYPE html><html><body><div class="article-body">{html}</div></body></html>'
    )
    page.wait_for_timeout(1500)
    assert dialogs == []
    assert page.evaluate("window.__xssRan === true") is False


def test_the_watchers_do_notice_a_script_that_runs(page):
    """A guard against a toothless test: unsanitised HTML is caught."""
    dialogs = _watch(page)
    page.set_content('<img src="x" onerror="window.__xssRan=true; alert(1)">')
    page.wait_for_timeout(500)
    assert dialogs == ["1"]
    assert page.evaluate("window.__xssRan === true") is True
