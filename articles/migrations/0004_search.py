"""Full-text search index over the live copy (see articles/search.py).

SQLite: an FTS5 table kept in step by triggers on articles_article.
PostgreSQL: a GIN index on the weighted SearchVector that search() queries.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

from articles.search import FTS_TABLE, ensure_sqlite_index

GIN_NAME = "article_search_gin"


def search_vector() -> SearchVector:
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
        ensure_sqlite_index(schema_editor.connection, rebuild=True)
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
