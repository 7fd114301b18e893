"""
Full-text search over the live copy of published articles.

One interface, :func:`search`, with two engines behind it:

* **SQLite**: an FTS5 table, ``article_search``, kept in step with the
  article table's ``live_*`` columns by triggers, so the index changes in the
  same transaction as the live copy (approval, archive). Ranked by ``bm25``
  with the title weighted above the summary above the body.
* **PostgreSQL**: a weighted ``tsvector`` of the same three columns, stored
  in ``search_document`` by a trigger and indexed with GIN (migration 0008),
  ranked by ``ts_rank`` over a bounded set of candidates.

Only ``live_title``, ``live_summary`` and ``live_text`` are indexed; the
working copy never is. Results always come from
``Article.objects.published()``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.functions import Left
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article

MAX_QUERY_CHARS = 200
MAX_TERMS = 10
RESULTS_LIMIT = 20
# Markers that cannot occur in article text; replaced by <mark> after escaping.
_START, _STOP = "\x02", "\x03"
_WORD = re.compile(r"\w+")

FTS_TABLE = "article_search"
SQLITE_SCHEMA = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS article_search USING fts5(
        title, summary, body, tokenize = 'porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS article_search_insert
        AFTER INSERT ON articles_article WHEN NEW.live_version IS NOT NULL BEGIN
            INSERT INTO article_search(rowid, title, summary, body)
            VALUES (NEW.id, NEW.live_title, NEW.live_summary, NEW.live_text);
        END""",
    """CREATE TRIGGER IF NOT EXISTS article_search_update
        AFTER UPDATE ON articles_article BEGIN
            DELETE FROM article_search WHERE rowid = OLD.id;
            INSERT INTO article_search(rowid, title, summary, body)
            SELECT NEW.id, NEW.live_title, NEW.live_summary, NEW.live_text
            WHERE NEW.live_version IS NOT NULL;
        END""",
    """CREATE TRIGGER IF NOT EXISTS article_search_delete
        AFTER DELETE ON articles_article BEGIN
            DELETE FROM article_search WHERE rowid = OLD.id;
        END""",
]
SQLITE_REBUILD = [
    "DELETE FROM article_search",
    """INSERT INTO article_search(rowid, title, summary, body)
        SELECT id, live_title, live_summary, live_text FROM articles_article
        WHERE live_version IS NOT NULL""",
]


# PostgreSQL: the weighted document is stored in a column that a trigger
# keeps in step with the live copy (migration 0008 holds its SQL), so
# neither filtering nor ranking re-reads the text. Ranking is done over at most PG_CANDIDATES
# matches (guides in physical order), so a word found in every guide costs
# the same as a rare one; the weights put title matches first.
PG_CANDIDATES = 1000


def ensure_sqlite_index(db: BaseDatabaseWrapper, *, rebuild: bool = False) -> None:
    """Create the FTS5 table and triggers if missing. Rebuilding the article
    table (as SQLite migrations do) drops its triggers, so this runs after
    every migrate, and refills the index when it had to recreate anything."""
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
            ["article_search_%"],
        )
        rebuild = rebuild or cursor.fetchone()[0] != 3
        for statement in SQLITE_SCHEMA:
            cursor.execute(statement)
        if rebuild:
            for statement in SQLITE_REBUILD:
                cursor.execute(statement)


@dataclass(frozen=True)
class Hit:
    article: Article
    snippet: SafeString


def terms(query: str) -> list[str]:
    """The words of a query, bounded, with all punctuation and syntax dropped."""
    return _WORD.findall(query[:MAX_QUERY_CHARS].casefold())[:MAX_TERMS]


def search(query: str, *, limit: int = RESULTS_LIMIT) -> list[Hit]:
    """Published articles matching every word of ``query``, best first."""
    words = terms(query)
    if not words:
        return []
    if connection.vendor == "postgresql":
        return _search_postgresql(words, limit)
    return _search_sqlite(words, limit)


def _highlight(snippet: str) -> SafeString:
    return mark_safe(  # noqa: S308 - escaped first; only our own <mark> is added
        escape(snippet).replace(_START, "<mark>").replace(_STOP, "</mark>")
    )


def _search_sqlite(words: list[str], limit: int) -> list[Hit]:
    match = " ".join(f'"{word}"' for word in words)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT rowid, snippet(article_search, 2, %s, %s, '…', 30)
                FROM article_search WHERE article_search MATCH %s
                ORDER BY bm25(article_search, 10.0, 4.0, 1.0), rowid LIMIT %s""",
            [_START, _STOP, match, limit],
        )
        rows = cursor.fetchall()
    articles = Article.objects.published().only("slug", "live_slug", "live_title", "live_summary")
    found = articles.in_bulk([pk for pk, _ in rows])
    return [Hit(found[pk], _highlight(snippet)) for pk, snippet in rows if pk in found]


def _search_postgresql(words: list[str], limit: int) -> list[Hit]:
    with connection.cursor() as cursor:
        cursor.execute(
            """WITH q AS (SELECT plainto_tsquery('english', %s) AS query),
                candidates AS (
                    SELECT a.id, a.search_document FROM articles_article a, q
                    WHERE a.live_version IS NOT NULL AND a.search_document @@ q.query
                    LIMIT %s)
               SELECT c.id FROM candidates c, q
               ORDER BY ts_rank('{0.2, 0.4, 0.6, 1.0}', c.search_document, q.query) DESC, c.id
               LIMIT %s""",
            [" ".join(words), PG_CANDIDATES, limit],
        )
        ranked = [pk for (pk,) in cursor.fetchall()]
    if not ranked:
        return []
    query = SearchQuery(" ".join(words), search_type="plain", config="english")
    # Snippets only for the page of results, from the start of each text.
    found = Article.objects.published().filter(pk__in=ranked).annotate(
        snippet=SearchHeadline(
            Left("live_text", 4000), query, config="english", start_sel=_START,
            stop_sel=_STOP, max_words=35, min_words=15, max_fragments=2,
            fragment_delimiter=" … ",
        )
    ).only("slug", "live_slug", "live_title", "live_summary").in_bulk()  # fmt: skip
    return [Hit(found[pk], _highlight(found[pk].snippet)) for pk in ranked if pk in found]
