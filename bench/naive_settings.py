"""Settings for the naive-Django reference (bench/naive.py): the site's own
settings with only Django's default middleware (no page cache, no CSP)."""

from healthsite.settings import *  # noqa: F403 - the site's settings, then three changes
from healthsite.settings import MIDDLEWARE

ROOT_URLCONF = "bench.naive"
WSGI_APPLICATION = "bench.naive.application"
# The site's list, less everything that is not Django's own: what
# `startproject` gives, in the same order.
MIDDLEWARE = [name for name in MIDDLEWARE if name.startswith("django.")]
