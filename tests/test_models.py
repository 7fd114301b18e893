from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from articles.models import Article
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_published_returns_only_published_articles():
    """published() is the one definition of public: drafts never appear."""
    live = make_article(status=Article.Status.PUBLISHED)
    make_article(status=Article.Status.DRAFT)
    assert list(Article.objects.published()) == [live]


def test_publishing_sets_published_at_once():
    """The first publication date is set on publish and never moved by later saves."""
    article = make_article(status=Article.Status.DRAFT)
    assert article.published_at is None
    article.status = Article.Status.PUBLISHED
    article.save()
    first = article.published_at
    assert first is not None
    article.title = "New title"
    article.save()
    article.refresh_from_db()
    assert article.published_at == first


def test_database_rejects_an_unknown_status():
    """Choices alone do not constrain data; the CheckConstraint does."""
    article = make_article()
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(status="gone")


def test_slug_is_unique():
    make_article(slug="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_article(slug="same")


def test_saving_renders_the_body_and_headings():
    """Markdown is rendered once, on save, not per request."""
    article = make_article(body="## Side effects\n\nMay cause *drowsiness*.")
    assert '<h2 id="side-effects">Side effects</h2>' in article.body_html
    assert "<em>drowsiness</em>" in article.body_html
    assert article.headings == [{"id": "side-effects", "text": "Side effects"}]


def test_str_and_absolute_url_use_title_and_slug():
    article = make_article(title="Diazepam", slug="diazepam")
    assert str(article) == "Diazepam"
    assert article.get_absolute_url() == "/articles/diazepam/"


def test_articles_are_ordered_by_title():
    make_article(title="B guide")
    make_article(title="A guide")
    assert [a.title for a in Article.objects.all()] == ["A guide", "B guide"]
