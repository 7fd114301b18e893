from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from articles import workflow
from articles.search import search
from tests.factories import approve, edit, make_article, make_clinician, make_editor, make_staff

pytestmark = pytest.mark.django_db


def titles(query: str) -> list[str]:
    return [hit.article.live_title for hit in search(query)]


def test_sleep_ranks_the_sleep_guide_first(client, guides):
    """A search for "sleep" puts "Diazepam for Sleep..." at the top."""
    assert titles("sleep")[0].startswith("Diazepam for Sleep")
    html = client.get("/search/?q=sleep").content.decode()
    first = html.index('<ol class="search-results">')
    assert html.index("Diazepam for Sleep", first) < html.find("Valium (diazepam)", first) or (
        "Valium (diazepam)" not in html[first:]
    )


def test_both_guides_are_found_for_diazepam(guides):
    """Every published guide matching all the words is a result."""
    assert len(titles("diazepam")) == 2


def test_a_title_match_ranks_above_a_body_match(db):
    """The title weighs more than the summary, which weighs more than the body."""
    make_article(title="Caring for knees", summary="A guide.", body="## A\n\nNothing about it.")
    make_article(title="Walking", summary="A guide.", body="## A\n\nKnees and more knees.")
    assert titles("knees") == ["Caring for knees", "Walking"]


def test_words_are_matched_by_their_stem(db):
    """ "sleeping" finds guides about sleep."""
    make_article(title="Sleep", body="## A\n\nHow to sleep better.")
    assert titles("sleeping") == ["Sleep"]


def test_results_have_highlighted_escaped_snippets(client, db):
    """Matches are wrapped in <mark>; the rest of the text is escaped."""
    make_article(title="Doses", body="## A\n\nTake 5 mg &lt;b&gt; when anxious at night.")
    html = client.get("/search/?q=anxious").content.decode()
    assert "<mark>anxious</mark>" in html
    assert "<b>" not in html.split('<ol class="search-results">')[1]


def test_drafts_are_never_found(db):
    """Search starts from published(): a draft's text is not searchable."""
    make_article(live=False, title="Unpublished zebra guide", body="## A\n\nzebra")
    assert titles("zebra") == []


def test_the_unapproved_working_copy_is_not_searchable(db):
    """Only the live copy is indexed; an edit waiting for review is not."""
    article = make_article(title="Giraffes", body="## A\n\nTall animals.")
    edit(article, make_editor(), body="## A\n\nTall animals and okapis.")
    assert titles("okapis") == []
    assert titles("tall") == ["Giraffes"]


def test_the_index_follows_a_newly_approved_version(db):
    """Approving a new version changes what search finds, at once."""
    article = make_article(title="Giraffes", body="## A\n\nTall animals.")
    editor = make_editor()
    edit(article, editor, body="## A\n\nTall animals and okapis.")
    workflow.submit(article=article, user=editor)
    approve(article, make_clinician())
    assert titles("okapis") == ["Giraffes"]


def test_an_archived_guide_leaves_the_results(db):
    """Archiving takes the guide out of search in the same transaction."""
    article = make_article(title="Archived guide", body="## A\n\nPelicans.")
    workflow.archive(article=article, user=make_staff(superuser=True))
    assert titles("pelicans") == []


def test_loading_the_fixtures_indexes_the_guides(db):
    """Fixture loads go through the same triggers or expressions."""
    call_command("seed_demo", stdout=StringIO())
    assert titles("benzodiazepine")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Type a word or two"),
        ("   ", "Type a word or two"),
        ("!!! ??? ***", "did not contain any words"),
        ('"', "did not contain any words"),
        ("x" * 10_000, "used only its first 200 characters"),
        ("sleep " * 2_000, "used only its first 200 characters"),
        ("диазепам", "No guides found"),
        ("睡眠薬", "No guides found"),
        ('sleep" OR title:* NEAR(a b', "No guides found"),
        ("sleep*", "1 guide found"),
        ("sleep'; DROP TABLE articles_article; --", "No guides found"),
        ("AND OR NOT", "No guides found"),
        ("%\x00<script>", "No guides found"),
        ("%\x00", "did not contain any words"),
    ],
)
def test_bad_queries_get_a_helpful_page_never_an_error(client, guides, query, message):
    """Empty, punctuation-only, very long, non-Latin and operator-laden queries are safe."""
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert message in response.content.decode()


def test_search_pages_are_not_indexed(client, guides):
    """Result pages are not content: X-Robots-Tag noindex."""
    assert "noindex" in client.get("/search/?q=sleep")["X-Robots-Tag"]


def test_the_search_index_exists_after_migrating(db):
    """SQLite: the FTS5 table and its three triggers; PostgreSQL: the GIN index
    on the stored search document and the trigger that keeps it."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE name LIKE 'article_search%' "
                "AND type IN ('table', 'trigger')"
            )
            names = {row[0] for row in cursor.fetchall()}
            assert {"article_search", "article_search_insert", "article_search_update",
                    "article_search_delete"} <= names  # fmt: skip
        else:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'article_search_gin'")
            (definition,) = cursor.fetchone()
            assert "gin (search_document)" in definition.lower()
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = 'article_search_document'"
            )
            assert cursor.fetchone() == (1,)


def test_sqlite_triggers_come_back_after_a_table_rebuild(db):
    """A migration that rebuilds the article table drops its triggers; post_migrate restores them."""
    from articles.apps import _ensure_search_index

    make_article(title="Otters", body="## A\n\nRiver animals.")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER article_search_update")
            cursor.execute("DELETE FROM article_search")
    _ensure_search_index(using="default")
    assert titles("otters") == ["Otters"]
    make_article(title="Beavers", body="## A\n\nRiver animals.")
    assert sorted(titles("river")) == ["Beavers", "Otters"]


def test_the_query_is_escaped_when_shown_back(client, guides):
    """What the reader typed is echoed as text, never as markup."""
    html = client.get("/search/", {"q": '<script>alert("x")</script>'}).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_a_word_in_every_guide_is_answered_from_a_bounded_candidate_set(db, monkeypatch):
    """Ranking looks at a bounded number of matches (PostgreSQL), so a word
    found in every guide costs no more than a rare one; results are never
    empty when guides match."""
    from articles import search as engine

    monkeypatch.setattr(engine, "PG_CANDIDATES", 3)
    for n in range(5):
        make_article(title=f"Guide {n}", body="## A\n\nCommon words about medicine.")
    make_article(title="Medicine safety", body="## A\n\nCommon words about medicine.")
    hits = engine.search("medicine")
    assert 1 <= len(hits) <= (3 if connection.vendor == "postgresql" else 6)
