"""The two editorial roles and their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Editors": [
        "view_article",
        "add_article",
        "change_article",
        "delete_article",
        "submit_article",
        "archive_article",
        "view_revision",
        "view_review",
        "view_reviewerprofile",
        "view_historicalarticle",
    ],
    "Clinical reviewers": [
        "view_article",
        "add_article",
        "change_article",
        "approve_article",
        "view_revision",
        "view_review",
        "view_reviewerprofile",
        "change_reviewerprofile",
        "view_historicalarticle",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now
    # so the groups can be given them in this migration.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="articles", codename__in=codenames)
        )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
