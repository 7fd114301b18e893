"""
The issue's "naive Django" reference, measured side by side with the site:
the guide's live Markdown read with one query and rendered on every request,
Django's default middleware, no cache of any kind. bench/run.py serves it
with the site's gunicorn settings:

    DJANGO_SETTINGS_MODULE=bench.naive_settings \\
        gunicorn -c healthsite/gunicorn.conf.py bench.naive:application
"""

from __future__ import annotations

import markdown
from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()

# Django is set up from here on, so models can be imported.
from django.db.models import F  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.shortcuts import get_object_or_404  # noqa: E402
from django.template import engines  # noqa: E402
from django.urls import path  # noqa: E402

from articles.models import Revision  # noqa: E402

PAGE = engines["django"].from_string(
    """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ revision.title }}</title></head>
<body><main><h1>{{ revision.title }}</h1><p>{{ revision.summary }}</p>
{{ body|safe }}</main></body></html>"""
)


def article(request: HttpRequest, slug: str) -> HttpResponse:
    revision = get_object_or_404(
        Revision.objects.only("title", "summary", "body"),
        article__slug=slug,
        article__live_version=F("number"),
    )
    body = markdown.markdown(revision.body, extensions=["extra", "toc", "admonition"])
    return HttpResponse(PAGE.render({"revision": revision, "body": body}, request))


urlpatterns = [path("articles/<slug:slug>/", article)]
