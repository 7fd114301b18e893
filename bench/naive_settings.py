"""Settings for the naive-Django reference (bench/naive.py): the site's own
settings with Django's default middleware, no page cache and no CSP."""

from healthsite.settings import *  # noqa: F403 - the site's settings, then three changes

ROOT_URLCONF = "bench.naive"
WSGI_APPLICATION = "bench.naive.application"
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
