"""Deployment: `check --deploy` is clean with production values, HTTPS is on
by default, and `make run`'s plain-HTTP development values still allow an
admin login."""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

# Slow: starts servers and fresh interpreters with production settings.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent.parent

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "health.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://health.example.org",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "1",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
    "REDIS_URL": "redis://127.0.0.1:6379/5",
}


def _clean_env(**env: str) -> dict[str, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    clean.update(env)
    return clean


def _python(code: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_clean_env(DJANGO_SETTINGS_MODULE="healthsite.settings", **env),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def _setting(name: str, **env: str) -> str:
    return _python(f"from django.conf import settings; print(repr(settings.{name}))", **env)


def test_check_deploy_with_production_values_reports_no_issues():
    """`manage.py check --deploy` with production environment values gives
    zero warnings, and nothing is silenced."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_clean_env(**PRODUCTION_ENV),
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNINGS" not in output


def test_check_deploy_catches_a_production_site_without_https():
    """The check is not toothless: turning HTTPS off is reported."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_clean_env(**PRODUCTION_ENV, DJANGO_HTTPS="0"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "security.W008" in result.stderr  # SECURE_SSL_REDIRECT
    assert "security.W012" in result.stderr  # SESSION_COOKIE_SECURE


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("SECURE_SSL_REDIRECT", "True"),
        ("SESSION_COOKIE_SECURE", "True"),
        ("SESSION_COOKIE_HTTPONLY", "True"),
        ("CSRF_COOKIE_SECURE", "True"),
        ("SECURE_HSTS_SECONDS", "31536000"),
        ("SECURE_HSTS_INCLUDE_SUBDOMAINS", "True"),
        ("SECURE_HSTS_PRELOAD", "True"),
        ("SECURE_PROXY_SSL_HEADER", "('HTTP_X_FORWARDED_PROTO', 'https')"),
        ("CSRF_TRUSTED_ORIGINS", "['https://health.example.org']"),
    ],
)
def test_production_values_turn_on_https_protections(name, expected):
    """With DEBUG off, HTTPS protections are on unless switched off."""
    assert _setting(name, **PRODUCTION_ENV) == expected


def test_the_proxy_ssl_header_is_trusted_only_when_asked_for():
    """Without DJANGO_SECURE_PROXY_SSL_HEADER=1, X-Forwarded-Proto is ignored,
    because a client could send it itself."""
    env = {**PRODUCTION_ENV, "DJANGO_SECURE_PROXY_SSL_HEADER": "0"}
    assert _setting("SECURE_PROXY_SSL_HEADER", **env) == "None"


def test_hsts_can_be_tuned_from_the_environment():
    """A first deployment can start with a short HSTS max-age."""
    env = {**PRODUCTION_ENV, "DJANGO_HSTS_SECONDS": "3600", "DJANGO_HSTS_PRELOAD": "0"}
    assert _setting("SECURE_HSTS_SECONDS", **env) == "3600"
    assert _setting("SECURE_HSTS_PRELOAD", **env) == "False"


def _make_dev_env() -> dict[str, str]:
    """The variables the Makefile's DEV_ENV sets, apart from the secret."""
    line = next(
        line for line in (ROOT / "Makefile").read_text().splitlines() if line.startswith("DEV_ENV")
    )
    pairs = dict(re.findall(r"(DJANGO_[A-Z_]+)=(\S+)", line))
    pairs["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    return pairs


def test_make_runs_development_values_switch_https_off_explicitly():
    """`make run` serves plain HTTP, so its environment says so."""
    env = _make_dev_env()
    assert env["DJANGO_HTTPS"] == "0"
    assert _setting("SECURE_SSL_REDIRECT", **env) == "False"
    assert _setting("SESSION_COOKIE_SECURE", **env) == "False"
    assert _setting("DEBUG", **env) == "False"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_admin_login_works_over_plain_http_with_make_runs_values(tmp_path):
    """With the Makefile's values, a real server on http://127.0.0.1 lets an
    admin log in (secure cookies would be dropped by the client)."""
    env = _clean_env(
        **_make_dev_env(),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
    )

    def manage(*args: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
        )

    manage("migrate", "--noinput")
    manage("collectstatic", "--noinput")
    manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        "User.objects.create_superuser('admin', 'a@example.org', 'a long dev password 42')",
    )
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        deadline = time.monotonic() + 30
        while True:
            try:
                login_page = opener.open(f"{base}/admin/login/", timeout=5).read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline, "runserver did not start"
                time.sleep(0.2)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token,
                "username": "admin",
                "password": "a long dev password 42",
                "next": "/admin/",
            }
        ).encode()
        request = urllib.request.Request(
            f"{base}/admin/login/", data=data, headers={"Referer": f"{base}/admin/login/"}
        )
        response = opener.open(request, timeout=10)
        assert response.url == f"{base}/admin/"
        assert "Site administration" in response.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=10)
