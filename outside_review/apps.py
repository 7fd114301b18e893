from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutsideReviewConfig(AppConfig):
    """Review links for outside experts, and their advisory responses. Its
    permissions belong to the editorial roles in ``articles.roles.ROLES``,
    applied by ``migrate``."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "outside_review"
    verbose_name = _("Outside review")
