from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from articles.dates import add_months
from articles.models import Article, Revision, content_hash
from tests.factories import edit, make_article, make_editor

pytestmark = pytest.mark.django_db


def test_published_returns_only_articles_with_a_live_version():
    """published() is the one definition of public: drafts never appear."""
    live = make_article()
    make_article(live=False)
    assert list(Article.objects.published()) == [live]


def test_database_rejects_an_unknown_status():
    """Choices alone do not constrain data; the CheckConstraint does."""
    article = make_article()
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(status="gone")


def test_database_rejects_an_archived_article_that_is_still_live():
    article = make_article()
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(status=Article.Status.ARCHIVED)


def test_clean_explains_that_published_needs_a_live_version():
    article = make_article(live=False)
    article.status = Article.Status.PUBLISHED
    with pytest.raises(ValidationError, match="approved live version"):
        article.clean()


def test_slug_is_unique():
    make_article(slug="same", live=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_article(slug="same", live=False)


def test_approval_renders_the_live_body_and_headings_once():
    """Markdown is rendered when a version goes live, not per request."""
    article = make_article(body="## Side effects\n\nMay cause *drowsiness*.")
    assert '<h2 id="side-effects">Side effects</h2>' in article.live_body_html
    assert "<em>drowsiness</em>" in article.live_body_html
    # Entries carry their level since issue 12 (### headings are listed too).
    assert article.live_headings == [{"id": "side-effects", "text": "Side effects", "level": 2}]


def test_versions_are_immutable():
    article = make_article()
    revision = article.revisions.get()
    revision.body = "changed"
    with pytest.raises(ValidationError, match="immutable"):
        revision.save()


def test_a_version_hashes_exactly_its_public_content():
    """Changed by issue 11: the hash covers every public field of a version,
    and an auditor can recompute it from the stored version."""
    article = make_article(title="T", summary="S", body="B")
    revision = article.revisions.get()
    assert revision.content_hash == content_hash(**revision.snapshot())
    assert revision.hash_is_intact()
    assert content_hash(**{**revision.snapshot(), "body": "B "}) != revision.content_hash
    # Versions older than migration 0010 keep their scheme-1 hash.
    assert content_hash("T", "S", "B ") != content_hash("T", "S", "B")


def test_str_and_absolute_url_use_title_and_slug():
    article = make_article(title="Diazepam", slug="diazepam")
    assert str(article) == "Diazepam"
    assert article.get_absolute_url() == "/articles/diazepam/"


def test_articles_are_ordered_by_title():
    make_article(title="B guide")
    make_article(title="A guide")
    assert [a.title for a in Article.objects.all()] == ["A guide", "B guide"]


def test_each_saved_change_of_text_adds_a_numbered_version():
    editor = make_editor()
    article = make_article(live=False, author=editor)
    edit(article, editor, body="Second text.")
    edit(article, editor, body="Second text.")  # no change, no new version
    assert list(Revision.objects.filter(article=article).values_list("number", flat=True)) == [2, 1]
    # Changed by issue 11: the slug is public, so changing it is a new version.
    edit(article, editor, slug="renamed")
    assert article.revisions.first().slug == "renamed"
    assert article.revisions.count() == 3


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 11, 21), 12, date(2027, 11, 21)),
        (date(2026, 12, 15), 3, date(2027, 3, 15)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(start, months, expected):
    assert add_months(start, months) == expected


def _plan(queryset) -> str:
    """The database's plan for ``queryset``. PostgreSQL is told to avoid
    table scans and sorting, so a usable index shows up even in a tiny test
    table (where scanning and sorting would be cheaper)."""
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        else:
            for method in ("seqscan", "bitmapscan", "sort"):
                cursor.execute(f"SET LOCAL enable_{method} = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(str(row) for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("page", "index"),
    [
        ("list", "article_public_title_idx"),
        ("feed", "article_public_pub_idx"),
        ("count", "article_public_"),
    ],
)
def test_public_queries_read_a_partial_index_of_published_guides(page, index):
    """The list page, the feed and counting published guides are served by
    indexes that hold published guides only, in the order the page needs,
    so they cost the same at 100,000 guides as at 100."""
    from public.feeds import LatestArticlesFeed

    make_article()
    queries = {
        "list": Article.objects.published().order_by("live_title", "pk")[:50],
        "feed": LatestArticlesFeed().items(),
        "count": Article.objects.published().order_by().values("pk"),
    }
    plan = _plan(queries[page])
    assert index in plan
    assert "TEMP B-TREE" not in plan  # SQLite sorting the rows itself


def test_the_migrations_match_the_models():
    """A model change without its migration fails here, not at deploy time."""
    import io

    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())
