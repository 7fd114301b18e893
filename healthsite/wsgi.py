"""WSGI entry point, used by gunicorn in production."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthsite.settings")

from articles.wsgi import PublicPageCacheApp

# Public pages already served are answered from memory before Django runs.
application = PublicPageCacheApp(get_wsgi_application())


def _warm_up() -> None:
    """Import every view and compile the public templates now, in gunicorn's
    master (preload_app), so forked workers do not each pay for it on their
    first request."""
    from django.template.loader import get_template
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - importing the URLconf is the point
    for name in ("articles/article_detail.html", "articles/article_list.html",
                 "articles/topic_detail.html", "articles/topic_list.html",
                 "articles/search.html", "404.html", "500.html"):  # fmt: skip
        get_template(name)


_warm_up()
