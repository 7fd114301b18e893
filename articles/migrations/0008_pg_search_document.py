"""PostgreSQL: store the weighted search document in a column kept by a
trigger, and index that column.

Ranking with the expression index (0004) recomputed to_tsvector over every
matching guide's whole text on each query: with 100,000 guides a common word
took longer than gunicorn's 30 s timeout. A stored tsvector is computed once
per change of the live copy. SQLite (FTS5, 0004) is unchanged.
"""

from django.db import migrations

# Frozen copy of the SQL articles/search.py held when this migration was
# written: a later change to the live search module cannot change it.
PG_DOCUMENT = """
    setweight(to_tsvector('english', coalesce(NEW.live_title, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(NEW.live_summary, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(NEW.live_text, '')), 'C')"""
PG_SEARCH_SETUP = [
    "ALTER TABLE articles_article ADD COLUMN IF NOT EXISTS search_document tsvector",
    f"""CREATE OR REPLACE FUNCTION article_search_document() RETURNS trigger AS $$
        BEGIN NEW.search_document := {PG_DOCUMENT}; RETURN NEW; END
        $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS article_search_document ON articles_article",
    """CREATE TRIGGER article_search_document
        BEFORE INSERT OR UPDATE OF live_title, live_summary, live_text ON articles_article
        FOR EACH ROW EXECUTE FUNCTION article_search_document()""",
    "UPDATE articles_article SET live_title = live_title",
    "DROP INDEX IF EXISTS article_search_gin",
    "CREATE INDEX article_search_gin ON articles_article USING gin (search_document)",
]
PG_SEARCH_TEARDOWN = [
    "DROP TRIGGER IF EXISTS article_search_document ON articles_article",
    "DROP FUNCTION IF EXISTS article_search_document()",
    "DROP INDEX IF EXISTS article_search_gin",
    "ALTER TABLE articles_article DROP COLUMN IF EXISTS search_document",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in PG_SEARCH_SETUP:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in PG_SEARCH_TEARDOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("articles", "0007_live_corrections")]

    operations = [migrations.RunPython(forwards, backwards)]
