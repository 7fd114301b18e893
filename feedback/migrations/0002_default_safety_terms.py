"""The safety terms every site starts with; clinicians extend the list in
the admin. A frozen list (migrations are history)."""

from django.db import migrations

DEFAULT_TERMS = ["dose", "overdose", "side effect", "interaction", "pregnant"]


def add_terms(apps, schema_editor):
    safety_term = apps.get_model("feedback", "SafetyTerm")
    for term in DEFAULT_TERMS:
        safety_term.objects.get_or_create(term=term)


def remove_terms(apps, schema_editor):
    apps.get_model("feedback", "SafetyTerm").objects.filter(
        term__in=DEFAULT_TERMS, added_by__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunPython(add_terms, remove_terms)]
