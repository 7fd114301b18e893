"""Forgiving search (issue 14): the synonyms clinicians curate, seeded with
a few defaults, and PostgreSQL's pg_trgm extension, which corrects spelling
there (SQLite uses RapidFuzz and needs nothing here).

The default synonyms are data copied here, not imported: terms are stored as
articles.search compares them (lower case, words separated by one space).
"""

from django.db import migrations, models

# Readers' words -> words the guides use. Terms: one to three words.
DEFAULT_SYNONYMS = {
    "benzo": "benzodiazepine",
    "benzos": "benzodiazepine",
    "sleeping pill": "hypnotic, insomnia, sleep",
    "sleeping pills": "hypnotic, insomnia, sleep",
    "sleeping tablets": "hypnotic, insomnia, sleep",
    "sleep aid": "hypnotic, insomnia, sleep",
    "can t sleep": "insomnia, sleep",
    "tranquilliser": "benzodiazepine, sedative",
    "tranquillisers": "benzodiazepine, sedative",
    "tranquilizer": "benzodiazepine, sedative",
    "tranquilizers": "benzodiazepine, sedative",
    "nerves": "anxiety",
    "muscle relaxant": "muscle spasms",
    "drink": "alcohol",
    "drinking": "alcohol",
    "booze": "alcohol",
}
PG_TRIGRAM = "CREATE EXTENSION IF NOT EXISTS pg_trgm"


def seed_synonyms(apps, schema_editor):
    synonym = apps.get_model("articles", "SearchSynonym")
    for term, expansions in DEFAULT_SYNONYMS.items():
        synonym.objects.using(schema_editor.connection.alias).get_or_create(
            term=term, defaults={"expansions": expansions}
        )


def remove_default_synonyms(apps, schema_editor):
    synonym = apps.get_model("articles", "SearchSynonym")
    synonym.objects.using(schema_editor.connection.alias).filter(term__in=DEFAULT_SYNONYMS).delete()


def create_trigram_extension(apps, schema_editor):
    # Left in place when migrating back: other database objects may use it.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_TRIGRAM)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0013_review_cycle"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchSynonym",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "term",
                    models.CharField(
                        help_text="One to three words, as readers type them, for example: sleeping pills.",
                        max_length=60,
                        unique=True,
                        verbose_name="reader's word or phrase",
                    ),
                ),
                (
                    "expansions",
                    models.CharField(
                        help_text="Comma-separated words or phrases used in the guides, for example: hypnotics, insomnia.",
                        max_length=300,
                        verbose_name="also search for",
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
            ],
            options={
                "verbose_name": "search synonym",
                "verbose_name_plural": "search synonyms",
                "ordering": ["term"],
            },
        ),
        migrations.RunPython(seed_synonyms, remove_default_synonyms),
        migrations.RunPython(create_trigram_extension, migrations.RunPython.noop),
    ]
