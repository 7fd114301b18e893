"""The synthetic-guide generator used by the benchmark."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from articles.models import Article, Reference, Revision, Topic
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def _generate(*args: str) -> str:
    out = StringIO()
    call_command("generate_articles", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_generated_guides_are_realistic_and_marked():
    """800-3,000 words with headings, sources and topics; every row is marked."""
    _generate("--count", "12", "--publish")
    articles = Article.objects.filter(generated=True)
    assert articles.count() == 12
    for article in articles:
        words = len(article.body.split())
        assert 800 <= words <= 3_300, words
        assert article.body.count("\n## ") >= 2
        assert article.live_headings
        assert 2 <= article.references.count() <= 4
        assert 1 <= article.topics.count() <= 3
        assert article.revisions.get().number == 1
    assert Topic.objects.filter(generated=True).exists()


def test_generated_guides_are_drafts_unless_published_on_purpose():
    _generate("--count", "3")
    assert Article.objects.filter(generated=True).count() == 3
    assert not Article.objects.published().filter(generated=True).exists()


def test_generating_twice_creates_nothing_more():
    assert "Created 5" in _generate("--count", "5", "--publish")
    assert "Created 0" in _generate("--count", "5", "--publish")
    assert "Created 2" in _generate("--count", "7", "--publish")
    assert Article.objects.filter(generated=True).count() == 7


def test_delete_removes_generated_content_only():
    real = make_article(slug="real-guide")
    _generate("--count", "4", "--publish")
    _generate("--delete")
    assert list(Article.objects.values_list("slug", flat=True)) == ["real-guide"]
    assert not Revision.objects.exclude(article=real).exists()
    assert not Reference.objects.exists()
    assert not Topic.objects.filter(generated=True).exists()


def test_generated_guides_are_searchable_and_listed(client):
    _generate("--count", "3", "--publish")
    assert "guide 2" in client.get("/").content.decode()
    assert client.get("/search/?q=medicine").status_code == 200


def test_count_is_required():
    with pytest.raises(CommandError, match="--count"):
        call_command("generate_articles")
