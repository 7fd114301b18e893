"""PostgreSQL: store the weighted search document in a column kept by a
trigger, and index that column.

Ranking with the expression index (0004) recomputed to_tsvector over every
matching guide's whole text on each query: with 100,000 guides a common word
took longer than gunicorn's 30 s timeout. A stored tsvector is computed once
per change of the live copy. SQLite (FTS5, 0004) is unchanged.
"""

from django.db import migrations

from articles.search import PG_SEARCH_SETUP, PG_SEARCH_TEARDOWN


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
