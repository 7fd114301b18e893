"""Security rules: response headers, cookies, permissions on every admin and
markdownx URL, login throttling, the admin's path, error pages and logs."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.urls import path

from healthsite.urls import urlpatterns as site_urlpatterns
from tests.factories import make_article, make_staff

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent


# --- Headers ---------------------------------------------------------------


def _csp(response) -> dict[str, str]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    return directives


@pytest.mark.parametrize("url", ["/", "article"])
def test_public_pages_send_every_security_header(client, url):
    """CSP, nosniff, Referrer-Policy, COOP, Permissions-Policy and framing
    protection are on every public page."""
    if url == "article":
        url = make_article().get_absolute_url()
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response


def test_the_content_security_policy_allows_only_the_sites_own_files(client):
    """default-src 'self', no inline script or style, no plugins, no framing,
    no <base> hijack, forms post only to the site."""
    csp = _csp(client.get("/"))
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["form-action"] == "'self'"
    assert "unsafe-inline" not in client.get("/")["Content-Security-Policy"]
    assert "unsafe-eval" not in client.get("/")["Content-Security-Policy"]


def test_public_pages_hold_no_inline_script_or_style(client, guides):
    """The CSP forbids them, so the templates must not need them. The only
    script element is the JSON-LD data block, which never runs."""
    for url in ["/", "/articles/valium-diazepam/"]:
        html = client.get(url).content.decode()
        scripts = re.findall(r"<script[^>]*>", html)
        assert set(scripts) <= {'<script type="application/ld+json">'}
        assert "<style" not in html
        assert " style=" not in html


def test_the_admin_is_under_the_same_policy(client):
    """The admin needs no relaxation (tests/browser/test_admin_csp.py proves
    it works in Chromium)."""
    client.force_login(make_staff(superuser=True))
    response = client.get(f"/admin/articles/article/{make_article().pk}/change/")
    assert response["Content-Security-Policy"] == client.get("/")["Content-Security-Policy"]


def test_https_requests_get_hsts(client):
    """HSTS is sent on secure requests, for a year, with subdomains and preload."""
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")


@override_settings(SECURE_SSL_REDIRECT=True)
def test_plain_http_is_redirected_to_https_in_production(client):
    """SECURE_SSL_REDIRECT is on in production (tests/settings.py turns it
    off only for the test client)."""
    response = client.get("/articles/x/?a=1")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/articles/x/?a=1"


# --- Cookies ----------------------------------------------------------------


def test_the_session_and_csrf_cookies_are_secure_and_the_session_cookie_httponly(client):
    """Logging in sets Secure, HttpOnly, SameSite session and CSRF cookies."""
    User.objects.create_superuser("admin", "a@example.org", "pw")
    client.get("/admin/login/")
    response = client.post("/admin/login/", {"username": "admin", "password": "pw"})
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    csrf = client.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] is True


# --- Permissions on every admin and markdownx URL -----------------------------

ADMIN_URLS = [
    "/admin/",
    "/admin/articles/",
    "/admin/articles/article/",
    "/admin/articles/article/add/",
    "/admin/articles/article/{pk}/change/",
    "/admin/articles/article/{pk}/delete/",
    "/admin/articles/article/{pk}/history/",
    "/admin/auth/user/",
    "/admin/auth/user/add/",
    "/admin/auth/group/",
    "/admin/axes/accessattempt/",
    "/admin/password_change/",
]
MARKDOWNX_URLS = [settings.MARKDOWNX_URLS_PATH, settings.MARKDOWNX_UPLOAD_URLS_PATH]


def _reader() -> User:
    return User.objects.create_user("reader", "r@example.org", "pw")


@pytest.mark.parametrize("who", ["anonymous", "non-staff"])
@pytest.mark.parametrize("url", ADMIN_URLS)
def test_admin_urls_send_anonymous_and_non_staff_users_to_the_login_page(client, url, who):
    """Every admin page redirects anyone who is not staff to the login form
    and shows them nothing."""
    if who == "non-staff":
        client.force_login(_reader())
    url = url.format(pk=make_article(title="Hidden admin title").pk)
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302, (method, response.status_code)
        assert response["Location"].startswith("/admin/login/")
        assert b"Hidden admin title" not in response.content


@pytest.mark.parametrize("who", ["anonymous", "non-staff"])
@pytest.mark.parametrize("url", MARKDOWNX_URLS)
def test_markdownx_urls_refuse_anonymous_and_non_staff_users(client, url, who):
    """The preview and upload endpoints answer 403 to anyone who is not staff
    with change permission on articles."""
    if who == "non-staff":
        client.force_login(_reader())
    assert client.post(url, {"content": "# hi"}).status_code == 403


# --- Login throttling (django-axes) ------------------------------------------


def _login(client: Client, password: str):
    return client.post(
        "/admin/login/", {"username": "clinician", "password": password, "next": "/admin/"}
    )


def test_repeated_failed_logins_lock_the_account_for_the_cool_off_time(client):
    """After AXES_FAILURE_LIMIT failures, even the right password is refused
    (429); once AXES_COOLOFF_TIME has passed since the last attempt, login
    works again. (Attempts during a lockout restart the cool-off.)"""
    user = make_staff("clinician", superuser=True)
    user.set_password("right")
    user.save()
    with time_machine.travel("2026-03-01 09:00 +0000", tick=False) as traveller:
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert _login(client, "wrong").status_code == 200
        assert _login(client, "wrong").status_code == 429
        assert _login(client, "right").status_code == 429

        traveller.shift(settings.AXES_COOLOFF_TIME + timedelta(minutes=1))
        response = _login(client, "right")
        assert response.status_code == 302
        assert response["Location"] == "/admin/"


def test_lockouts_expire_and_are_not_permanent():
    """The default would lock an account out for ever; ours is an hour."""
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 3600
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


# --- Passwords ------------------------------------------------------------------


@pytest.mark.slow
def test_production_hashes_passwords_with_argon2():
    """Argon2 is the first hasher in the real settings (tests use MD5 only
    for speed)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "example.org",
        "DJANGO_SETTINGS_MODULE": "healthsite.settings",
    }
    code = (
        "import django; django.setup()\n"
        "from django.contrib.auth.hashers import make_password\n"
        "print(make_password('a long passphrase').split('$')[0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "argon2"


def test_password_validators_refuse_short_common_and_numeric_passwords():
    """The validators are on: 12 characters minimum, no common or all-digit
    passwords."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ["short", "password1234", "123456789012"]:
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("correct horse battery staple")


# --- Errors and logs --------------------------------------------------------------


def _boom(request):
    raise RuntimeError("secret internal detail")


urlpatterns = [path("boom/", _boom), *site_urlpatterns]


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_unhandled_errors_show_a_plain_500_page_and_log_one_json_line_with_the_path(capsys):
    """The public sees a generic 500 page; stderr gets one JSON line with the
    path and the traceback."""
    client = Client(raise_request_exception=False)
    response = client.get("/boom/?q=1")
    assert response.status_code == 500
    body = response.content.decode()
    assert "secret internal detail" not in body
    assert "RuntimeError" not in body
    assert "Traceback" not in body
    assert "Sorry, there is a problem with the service" in body

    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    events = [json.loads(line) for line in lines]
    [error] = [e for e in events if e["logger"] == "django.request"]
    assert error["level"] == "ERROR"
    assert error["path"] == "/boom/"
    assert error["status"] == 500
    assert "RuntimeError: secret internal detail" in error["exception"]


def test_every_log_record_is_one_json_line(capsys):
    """Multi-line messages and tracebacks stay on one line."""
    import logging

    logger = logging.getLogger("healthsite.test")
    try:
        raise ValueError("line one\nline two")
    except ValueError:
        logger.exception("Something\nbroke")
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    event = json.loads(err[0])
    assert event["message"] == "Something\nbroke"
    assert event["level"] == "ERROR"
    assert "ValueError: line one" in event["exception"]
