"""WSGI entry point, used by gunicorn in production."""

import os
from typing import TYPE_CHECKING, cast

from django.core.wsgi import get_wsgi_application

if TYPE_CHECKING:
    from healthsite.proxy import WSGIApplication

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthsite.settings")

# Django's handler returns the response, an iterable of bytes as WSGI asks;
# django-stubs types it as HttpResponseBase, which declares no __iter__.
application = cast("WSGIApplication", get_wsgi_application())

from django.conf import settings  # noqa: E402 (after Django's setup)

if settings.NGINX_MICROCACHE:
    from healthsite.proxy import MicroCacheExpiry

    # Outermost, so every response gets the current second, whichever
    # tier made it (deploy/nginx/healthsite.conf).
    application = MicroCacheExpiry(application)


def _warm_up() -> None:
    """Import every view, compile the public templates and build the URL
    reversal tables now, in gunicorn's master (preload_app), so forked
    workers do not each pay for it on their first request. Nothing here
    touches the database or the cache: a connection must never be shared
    across fork."""
    from django.conf import settings
    from django.template.loader import get_template
    from django.urls import reverse

    from pagecache.store import release

    # Fills the root's reversal tables and the articles namespace's.
    reverse("articles:detail", kwargs={"slug": "warm-up"})
    release()
    if settings.REDIS_URL:
        # Django's Redis backend imports redis-py on first use: about a
        # second of a worker's first request on a busy machine.
        import redis  # noqa: F401
    for name in ("public/article_detail.html", "public/article_list.html",
                 "public/topic_detail.html", "public/topic_list.html",
                 "public/search.html", "404.html", "500.html"):  # fmt: skip
        get_template(name)


_warm_up()
