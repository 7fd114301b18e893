from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PageCacheConfig(AppConfig):
    name = "pagecache"
    verbose_name = _("Page cache")

    def ready(self) -> None:
        from django.conf import settings
        from django.utils.module_loading import import_string

        from pagecache.store import invalidate_after_public_change

        # The one trigger of invalidation (issue 11, Deliver 8).
        signal = import_string(settings.PAGE_CACHE_INVALIDATED_BY)
        signal.connect(invalidate_after_public_change, dispatch_uid="pagecache.invalidate")
