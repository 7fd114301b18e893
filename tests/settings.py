"""Test settings: the real settings, with fast hashing and a throwaway
secret, so tests exercise the production code paths."""

import os
import secrets

# DEBUG is off in tests, so the key must pass the production rule (50+
# characters, 5+ different ones); a fresh one per run is never committed.
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from healthsite.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The manifest needs collectstatic first; tests/operations/test_static.py covers that
# storage separately, so ordinary tests resolve static files from the finders.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True

# The test client speaks plain HTTP to "testserver"; production redirects to
# HTTPS (tests/operations/test_deploy.py checks the production values). Secure cookies
# stay on: the test client sends them anyway.
SECURE_SSL_REDIRECT = False

# One process, and every test starts from an empty cache: memory will do.
# (The multi-instance test runs real servers with their own settings.)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The synthetic-guide generator (tests/devtools/) is a development tool,
# installed here and in bench/settings.py, never in production.
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]  # noqa: F405

# Tests change data and then clear the shared cache to stand in for an
# invalidation; the process's own copy of pages (pagecache.store._LocalPages)
# would outlive that. It is off here, tested on its own in
# tests/pagecache/test_local_pages.py, and on in every test that starts real
# servers (they run healthsite.settings).
PAGE_CACHE_LOCAL_ENTRIES = 0

# The source-register tests' web server is on 127.0.0.1, which production
# never requests (tests/articles/test_sources.py checks that default).
SOURCE_CHECK_PRIVATE_ADDRESSES = True
