"""Issue 15, item 2: a guide whose review lapsed tells readers and search
engines so, on the page (notice, noindex) and by its absence from the
sitemap, and its validators move so no reader keeps the page without the
notice; the next review lifts it. Never unpublished."""

from __future__ import annotations

import datetime

import pytest

from articles import workflow
from articles.models import Article
from tests.factories import approve, make_article, make_clinician

pytestmark = pytest.mark.django_db
NOTICE = "This page is overdue for clinical review."


def _lapse(article: Article, capture) -> Article:
    """Lapse the guide's review, running its after-commit callbacks (the
    public_changed signal that empties the page cache) as a commit would."""
    due = datetime.date(2026, 1, 1)
    Article.objects.filter(pk=article.pk).update(next_review_due=due)
    with capture(execute=True):
        assert workflow.lapse_review(article=article, today=due + datetime.timedelta(days=30))
    return Article.objects.get(pk=article.pk)


def test_a_lapsed_guide_shows_the_notice_and_noindex_and_stays_published(
    client, django_capture_on_commit_callbacks
):
    article = make_article(body="## Dose\n\nTake one.")
    url = article.get_absolute_url()
    before = client.get(url)
    assert NOTICE not in before.content.decode()
    assert 'content="noindex"' not in before.content.decode()
    _lapse(article, django_capture_on_commit_callbacks)
    after = client.get(url)
    assert after.status_code == 200
    html = after.content.decode()
    assert NOTICE in html
    assert '<meta name="robots" content="noindex">' in html
    assert after["ETag"] != before["ETag"]
    # A reader holding the old page revalidates and gets the notice, not a 304.
    again = client.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    assert again.status_code == 200
    assert NOTICE in again.content.decode()


def test_a_lapsed_guide_leaves_the_sitemap_and_returns_after_review(
    client, django_capture_on_commit_callbacks
):
    article = make_article()
    slug = article.live_slug
    assert slug in client.get("/sitemap-articles.xml").content.decode()
    _lapse(article, django_capture_on_commit_callbacks)
    assert slug not in client.get("/sitemap-articles.xml").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        approve(Article.objects.get(pk=article.pk), make_clinician("another"))
    assert slug in client.get("/sitemap-articles.xml").content.decode()
    page = client.get(Article.objects.get(pk=article.pk).get_absolute_url()).content.decode()
    assert NOTICE not in page
    assert "noindex" not in page


def test_lapse_is_refused_before_its_day_and_for_drafts(settings):
    live, draft = make_article(), make_article(live=False)
    due = datetime.date(2026, 1, 1)
    Article.objects.filter(pk__in=[live.pk, draft.pk]).update(next_review_due=due)
    day_before = due + datetime.timedelta(days=settings.ARTICLE_REVIEW_LAPSE_DAYS - 1)
    assert workflow.lapse_review(article=live, today=day_before) is False
    assert workflow.lapse_review(article=draft, today=due + datetime.timedelta(days=60)) is False
    assert not Article.objects.filter(review_lapsed_on__isnull=False).exists()
