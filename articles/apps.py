from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = _("Health guides")

    def ready(self) -> None:
        from articles import signals  # noqa: F401 - connects the receivers
        from articles.cache import invalidate_public_pages
        from articles.workflow import on_public_change

        # Publishing, archiving and unpublishing bump the page-cache generation.
        on_public_change(invalidate_public_pages)
