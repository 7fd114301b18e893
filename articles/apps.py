from django.apps import AppConfig
from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = _("Health guides")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from articles import notifications, search, signals  # noqa: F401 - connects the receivers

        signals.workflow_step_done.connect(
            notifications.notify_step_done, dispatch_uid="articles.notifications"
        )
        post_migrate.connect(_ensure_search_index, sender=self)
        post_migrate.connect(_sync_roles, sender=self)


def _ensure_search_index(using: str, **kwargs: object) -> None:
    """SQLite drops a table's triggers when a migration rebuilds the table;
    put the search triggers back (infrastructure, not business flow)."""
    from django.db import connections

    from articles.search import ensure_sqlite_index

    connection = connections[using]
    tables = connection.introspection.table_names() if connection.vendor == "sqlite" else []
    if "articles_article" in tables:
        ensure_sqlite_index(connection)


def _sync_roles(using: str, apps: Apps = global_apps, **kwargs: object) -> None:
    """Bring the editorial groups in line with ``articles.roles.ROLES`` after
    every ``migrate`` (and test flush), so a change of roles needs no
    migration, and frozen historical migrations never read the live table.

    ``apps`` is the migration state that ``migrate`` reached (``flush`` sends
    none: the installed apps); a database migrated only part of the way gets
    the permissions that exist in it."""
    from articles.roles import ensure_roles

    if using != DEFAULT_DB_ALIAS:
        return
    try:
        apps.get_model("auth", "Group")
        apps.get_model("articles", "Article")
    except LookupError:  # `migrate articles zero`, or auth not migrated yet
        return
    ensure_roles(apps)
