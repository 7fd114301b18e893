"""Full-text search index over the live copy (see articles/search.py).

SQLite: an FTS5 table kept in step by triggers on articles_article.
PostgreSQL: a GIN index on the weighted SearchVector that search() queries.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations
from django.db.models.expressions import CombinedExpression

GIN_NAME = "article_search_gin"

# Frozen copy of the SQLite index as articles/search.py defined it when this
# migration was written; articles.apps re-creates the live triggers after
# every migrate (SQLite drops them when a migration rebuilds the table).
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


def create_sqlite_index(schema_editor):
    for statement in SQLITE_SCHEMA + SQLITE_REBUILD:
        schema_editor.execute(statement)


def search_vector() -> CombinedExpression:
    """The document as this migration indexed it; 0008 replaced the index
    with a stored, trigger-kept column."""
    return (
        SearchVector("live_title", weight="A", config="english")
        + SearchVector("live_summary", weight="B", config="english")
        + SearchVector("live_text", weight="C", config="english")
    )


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        create_sqlite_index(schema_editor)
    elif vendor == "postgresql":
        Article = apps.get_model("articles", "Article")
        schema_editor.add_index(Article, GinIndex(search_vector(), name=GIN_NAME))


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for name in ("insert", "update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS article_search_{name}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {GIN_NAME}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0003_topics_references")]

    operations = [migrations.RunPython(forwards, backwards)]
