"""settings.py fails loudly when production is misconfigured."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
# A key that passes the production rule (Django's security.W009).
KEY = secrets.token_urlsafe(50)


def _import_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import healthsite.settings as s; print(s.DEBUG)"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_ALLOWED_HOSTS": "example.org"}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_SECRET_KEY": KEY}, "DJANGO_ALLOWED_HOSTS must be set"),
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG must be 1 or 0"),
    ],
)
def test_production_without_required_values_refuses_to_start(env, message):
    result = _import_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("abcde", "five characters (the issue's example)"),
        ("k" * 49 + "z", "49 characters"),
        ("abcd" * 20, "80 characters but only 4 different ones"),
        ("django-insecure-" + "a1b2c3d4e5" * 5, "Django's generated development prefix"),
        ("tests-only-not-secret", "the suite's old key"),
    ],
)
def test_a_weak_secret_key_is_refused_at_start_with_debug_off(key, why):
    """With DEBUG off, a key that Django's deploy check calls weak (fewer than
    50 characters, fewer than 5 different ones, or the django-insecure- prefix)
    stops start-up with a message saying what a key needs; it used to only warn."""
    result = _import_settings(DJANGO_SECRET_KEY=key, DJANGO_ALLOWED_HOSTS="example.org")
    assert result.returncode != 0, why
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY is too weak" in result.stderr
    assert "at least 50 characters" in result.stderr
    assert key not in result.stderr, "the message must not echo the secret"


@pytest.mark.slow
def test_a_weak_secret_key_stops_manage_py_and_gunicorn_before_they_serve(tmp_path):
    """The refusal happens when settings load, so every entry point (commands,
    the WSGI application gunicorn preloads) stops with the same message."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(DJANGO_SECRET_KEY="abcde", DJANGO_ALLOWED_HOSTS="example.org",
                 DJANGO_SETTINGS_MODULE="healthsite.settings")  # fmt: skip
    for argv in (["manage.py", "check"], ["-c", "import healthsite.wsgi"]):
        result = subprocess.run([sys.executable, *argv], cwd=ROOT, env=clean,
                                capture_output=True, text=True, check=False)  # fmt: skip
        assert result.returncode != 0
        assert "DJANGO_SECRET_KEY is too weak" in result.stderr


@pytest.mark.slow
def test_a_strong_key_and_a_development_key_with_debug_on_are_accepted():
    """`make run`'s key (secrets.token_urlsafe(50)) starts production settings;
    DEBUG on still supplies its development key."""
    strong = _import_settings(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_ALLOWED_HOSTS="example.org"
    )
    assert strong.returncode == 0, strong.stderr
    debug = _import_settings(DJANGO_DEBUG="1", DJANGO_SECRET_KEY="abcde")
    assert debug.returncode == 0, debug.stderr


@pytest.mark.slow
def test_debug_is_off_unless_asked_for():
    result = _import_settings(DJANGO_SECRET_KEY=KEY, DJANGO_ALLOWED_HOSTS="example.org")
    assert result.stdout.strip() == "False"


@pytest.mark.slow
def test_debug_mode_supplies_development_defaults():
    result = _import_settings(DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def _run_with_django(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(DJANGO_SECRET_KEY=KEY, DJANGO_ALLOWED_HOSTS="example.org", **env)
    clean["DJANGO_SETTINGS_MODULE"] = "healthsite.settings"
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow
def test_the_admin_lives_at_admin_by_default():
    """Without DJANGO_ADMIN_PATH the admin is at /admin/."""
    result = _run_with_django("from django.urls import reverse; print(reverse('admin:index'))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "/admin/"


@pytest.mark.slow
def test_the_admin_path_is_configurable_and_the_old_path_is_gone():
    """DJANGO_ADMIN_PATH moves the admin; /admin/ then resolves to nothing,
    and the page cache still never stores the admin."""
    code = (
        "from django.urls import reverse, resolve, Resolver404\n"
        "from pagecache.rules import excluded_prefixes\n"
        "print(reverse('admin:index'))\n"
        "print('/staff-area/' in excluded_prefixes())\n"
        "try:\n"
        "    resolve('/admin/')\n"
        "    print('admin still there')\n"
        "except Resolver404:\n"
        "    print('gone')\n"
    )
    result = _run_with_django(code, DJANGO_ADMIN_PATH="/staff-area")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-3:] == ["/staff-area/", "True", "gone"]


@pytest.mark.slow
def test_an_empty_admin_path_is_refused():
    """The admin cannot take over the site's root."""
    result = _import_settings(
        DJANGO_SECRET_KEY=KEY, DJANGO_ALLOWED_HOSTS="example.org", DJANGO_ADMIN_PATH="/"
    )
    assert result.returncode != 0
    assert "DJANGO_ADMIN_PATH must not be empty" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["DJANGO_PAGE_CACHE_SECONDS", "DJANGO_UPLOAD_MAX_BYTES", "DJANGO_HSTS_SECONDS"]
)
def test_numeric_settings_refuse_words(name):
    """A typo in a number stops start-up with a clear message."""
    result = _import_settings(
        DJANGO_SECRET_KEY=KEY, DJANGO_ALLOWED_HOSTS="example.org", **{name: "ten"}
    )
    assert result.returncode != 0
    assert f"{name} must be a whole number" in result.stderr


@pytest.mark.slow
def test_numeric_settings_are_read_from_the_environment():
    """DJANGO_PAGE_CACHE_SECONDS and DJANGO_UPLOAD_MAX_BYTES are honoured."""
    result = _run_with_django(
        "from django.conf import settings\n"
        "print(settings.PAGE_CACHE_SECONDS, settings.UPLOAD_MAX_BYTES)",
        DJANGO_PAGE_CACHE_SECONDS="30",
        DJANGO_UPLOAD_MAX_BYTES="1000",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "30 1000"


@pytest.mark.slow
def test_redis_url_switches_to_djangos_redis_cache():
    """REDIS_URL selects the built-in Redis backend; the default is a cache on
    disk that every worker process on the machine shares."""
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    redis = _run_with_django(code, REDIS_URL="redis://127.0.0.1:6379/5")
    local = _run_with_django(code)
    assert redis.stdout.strip().splitlines()[-1].endswith("RedisCache")
    assert local.stdout.strip().splitlines()[-1].endswith("FileBasedCache")


@pytest.mark.slow
def test_database_url_selects_postgresql_with_psycopg_3_and_health_checks():
    """DATABASE_URL (dj-database-url) chooses the engine; connections are
    health-checked before reuse."""
    code = (
        "from django.conf import settings; import psycopg\n"
        "db = settings.DATABASES['default']\n"
        "print(db['ENGINE'], db['CONN_HEALTH_CHECKS'], psycopg.__version__[0])"
    )
    result = _run_with_django(code, DATABASE_URL="postgres://postgres@127.0.0.1:5432/x")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "django.db.backends.postgresql True 3"


@pytest.mark.slow
def test_a_statement_timeout_is_passed_to_postgresql_in_milliseconds():
    """DJANGO_DB_STATEMENT_TIMEOUT becomes PostgreSQL's statement_timeout;
    without it there is no limit, and SQLite ignores it."""
    code = "from django.conf import settings; print(settings.DATABASES['default'].get('OPTIONS'))"
    postgres = "postgres://postgres@127.0.0.1:5432/x"
    limited = _run_with_django(code, DATABASE_URL=postgres, DJANGO_DB_STATEMENT_TIMEOUT="7")
    unlimited = _run_with_django(code, DATABASE_URL=postgres)
    sqlite = _run_with_django(code, DATABASE_URL="sqlite:///x.db", DJANGO_DB_STATEMENT_TIMEOUT="7")
    assert limited.stdout.strip().splitlines()[-1] == "{'options': '-c statement_timeout=7000'}"
    assert unlimited.stdout.strip().splitlines()[-1] in ("None", "{}")
    assert "statement_timeout" not in sqlite.stdout


@pytest.mark.slow
def test_postgresql_cancels_a_query_that_outlives_the_statement_timeout():
    """The option really reaches the server: a two-second query is cancelled
    after one. Uses the PostgreSQL leg's server (the default one otherwise)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgres://postgres@127.0.0.1:5432/"
    # The server's own maintenance database: the leg's may not exist yet.
    url = url.rsplit("/", 1)[0] + "/postgres"
    result = _run_with_django(
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('SHOW statement_timeout'); print(cursor.fetchone()[0])\n"
        "    cursor.execute('SELECT pg_sleep(2)')",
        DATABASE_URL=url,
        DJANGO_DB_STATEMENT_TIMEOUT="1",
    )
    assert result.stdout.strip().splitlines()[-1] == "1s"
    assert "canceling statement due to statement timeout" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(("given", "expected"), [({}, "25"), ({"DJANGO_WORKER_TIMEOUT": "60"}, "55"),
                                                 ({"DJANGO_DB_STATEMENT_TIMEOUT": "3"}, "3")])  # fmt: skip
def test_gunicorn_gives_web_workers_a_statement_timeout_under_the_worker_timeout(given, expected):
    """Unless it is set, gunicorn.conf.py makes PostgreSQL cancel a query 5
    seconds before gunicorn would kill the worker running it."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    code = (
        "import os, runpy; runpy.run_path('healthsite/gunicorn.conf.py');"
        "print(os.environ['DJANGO_DB_STATEMENT_TIMEOUT'])"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, **given},
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.slow
def test_the_readme_documents_every_environment_variable_the_code_reads():
    """Each variable read by settings.py or gunicorn.conf.py has a row in the
    README's "Running in production" table."""
    pattern = re.compile(r"""(?:environ\.get|env_bool|env_int|env_list)\(\s*["']([A-Z_]+)["']""")
    read = set()
    for source in ("healthsite/settings.py", "healthsite/gunicorn.conf.py"):
        read |= set(pattern.findall((ROOT / source).read_text()))
    read.add("DATABASE_URL")  # read by dj_database_url.config()
    readme = (ROOT / "README.md").read_text()
    production = readme.split("## Running in production", 1)[1]
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", production, flags=re.M))
    assert "DJANGO_SECRET_KEY" in read
    assert read - documented == set()
