"""A save that changes nothing changes nothing (issue 11, fault 9), in
Chromium, which posts the body with CRLF line endings like every browser."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, expect

from articles.models import Article, Revision
from tests.factories import make_editor

pytestmark = pytest.mark.django_db(transaction=True)
SLUG = "valium-diazepam"


def _state() -> tuple:
    article = Article.objects.get(slug=SLUG)
    return (
        article.status, article.live_version, article.title, article.summary, article.body,
        list(Revision.objects.filter(article=article).values_list("number", "content_hash")),
    )  # fmt: skip


def test_open_save_unchanged_export_import_changes_nothing(
    live_server, guides, browser: Browser, tmp_path
):
    base = live_server.url
    make_editor("eddie")
    before = _state()
    assert before[0] == Article.Status.PUBLISHED
    assert "\n" in before[4], "the seed body has several lines, so CRLF would differ"

    page = browser.new_page()
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "eddie")
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")
    article = Article.objects.get(slug=SLUG)
    page.goto(f"{base}/admin/articles/article/{article.pk}/change/")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert _state() == before, "saving unchanged made a version or moved the status"

    call_command("export_articles", str(tmp_path), stdout=StringIO())
    out = StringIO()
    call_command("import_articles", str(tmp_path), "--user", "eddie", stdout=out,
                 stderr=StringIO())  # fmt: skip
    assert "0 created, 0 updated, 2 unchanged, 0 failed" in out.getvalue()
    assert _state() == before

    page.goto(f"{base}/articles/{SLUG}/")
    expect(page.locator("h1")).to_have_text(before[2])
