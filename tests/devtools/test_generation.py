"""The synthetic-guide generator used by the benchmark."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from articles.models import Article, Reference, Revision, Topic
from devtools.generation import generated_articles, generated_topics
from tests.factories import make_article, make_topic

pytestmark = pytest.mark.django_db


def _generate(*args: str) -> str:
    out = StringIO()
    call_command("generate_articles", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_generated_guides_are_realistic_and_marked():
    """800-3,000 words with headings, sources and topics; every row is known
    by its slug."""
    _generate("--count", "12", "--publish")
    articles = generated_articles()
    assert articles.count() == 12
    for article in articles:
        words = len(article.body.split())
        assert 800 <= words <= 3_300, words
        assert article.body.count("\n## ") >= 2
        assert article.live_headings
        assert 2 <= article.references.count() <= 4
        assert 1 <= article.topics.count() <= 3
        assert article.revisions.get().number == 1
    assert generated_topics().exists()


def test_generated_guides_are_drafts_unless_published_on_purpose():
    _generate("--count", "3")
    assert generated_articles().count() == 3
    assert not generated_articles().filter(pk__in=Article.objects.published()).exists()


def test_generating_twice_creates_nothing_more():
    assert "Created 5" in _generate("--count", "5", "--publish")
    assert "Created 0" in _generate("--count", "5", "--publish")
    assert "Created 2" in _generate("--count", "7", "--publish")
    assert generated_articles().count() == 7


def test_delete_removes_generated_content_only():
    real = make_article(slug="real-guide")
    _generate("--count", "4", "--publish")
    _generate("--delete")
    assert list(Article.objects.values_list("slug", flat=True)) == ["real-guide"]
    assert not Revision.objects.exclude(article=real).exists()
    assert not Reference.objects.exists()
    assert not generated_topics().exists()


def test_delete_keeps_real_content_whose_slug_only_looks_generated():
    """Generated rows are known by their exact slugs, not by a prefix."""
    make_article(slug="generated-guide-notes")
    make_article(slug="generated-0000001")
    make_topic(slug="generated-asthma")
    _generate("--count", "2", "--publish")
    _generate("--delete")
    assert sorted(Article.objects.values_list("slug", flat=True)) == [
        "generated-0000001",
        "generated-guide-notes",
    ]
    assert Topic.objects.filter(slug="generated-asthma").exists()


def test_production_settings_leave_the_generator_out():
    """devtools is installed by the test and benchmark settings only, and the
    production schema keeps no column for generated rows."""
    import healthsite.settings as production

    assert "devtools" not in production.INSTALLED_APPS
    assert "generated" not in {f.name for f in Article._meta.get_fields()}
    assert "generated" not in {f.name for f in Topic._meta.get_fields()}


def test_generated_guides_are_searchable_and_listed(client):
    _generate("--count", "3", "--publish")
    assert "guide 2" in client.get("/").content.decode()
    assert client.get("/search/?q=medicine").status_code == 200


def test_count_is_required():
    with pytest.raises(CommandError, match="--count"):
        call_command("generate_articles")
