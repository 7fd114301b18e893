"""
Settings for the health-information CMS.

Everything that differs between machines comes from environment variables
(prefixed ``DJANGO_``, plus ``DATABASE_URL`` and ``REDIS_URL``). The defaults
are safe for development; with ``DEBUG`` off, a missing or weak secret or a
missing host list stops the process instead of running insecurely.

Sections, by concern: core; security (accounts, HTTPS, proxies, headers);
database; cache and page cache; static files and media; public site;
editorial workflow; logging.
"""

from __future__ import annotations

import ipaddress
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0, not {value!r}.")


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


# === Core ====================================================================
DEBUG = env_bool("DJANGO_DEBUG")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "markdownx",
    "simple_history",
    "articles",
    "public",
    "feedback",
    "outside_review",
    "pagecache",
]

# Order matters. The page cache sits after SecurityMiddleware (HTTPS
# redirect, host check) and as early as it can after that, so a hit costs
# one cache read and nothing else (no session, no database); the headers
# added by the middleware below it are stored with the page. Axes must come
# last.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "healthsite.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After whitenoise (static files come precompressed) and before the page
    # cache, so cached pages are compressed on their way out too.
    "healthsite.compression.CompressionMiddleware",
    "pagecache.middleware.PageCacheMiddleware",
    "healthsite.middleware.StaticCSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "healthsite.urls"
WSGI_APPLICATION = "healthsite.wsgi.application"

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "public.context_processors.site",
            ],
        },
    },
]

LANGUAGE_CODE = os.environ.get("DJANGO_LANGUAGE_CODE", "en-gb")
LANGUAGES = [("en-gb", _("English"))]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "webmaster@localhost")
# The site's own address, for links in emails: cron commands have no request
# to build one from, and a path alone is not a link in a mail client.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")


# === Security: secret key, hosts and accounts ================================
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if DEBUG:
    SECRET_KEY = SECRET_KEY or "django-insecure-development-only-key"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
else:
    if not SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    # The rule of Django's deploy check (security.W009), enforced: a guessable
    # key lets anyone forge sessions, password-reset links and signed data.
    if (
        len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
        or len(set(SECRET_KEY)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
        or SECRET_KEY.startswith(SECRET_KEY_INSECURE_PREFIX)
    ):
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY is too weak for DJANGO_DEBUG off: it must be at least "
            f"{SECRET_KEY_MIN_LENGTH} characters long, with at least "
            f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} different characters, and must not start "
            f"with {SECRET_KEY_INSECURE_PREFIX!r} (it has {len(SECRET_KEY)} characters, "
            f"{len(set(SECRET_KEY))} different). Generate one with: "
            'python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off.")

# Accounts. Argon2 for new hashes; the others only verify old ones.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    # django-axes refuses a locked-out username before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("DJANGO_AXES_FAILURE_LIMIT", 5)
# The default (None) locks an account out for ever.
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DJANGO_AXES_COOLOFF_MINUTES", 60))
# Lock a username only from the address that failed, so an attacker cannot
# lock a clinician out from everywhere by guessing at their account.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# The admin's address; a less obvious path keeps out some of the noise.
ADMIN_PATH = os.environ.get("DJANGO_ADMIN_PATH", "admin/").strip("/") + "/"
if ADMIN_PATH == "/":
    raise ImproperlyConfigured("DJANGO_ADMIN_PATH must not be empty.")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# === Security: HTTPS, proxies, cookies and headers ===========================
# HTTPS. On unless DEBUG is on; `make run` turns it off explicitly, because it
# serves plain HTTP on 127.0.0.1. Behind a TLS proxy, also set
# DJANGO_SECURE_PROXY_SSL_HEADER=1 so Django trusts X-Forwarded-Proto.
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
BEHIND_PROXY = env_bool("DJANGO_SECURE_PROXY_SSL_HEADER")
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The same proxy supplies the client's address, which django-axes locks out
# together with the username: the DJANGO_PROXY_COUNT-th X-Forwarded-For entry
# from the right, the one our own proxy appended (healthsite/client_ip.py),
# read only from requests that come from a trusted proxy address (gunicorn's
# DJANGO_FORWARDED_ALLOW_IPS). Without it every client would be the proxy,
# 127.0.0.1, and six wrong passwords would lock a clinician out everywhere.
TRUSTED_PROXY_COUNT = env_int("DJANGO_PROXY_COUNT", 1 if BEHIND_PROXY else 0)
TRUSTED_PROXY_ADDRESSES = env_list("DJANGO_FORWARDED_ALLOW_IPS") or ["127.0.0.1"]
for _address in TRUSTED_PROXY_ADDRESSES:
    try:
        if _address != "*":
            ipaddress.ip_network(_address, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"DJANGO_FORWARDED_ALLOW_IPS must list IP addresses or networks, or '*', "
            f"not {_address!r}."
        ) from None
AXES_CLIENT_IP_CALLABLE = "healthsite.client_ip.client_ip_address"
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Headers. A reader's medicine page should not leak to other sites through
# the Referer header, hence same-origin.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)

# Content-Security-Policy (django-csp 4). No inline script or style anywhere:
# the public templates, Django's admin and markdownx's editor all load their
# scripts and styles from files, so the admin needs no relaxation
# (tests/browser/test_admin_csp.py proves it in Chromium).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}


# === Database ================================================================
# SQLite in the project folder unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
_POSTGRESQL = DATABASES["default"]["ENGINE"].endswith("postgresql")
# SQLite serves several processes (gunicorn workers, instances, commands) at
# once. WAL lets readers go on while one writer writes; IMMEDIATE takes the
# write lock when a transaction begins, so a transaction that reads and then
# writes waits its turn instead of failing with "database is locked" (a
# DEFERRED one cannot wait: its snapshot would be stale); the busy timeout is
# how long a writer waits for that turn, well above the longest write (an
# import batch of 100 files, under 2 s) and under gunicorn's worker timeout.
# synchronous=NORMAL is safe with WAL: a power cut can lose the last commits,
# never corrupt the file. See docs/decisions/0005-sqlite-default.md.
DB_BUSY_TIMEOUT = env_int("DJANGO_DB_BUSY_TIMEOUT", 10)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=DB_BUSY_TIMEOUT,
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    )
if _POSTGRESQL and env_bool("DJANGO_DB_SERVER_SIDE_BINDING"):
    # psycopg binds parameters in Python by default; for bulk loads of long
    # texts, binding on the server is many times faster.
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
# gunicorn.conf.py sets this for web workers, a little under the worker
# timeout: PostgreSQL then cancels a runaway query itself. Otherwise gunicorn
# kills the worker and the query goes on running in the server, holding a
# connection and its locks. Commands (imports, migrations) have no limit.
DB_STATEMENT_TIMEOUT = env_int("DJANGO_DB_STATEMENT_TIMEOUT", 0)
if _POSTGRESQL and DB_STATEMENT_TIMEOUT > 0:
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c statement_timeout={DB_STATEMENT_TIMEOUT * 1000}"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# === Cache and page cache ====================================================
REDIS_URL = os.environ.get("REDIS_URL", "")
# Connect and read timeouts of the Redis cache, in milliseconds. A hung Redis
# (accepting connections, never answering) then costs a reader one short
# wait before the page cache's circuit breaker opens, instead of redis-py's
# default of seconds per call.
CACHE_TIMEOUT_MS = env_int("DJANGO_CACHE_TIMEOUT_MS", 100)


def redis_cache(location: str, key_prefix: str) -> dict:
    """The CACHES entry for Redis at ``location``: Django's own backend with
    short timeouts and no retries (the page cache's breaker decides when to
    try again)."""
    seconds = CACHE_TIMEOUT_MS / 1000
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": location,
        # Lets several sites (or test runs) share one Redis database.
        "KEY_PREFIX": key_prefix,
        "OPTIONS": {"socket_connect_timeout": seconds, "socket_timeout": seconds},
    }


if REDIS_URL:
    CACHES = {
        "default": redis_cache(REDIS_URL, os.environ.get("DJANGO_CACHE_KEY_PREFIX", "healthsite"))
    }
else:
    # Without Redis, a cache on disk: every gunicorn worker on the machine
    # shares it, so a publish invalidates the pages of all of them. (A
    # per-process memory cache would keep serving the old text.)
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("DJANGO_CACHE_DIR", str(BASE_DIR / ".cache")),
            "OPTIONS": {"MAX_ENTRIES": env_int("DJANGO_CACHE_MAX_ENTRIES", 5000)},
        }
    }

# The page cache (pagecache/, docs/decisions/0003-page-cache.md). Pages of
# anonymous readers are kept in this cache for at most PAGE_CACHE_SECONDS
# (0 turns the page cache off); the one signal below, sent after every change
# to public state, invalidates them on every instance at once.
PAGE_CACHE_SECONDS = env_int("DJANGO_PAGE_CACHE_SECONDS", 600)
# Each process keeps the pages it served last (at most this many) and reads
# the shared generation at most every PAGE_CACHE_LOCAL_SECONDS: a hit then
# costs no cache I/O, and another instance's publish arrives within that
# interval (pagecache.store._LocalPages). 0 entries turns the copy off.
PAGE_CACHE_LOCAL_ENTRIES = env_int("DJANGO_PAGE_CACHE_LOCAL_ENTRIES", 200)
PAGE_CACHE_LOCAL_SECONDS = 0.1
PAGE_CACHE_ALIAS = "default"
PAGE_CACHE_INVALIDATED_BY = "articles.signals.public_changed"
# Public pages send "Cache-Control: public, max-age=0, must-revalidate";
# above zero, also s-maxage=N, for a shared cache in front that is purged on
# publish or may be N seconds stale (deploy/nginx).
CACHE_S_MAXAGE = env_int("DJANGO_CACHE_S_MAXAGE", 0)
# Circuit breaker: after this many cache failures in a row, each process
# stops trying the cache for CACHE_BREAKER_SECONDS, then tries once again.
CACHE_BREAKER_FAILURES = env_int("DJANGO_CACHE_BREAKER_FAILURES", 2)
CACHE_BREAKER_SECONDS = env_int("DJANGO_CACHE_BREAKER_SECONDS", 5)

# deploy/nginx/healthsite.conf in front: public responses tell its
# micro-cache to drop them at the end of the current second
# (healthsite/proxy.py), so a publish is visible within a second.
NGINX_MICROCACHE = env_bool("DJANGO_NGINX_MICROCACHE")


# === Static files and media ==================================================
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Media (uploaded images). The app serves MEDIA_URL itself, with nosniff and
# a sandboxing CSP (articles/media.py), unless a web server in front does it.
SERVE_MEDIA = env_bool("DJANGO_SERVE_MEDIA", True)
UPLOAD_MAX_BYTES = env_int("DJANGO_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)


# === Public site (issue 4) ===================================================
SITE_NAME = os.environ.get("DJANGO_SITE_NAME", "Health guides")
# sitemap.xml templates.
INSTALLED_APPS += ["django.contrib.sitemaps"]


def _urgent_help_lines() -> list[dict[str, str]]:
    """DJANGO_URGENT_HELP_LINES: a JSON list of {"number": ..., "text": ...};
    each line reads "Call NUMBER TEXT". The default is the UK's."""
    import json

    raw = os.environ.get("DJANGO_URGENT_HELP_LINES", "")
    if not raw:
        return [
            {"number": "999", "text": "in an emergency, if someone is seriously ill or "
             "injured, or has taken too much of a medicine and is hard to wake."},
            {"number": "111", "text": "if you need urgent medical advice but it is not "
             "an emergency."},
        ]  # fmt: skip
    try:
        lines = json.loads(raw)
        return [{"number": str(line["number"]), "text": str(line["text"])} for line in lines]
    except (ValueError, TypeError, KeyError):
        raise ImproperlyConfigured(
            'DJANGO_URGENT_HELP_LINES must be a JSON list of {"number": ..., "text": ...}.'
        ) from None


URGENT_HELP = {
    "heading": os.environ.get("DJANGO_URGENT_HELP_HEADING", "Urgent help"),
    "lines": [
        {**line, "tel": "".join(c for c in line["number"] if c.isdigit() or c == "+")}
        for line in _urgent_help_lines()
    ],
}


# === Editorial workflow ======================================================
# django-markdownx: the admin preview goes through the same renderer as the
# public page, and both endpoints are mounted by healthsite/urls.py behind a
# staff check rather than through markdownx.urls.
MARKDOWNX_MARKDOWNIFY_FUNCTION = "articles.rendering.render_markdown"
MARKDOWNX_URLS_PATH = "/markdownx/markdownify/"
MARKDOWNX_UPLOAD_URLS_PATH = "/markdownx/upload/"
MARKDOWNX_MEDIA_PATH = "uploads/"
MARKDOWNX_SERVER_CALL_LATENCY = 400

# The Markdown files a new guide can start from (the add form lists each
# NAME.md as "Name guide"); an administrator may point this at a folder of
# their own.
ARTICLE_GUIDE_TEMPLATES_DIR = Path(
    os.environ.get("DJANGO_GUIDE_TEMPLATES_DIR") or BASE_DIR / "articles" / "guide_templates"
)

# How often a clinician must re-review a guide; each article may override it.
ARTICLE_REVIEW_INTERVAL_MONTHS = env_int("DJANGO_REVIEW_INTERVAL_MONTHS", 12)
# The longest article body accepted, in characters (about 30,000 words).
ARTICLE_BODY_MAX_CHARS = env_int("DJANGO_ARTICLE_BODY_MAX_CHARS", 200_000)
# The article change form posts about eight fields per source (the admin
# allows at most 300, articles.admin.content.MAX_SOURCES) besides its own;
# Django's default of 1,000 fields refused a guide with about 140 sources
# with a bare 400.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 4000
# "Due soon" in the admin filters and the review_status command.
ARTICLE_REVIEW_DUE_SOON_DAYS = env_int("DJANGO_REVIEW_DUE_SOON_DAYS", 30)

# The review cycle (manage.py review_cycle, run daily by cron): reminders to
# the guide's clinical owner this many days before its review is due (0: on
# the day), escalation to every clinical reviewer this many days after, and,
# this many days after, the lapse action: "notice" tells readers on the page
# and asks search engines not to index it until the next review; "none" only
# emails. A guide is never unpublished by the cycle.
ARTICLE_REVIEW_REMINDER_DAYS = (90, 30, 0)
ARTICLE_REVIEW_ESCALATION_DAYS = env_int("DJANGO_REVIEW_ESCALATION_DAYS", 14)
ARTICLE_REVIEW_LAPSE_DAYS = env_int("DJANGO_REVIEW_LAPSE_DAYS", 30)
ARTICLE_REVIEW_LAPSE_ACTION = os.environ.get("DJANGO_REVIEW_LAPSE_ACTION", "notice")
if ARTICLE_REVIEW_LAPSE_ACTION not in {"notice", "none"}:
    raise ImproperlyConfigured(
        "DJANGO_REVIEW_LAPSE_ACTION must be 'notice' or 'none', not "
        f"{ARTICLE_REVIEW_LAPSE_ACTION!r}."
    )

# Plain English (issue 15, item 4): the SMOG grade a guide should not exceed
# (the NHS and PIF aim at a reading age of 9 to 11, SMOG 10 or less). Guidance
# shown in the review panel; approving a version above it asks the clinician
# for a one-line reason, kept with the review (articles.workflow).
ARTICLE_SMOG_TARGET = env_int("DJANGO_SMOG_TARGET", 10)

# The source register (issue 15, item 5; manage.py check_sources, run by
# cron): requests made at once, seconds allowed per request, and redirects
# followed before a source counts as broken. Every request names the site
# with this User-Agent (a contact address helps the sites checked).
SOURCE_CHECK_WORKERS = env_int("DJANGO_SOURCE_CHECK_WORKERS", 4)
SOURCE_CHECK_TIMEOUT = env_int("DJANGO_SOURCE_CHECK_TIMEOUT", 10)
SOURCE_CHECK_MAX_REDIRECTS = env_int("DJANGO_SOURCE_CHECK_MAX_REDIRECTS", 5)
# A 404 or 410 makes a source dead at once; no answer at all (a timeout, a
# refused connection) or another error only after this many checks in a row,
# so one bad night at a publisher's server flags nothing.
SOURCE_CHECK_DEAD_AFTER = env_int("DJANGO_SOURCE_CHECK_DEAD_AFTER", 2)
# Editors type the addresses and the server requests them: private, loopback
# and link-local addresses (a database, a cloud metadata service) are never
# requested unless this is on (articles/source_check.py).
SOURCE_CHECK_PRIVATE_ADDRESSES = env_bool("DJANGO_SOURCE_CHECK_PRIVATE_ADDRESSES", False)
SOURCE_CHECK_USER_AGENT = os.environ.get(
    "DJANGO_SOURCE_CHECK_USER_AGENT", "healthsite-source-check/1.0 (checks cited sources)"
)


# === Reader feedback (issue 14, item 2) ======================================
# "Is this page useful?" at the end of every guide (feedback/,
# docs/decisions/0016-reader-feedback.md).
# Posts one client address may send per window (0: no limit), counted in the
# default cache.
FEEDBACK_RATE_LIMIT = env_int("DJANGO_FEEDBACK_RATE_LIMIT", 10)
FEEDBACK_RATE_WINDOW_SECONDS = env_int("DJANGO_FEEDBACK_RATE_WINDOW_SECONDS", 600)
# Unresolved "no" answers that flag a guide as due for review (0: never).
FEEDBACK_REVIEW_AFTER_NO = env_int("DJANGO_FEEDBACK_REVIEW_AFTER_NO", 5)


# === Logging =================================================================
# One JSON object per line on stderr, for servers and commands alike: a
# command's stdout is its data (dumpdata > backup.json), never its logs.
# Unhandled errors carry the request path.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "healthsite.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "healthsite.logs.StderrHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers for these would print or mail; ours print JSON.
        "django": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}
