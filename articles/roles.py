"""The two editorial roles and their permissions, in one place.

Used by the roles migration and by anything that must make sure the groups
exist (tests that flush the database, for example)."""

from __future__ import annotations

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions

ROLES: dict[str, list[str]] = {
    "Editors": [
        "view_article", "add_article", "change_article", "delete_article",
        "submit_article", "archive_article",
        "view_revision", "view_review", "view_reviewerprofile", "view_historicalarticle",
        "view_topic", "add_topic", "change_topic", "view_topicrevision", "view_topicreview",
        "view_reference", "add_reference", "change_reference", "delete_reference",
        "view_historicalreviewerprofile", "view_searchsynonym", "view_reviewreminder",
        # Reader feedback (the feedback app): read and triage it.
        "view_feedback", "change_feedback", "view_safetyterm",
        # Outside review (the outside_review app): see the links and the
        # advisory responses; only clinicians make or revoke links.
        "view_reviewlink", "view_outsidereview",
    ],
    "Clinical reviewers": [
        "view_article", "add_article", "change_article", "approve_article",
        "view_revision", "view_review", "view_reviewerprofile", "add_reviewerprofile",
        "change_reviewerprofile", "view_historicalarticle", "view_historicalreviewerprofile",
        "view_topic", "view_topicrevision", "view_topicreview",
        "view_reference", "add_reference", "change_reference", "delete_reference",
        "view_searchsynonym", "add_searchsynonym", "change_searchsynonym",
        "delete_searchsynonym", "view_reviewreminder",
        # Reader feedback: triage it, and keep the list of safety terms.
        "view_feedback", "change_feedback",
        "view_safetyterm", "add_safetyterm", "change_safetyterm", "delete_safetyterm",
        # Outside review: make links (the admin also checks the group) and
        # revoke them (change); read the advisory responses.
        "view_reviewlink", "add_reviewlink", "change_reviewlink", "view_outsidereview",
    ],
}  # fmt: skip
# The apps whose permissions ROLES names.
ROLE_APPS = ("articles", "feedback", "outside_review")


def ensure_roles(apps: Apps = global_apps) -> None:
    """Create or update both groups; safe to run any number of times."""
    # Permissions are normally created after all migrations; create them now
    # so the groups can be given them.
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        # create_permissions only asks that it is set (truthy); django-stubs
        # types it as a module.
        app_config.models_module = models_module or True  # type: ignore[assignment]
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = group_model.objects.get_or_create(name=name)
        group.permissions.set(
            permission_model.objects.filter(
                content_type__app_label__in=ROLE_APPS, codename__in=codenames
            )
        )
