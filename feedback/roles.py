"""What each editorial role may do with reader feedback.

Kept apart from ``articles.roles.ROLES`` (which covers only the articles
app and resets each group to it): the feedback permissions are added on top,
after every ``migrate``, by ``feedback.apps``."""

from __future__ import annotations

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions

FEEDBACK_ROLES: dict[str, list[str]] = {
    # Editors read and triage feedback, and see the safety terms.
    "Editors": ["view_feedback", "change_feedback", "view_safetyterm"],
    # Clinicians also keep the list of safety terms.
    "Clinical reviewers": [
        "view_feedback", "change_feedback",
        "view_safetyterm", "add_safetyterm", "change_safetyterm", "delete_safetyterm",
    ],
}  # fmt: skip


def ensure_feedback_roles(apps: Apps = global_apps) -> None:
    """Add the feedback permissions to both groups (creating the groups and
    the permissions if they do not exist yet); safe to run any number of
    times, and never removes a permission."""
    # Permissions are normally created after all migrations; make sure the
    # feedback ones exist now.
    app_config = apps.get_app_config("feedback")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, codenames in FEEDBACK_ROLES.items():
        group, _ = group_model.objects.get_or_create(name=name)
        group.permissions.add(
            *permission_model.objects.filter(
                content_type__app_label="feedback", codename__in=codenames
            )
        )
