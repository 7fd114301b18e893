"""The admin dashboard's panels, "Sources to check" included (issue 15,
item 5), have no WCAG 2.2 A/AA violation axe-core can find in Chromium."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from articles.models import Source
from tests.browser.test_accessibility import WCAG_TAGS
from tests.factories import make_article, make_editor, publish

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(username)


def test_the_dashboard_with_sources_to_check_has_no_wcag_violations(live_server, page):
    editor = make_editor("eddie")
    for state in ("dead", "moved"):
        publish(make_article(author=editor), editor, sources=[{
            "order": 1, "title": f"A {state} source", "publisher": "NICE",
            "url": f"http://127.0.0.1:9/{state}", "date_accessed": None,
        }])  # fmt: skip
        Source.objects.filter(url__endswith=f"/{state}").update(state=state)
    log_in(page, live_server.url, "eddie")
    page.goto(f"{live_server.url}/admin/")
    panel = page.locator(".dashboard-sources")
    expect(panel).to_contain_text("Sources to check")
    expect(panel).to_contain_text("cites “A dead source” (dead)")
    results = Axe().run(
        page,
        context=".editorial-dashboard",
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    assert results.violations_count == 0, results.generate_report()
