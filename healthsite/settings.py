"""
Settings for the health-information CMS.

Everything that differs between machines comes from environment variables
(prefixed ``DJANGO_``, plus ``DATABASE_URL`` and ``REDIS_URL``). The defaults
are safe for development; with ``DEBUG`` off, a missing secret or host list
stops the process instead of running insecurely.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
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


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if DEBUG:
    SECRET_KEY = SECRET_KEY or "django-insecure-development-only-key"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
else:
    if not SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off.")

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
]

# Order matters. The anonymous page cache sits as early as it can, so a hit
# costs two cache reads and nothing else (no session, no database); the
# headers added by the middleware below it are stored with the page. Axes
# must come last.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "healthsite.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "articles.middleware.PublicPageCacheMiddleware",
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

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.site",
            ],
        },
    },
]

# SQLite in the project folder unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
_POSTGRESQL = DATABASES["default"]["ENGINE"].endswith("postgresql")
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

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Lets several sites (or test runs) share one Redis database.
            "KEY_PREFIX": os.environ.get("DJANGO_CACHE_KEY_PREFIX", "healthsite"),
        }
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

# Full-page cache for anonymous readers (articles/cache.py). Publishing,
# archiving or unpublishing bumps a generation token so every instance sharing
# the cache drops its pages at once; this timeout only bounds memory.
PAGE_CACHE_SECONDS = env_int("DJANGO_PAGE_CACHE_SECONDS", 600)
# Each worker also keeps this many final pages in memory (articles/wsgi.py),
# re-reading the generation on every request (0 ms) or at most every N ms.
PAGE_CACHE_LOCAL_ENTRIES = env_int("DJANGO_PAGE_CACHE_LOCAL_ENTRIES", 500)
PAGE_CACHE_RECHECK_MS = env_int("DJANGO_PAGE_CACHE_RECHECK_MS", 0)

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

LANGUAGE_CODE = os.environ.get("DJANGO_LANGUAGE_CODE", "en-gb")
LANGUAGES = [("en-gb", _("English"))]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# django-markdownx: the admin preview goes through the same renderer as the
# public page, and both endpoints are mounted by healthsite/urls.py behind a
# staff check rather than through markdownx.urls.
MARKDOWNX_MARKDOWNIFY_FUNCTION = "articles.rendering.render_markdown"
MARKDOWNX_URLS_PATH = "/markdownx/markdownify/"
MARKDOWNX_UPLOAD_URLS_PATH = "/markdownx/upload/"
MARKDOWNX_MEDIA_PATH = "uploads/"
MARKDOWNX_SERVER_CALL_LATENCY = 400

# How often a clinician must re-review a guide; each article may override it.
ARTICLE_REVIEW_INTERVAL_MONTHS = env_int("DJANGO_REVIEW_INTERVAL_MONTHS", 12)
# The longest article body accepted, in characters (about 30,000 words).
ARTICLE_BODY_MAX_CHARS = env_int("DJANGO_ARTICLE_BODY_MAX_CHARS", 200_000)
# "Due soon" in the admin filters and the review_status command.
ARTICLE_REVIEW_DUE_SOON_DAYS = env_int("DJANGO_REVIEW_DUE_SOON_DAYS", 30)

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "webmaster@localhost")

# Media (uploaded images). The app serves MEDIA_URL itself, with nosniff and
# a sandboxing CSP (articles/media.py), unless a web server in front does it.
SERVE_MEDIA = env_bool("DJANGO_SERVE_MEDIA", True)
UPLOAD_MAX_BYTES = env_int("DJANGO_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)

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
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The same proxy supplies the reader's address for django-axes.
    AXES_IPWARE_PROXY_COUNT = env_int("DJANGO_PROXY_COUNT", 1)
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
# deploy/nginx/healthsite.conf in front: public responses tell its
# micro-cache to drop them at the end of the current second
# (healthsite/proxy.py), so a publish is visible within a second.
NGINX_MICROCACHE = env_bool("DJANGO_NGINX_MICROCACHE")
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

# One JSON object per line on stdout; unhandled errors carry the request path.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "healthsite.logs.JsonFormatter"}},
    "handlers": {"stdout": {"class": "healthsite.logs.StdoutHandler", "formatter": "json"}},
    "root": {"handlers": ["stdout"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers for these would print or mail; ours print JSON.
        "django": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
}

SITE_NAME = os.environ.get("DJANGO_SITE_NAME", "Health guides")


# --- Public site (issue 4) ---------------------------------------------------
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
# --- end public site -----------------------------------------------------------
