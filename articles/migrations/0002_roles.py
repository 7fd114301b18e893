"""The two editorial roles and their permissions.

Frozen: the role table and the helper are copied here as they were when this
migration was written, so later edits to ``articles/roles.py`` cannot change
what it does. The live table is applied after every ``migrate`` by the
``post_migrate`` handler in ``articles/apps.py``.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Editors": [
        "view_article", "add_article", "change_article", "delete_article",
        "submit_article", "archive_article",
        "view_revision", "view_review", "view_reviewerprofile", "view_historicalarticle",
        "view_topic", "add_topic", "change_topic",
        "view_reference", "add_reference", "change_reference", "delete_reference",
    ],
    "Clinical reviewers": [
        "view_article", "add_article", "change_article", "approve_article",
        "view_revision", "view_review", "view_reviewerprofile", "change_reviewerprofile",
        "view_historicalarticle",
        "view_topic", "view_reference", "add_reference", "change_reference", "delete_reference",
    ],
}  # fmt: skip


def ensure_roles(apps):
    # Permissions are normally created after all migrations; create them now
    # so the groups can be given them.
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = group_model.objects.get_or_create(name=name)
        group.permissions.set(
            permission_model.objects.filter(
                content_type__app_label="articles", codename__in=codenames
            )
        )


def create_roles(apps, schema_editor):
    ensure_roles(apps)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
