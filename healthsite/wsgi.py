"""WSGI entry point, used by gunicorn in production."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthsite.settings")

from articles.wsgi import PublicPageCacheApp

# Public pages already served are answered from memory before Django runs.
application = PublicPageCacheApp(get_wsgi_application())
