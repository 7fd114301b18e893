from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = _("Health guides")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from articles import signals  # noqa: F401 - connects the receivers

        post_migrate.connect(_ensure_search_index, sender=self)


def _ensure_search_index(using: str, **kwargs: object) -> None:
    """SQLite drops a table's triggers when a migration rebuilds the table;
    put the search triggers back (infrastructure, not business flow)."""
    from django.db import connections

    from articles.search import ensure_sqlite_index

    connection = connections[using]
    tables = connection.introspection.table_names() if connection.vendor == "sqlite" else []
    if "articles_article" in tables:
        ensure_sqlite_index(connection)
