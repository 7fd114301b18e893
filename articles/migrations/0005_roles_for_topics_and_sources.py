"""Give the roles their permissions on topics and sources, which did not
exist when 0002 created the groups."""

from django.db import migrations


def update_roles(apps, schema_editor):
    from articles.roles import ensure_roles

    ensure_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("articles", "0004_search")]

    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
