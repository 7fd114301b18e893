from django.apps import AppConfig
from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "feedback"
    verbose_name = _("Reader feedback")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # Sent for this app after the articles app's own receiver (apps are
        # signalled in INSTALLED_APPS order), which resets the groups to the
        # articles permissions; this one adds the feedback permissions back.
        post_migrate.connect(_sync_feedback_roles, sender=self)


def _sync_feedback_roles(using: str, apps: Apps = global_apps, **kwargs: object) -> None:
    """Give the editorial groups their feedback permissions after every
    ``migrate`` and test flush (``feedback.roles.FEEDBACK_ROLES``)."""
    from feedback.roles import ensure_feedback_roles

    if using != DEFAULT_DB_ALIAS:
        return
    try:
        apps.get_model("auth", "Group")
        apps.get_model("feedback", "Feedback")
        apps.get_model("feedback", "SafetyTerm")
    except LookupError:  # `migrate feedback zero`, or not migrated yet
        return
    ensure_feedback_roles(apps)
