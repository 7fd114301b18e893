from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    """Reader feedback. Its permissions belong to the editorial roles in
    ``articles.roles.ROLES``, applied by ``migrate``."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "feedback"
    verbose_name = _("Reader feedback")
