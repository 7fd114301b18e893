"""The shipped nginx configuration (deploy/nginx/healthsite.conf), run for
real in front of two gunicorn instances sharing one database and Redis.

nginx is Debian's (``apt-get install nginx-light``; `make test` and
`.ci/run` install it). The database is the one tests/pagecache/test_multi_instance.py
sets up: a throwaway PostgreSQL database on the PostgreSQL leg, a shared
SQLite file otherwise. The app runs as in production behind a TLS proxy
(DJANGO_HTTPS=1, DJANGO_SECURE_PROXY_SSL_HEADER=1).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.nginx import NGINX, Nginx, start_nginx
from tests.pagecache.test_multi_instance import (  # noqa: F401 (fixtures)
    REDIS_URL,
    ROOT,
    SLUG,
    Instance,
    _change_body_without_invalidating,
    _free_port,
    _get,
    _manage,
    shared_database,
    shared_redis,
)

if not shutil.which("nginx") and not Path(NGINX).exists():
    pytest.fail("nginx is missing: apt-get install -y nginx-light", pytrace=False)

ARTICLE = f"/articles/{SLUG}/"
# Headers the app sets for security; nginx must pass them on untouched.
SECURITY_HEADERS = (
    "Strict-Transport-Security",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Cross-Origin-Resource-Policy",
    "Content-Security-Policy",
    "Permissions-Policy",
    "X-Frame-Options",
)
# What a file from disk must carry exactly as the app would send it.
FILE_HEADERS = (*SECURITY_HEADERS, "Cache-Control", "Access-Control-Allow-Origin")
# A publish must reach readers within this many seconds (issue 17).
VISIBLE_WITHIN = 1.0
# X-Cache-Status values meaning the body came from nginx's cache (REVALIDATED:
# after a conditional request the app answered 304).
FROM_CACHE = {"HIT", "REVALIDATED", "UPDATING"}
# A cached copy lives until the end of the second it was made in (less than
# VISIBLE_WITHIN); after that the first request waits for the app to make the
# new page, which on this machine takes tens of milliseconds.
RENDER_ALLOWANCE = 0.25


@pytest.fixture
def app_env(shared_database: str, shared_redis: str, tmp_path: Path) -> dict[str, str]:  # noqa: F811
    """Production settings behind a TLS proxy, sharing the database, Redis
    and the media directory."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1",
        DJANGO_HTTPS="1",
        DJANGO_SECURE_PROXY_SSL_HEADER="1",
        DJANGO_NGINX_MICROCACHE="1",
        DJANGO_WORKERS="2",
        DATABASE_URL=shared_database,
        REDIS_URL=REDIS_URL,
        DJANGO_CACHE_KEY_PREFIX=shared_redis,
        DJANGO_SETTINGS_MODULE="healthsite.settings",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
    )
    for command in (
        ["migrate", "--noinput"],
        ["collectstatic", "--noinput", "--verbosity", "0"],
        ["seed_demo"],
    ):
        _manage(env, *command)
    (tmp_path / "media" / "uploads").mkdir(parents=True)
    # A tiny valid PNG, as an editor's upload would leave it.
    (tmp_path / "media" / "uploads" / "dot.png").write_bytes(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
        )
    )
    return env


@pytest.fixture
def site(app_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[Nginx, list[Instance]]]:
    """nginx with the shipped configuration in front of two gunicorn instances."""
    instances: list[Instance] = []
    proxy = None
    try:
        for n in range(2):
            port = _free_port()
            env = {**app_env, "DJANGO_BIND": f"127.0.0.1:{port}"}
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "healthsite/gunicorn.conf.py"],
                cwd=ROOT,
                env=env,
                stdout=(tmp_path / f"instance-{n}.log").open("w"),
                stderr=subprocess.STDOUT,
            )
            instances.append(Instance(f"http://127.0.0.1:{port}", env, process))
        for instance in instances:
            _wait_until_healthy(instance)
        proxy = start_nginx(
            tmp_path / "nginx",
            upstreams=[instance.url.removeprefix("http://") for instance in instances],
            static_root=Path(app_env["DJANGO_STATIC_ROOT"]),
            media_root=Path(app_env["DJANGO_MEDIA_ROOT"]),
        )
        yield proxy, instances
    finally:
        if proxy is not None:
            proxy.stop()
        for instance in instances:
            instance.process.terminate()
        for instance in instances:
            instance.process.wait(timeout=30)


def _wait_until_healthy(instance: Instance) -> None:
    """Wait for /healthz, asked as the proxy would (the app redirects
    plain HTTP to HTTPS)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert instance.process.poll() is None, "gunicorn exited during start-up"
        try:
            if _direct(instance, "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{instance.url} did not become healthy")


def _direct(instance: Instance, path: str, headers: dict[str, str] | None = None):
    """A request straight to one gunicorn instance, as nginx would forward
    an HTTPS request (X-Forwarded-Proto from 127.0.0.1, which gunicorn and
    Django trust)."""
    request = urllib.request.Request(
        instance.url + path,
        headers={"Host": "localhost", "X-Forwarded-Proto": "https", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers, response.read()


def _values(headers, name: str) -> list:
    """Every value of a header. django-csp lists the policy's directives in
    an order that differs between processes (set iteration under hash
    randomisation), so a Content-Security-Policy compares as its set of
    directives."""
    values = headers.get_all(name) or []
    if name == "Content-Security-Policy":
        return [sorted(d.strip() for d in value.split(";")) for value in values]
    return values


def _session_cookie(env: dict[str, str], username: str) -> str:
    """A signed-in session for a new editor, made the way Django's login
    does, so no login form (and its CSRF cookie) is involved."""
    code = (
        "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY\n"
        "from django.contrib.auth.models import Group, User\n"
        "from django.contrib.sessions.backends.db import SessionStore\n"
        f"user = User.objects.create_user({username!r}, is_staff=True)\n"
        "user.groups.add(Group.objects.get(name='Editors'))\n"
        "session = SessionStore()\n"
        "session[SESSION_KEY] = str(user.pk)\n"
        "session[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'\n"
        "session[HASH_SESSION_KEY] = user.get_session_auth_hash()\n"
        "session.create()\n"
        "print(session.session_key)\n"
    )
    return "sessionid=" + _manage(env, "shell", "-c", code).strip().splitlines()[-1]


def _workflow_change(env: dict[str, str], change: str, slug: str = SLUG) -> subprocess.Popen:
    """Start one public change through articles.workflow in its own
    process; it prints the wall-clock time of its commit (time.time())."""
    code = (
        "import time\n"
        "from django.contrib.auth.models import Group, User\n"
        "from django.db import transaction\n"
        "from articles import workflow\n"
        "from articles.models import Article\n"
        "editor, _ = User.objects.get_or_create(username='nginx-editor')\n"
        "editor.groups.add(Group.objects.get(name='Editors'))\n"
        "clinician, _ = User.objects.get_or_create(username='nginx-clinician')\n"
        "clinician.groups.add(Group.objects.get(name='Clinical reviewers'))\n"
        "from articles.models import ReviewerProfile\n"
        "ReviewerProfile.objects.get_or_create(user=clinician,"
        " defaults={'display_name': 'Dr Nginx'})\n"
        f"article = Article.objects.get(slug={slug!r})\n"
        "committed = []\n"
        "with transaction.atomic():\n"
        "    transaction.on_commit(lambda: committed.append(time.time()))\n"
        f"{change}"
        "print(committed[0], flush=True)\n"
    )
    return subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


PUBLISH = (
    "    article.body += '\\n\\nNewly approved nginx text.'\n"
    "    workflow.save_working_copy(article=article, user=editor,"
    " expected_version=article.lock_version)\n"
    "    workflow.submit(article=article, user=editor)\n"
    "    latest = workflow.latest_revision(article)\n"
    "    workflow.approve(article=article, reviewer=clinician, version=latest.number,"
    " content_hash=latest.content_hash, smog_reason='Seed guide above the SMOG target.')\n"
)
ARCHIVE = "    workflow.archive(article=article, user=editor)\n"
SLUG_CHANGE = (
    "    article.slug = 'valium-diazepam-renamed'\n"
    "    article.body += '\\n\\nRenamed.'\n"
    "    workflow.save_working_copy(article=article, user=editor,"
    " expected_version=article.lock_version)\n"
    "    workflow.submit(article=article, user=editor)\n"
    "    latest = workflow.latest_revision(article)\n"
    "    workflow.approve(article=article, reviewer=clinician, version=latest.number,"
    " content_hash=latest.content_hash, smog_reason='Seed guide above the SMOG target.')\n"
)


def _keep_warm(proxy: Nginx, paths: list[str]) -> None:
    """Fill the micro-cache for these pages and check they really are
    served from it, so a later change has a cached copy to get past."""
    for path in paths:
        proxy.request(path)
        status, headers, _ = proxy.request(path)
        assert headers["X-Cache-Status"] in FROM_CACHE, (path, status, headers["X-Cache-Status"])


def _seconds_until(proxy: Nginx, path: str, change: subprocess.Popen, seen) -> tuple[float, list]:
    """Poll through nginx while ``change`` runs and after, until
    ``seen(status, headers, body)`` has held for ten requests in a row since
    the change's commit. Returns the seconds from the commit to the start of
    the first request of that run (0 if the first request after the commit
    already saw it), and what each request got (seconds from the commit,
    status, X-Cache-Status, seen) for the failure message."""
    polls = []
    while True:
        started = time.time()
        status, headers, body = proxy.request(path)
        polls.append((started, status, headers["X-Cache-Status"], seen(status, headers, body)))
        if change.poll() is not None:
            stdout, stderr = change.communicate()
            assert change.returncode == 0, stderr
            committed = float(stdout.strip().splitlines()[-1])
            after = [p for p in polls if p[0] >= committed]
            run = 0
            for poll in reversed(after):
                if not poll[3]:
                    break
                run += 1
            if run >= 10:
                first = after[len(after) - run]
                log = [(round(p[0] - committed, 3), *p[1:]) for p in polls]
                return max(0.0, first[0] - committed), log
            if time.time() - committed > 10:
                return float("inf"), [(round(p[0] - committed, 3), *p[1:]) for p in polls]
        time.sleep(0.01)


@pytest.mark.slow
def test_a_publish_a_slug_change_and_an_archive_are_served_through_nginx_within_a_second(site):
    """After each public change, nginx's micro-cache serves the new state
    on every request within a second of the commit, plus the time the app
    takes to make the new page (RENDER_ALLOWANCE). Each page is cached, and
    hit, just before the change."""
    proxy, (a, _) = site
    renamed = "/articles/valium-diazepam-renamed/"
    steps = [
        ("publish", PUBLISH, ARTICLE,
         lambda s, h, b: s == 200 and "Newly approved nginx text." in b),
        ("slug change", SLUG_CHANGE, ARTICLE,
         lambda s, h, b: s == 301 and h["Location"].endswith(renamed)),
        ("archive", ARCHIVE, renamed, lambda s, h, b: s == 404),
    ]  # fmt: skip
    for change, statement, path, expect in steps:
        _keep_warm(proxy, [path, "/"])
        process = _workflow_change(a.env, statement, path.split("/")[2])
        elapsed, log = _seconds_until(proxy, path, process, expect)
        assert elapsed <= VISIBLE_WITHIN + RENDER_ALLOWANCE, (
            f"{change}: {path} showed the change after {elapsed:.2f} s: {log}"
        )
        if change == "slug change":
            _, _, body = proxy.request(renamed)
            assert "Renamed." in body


@pytest.mark.slow
def test_anonymous_pages_are_served_from_the_micro_cache(site):
    """The micro-cache works: repeated anonymous requests are cache hits,
    and after a page expires one revalidation renews it for the rest of
    that second (the app's 304 carries the new expiry), rather than every
    request revalidating again."""
    proxy, _ = site
    _keep_warm(proxy, [ARTICLE, "/", "/topics/"])
    statuses = []
    deadline = time.time() + 3
    while time.time() < deadline:
        status, headers, _ = proxy.request(ARTICLE)
        assert status == 200
        statuses.append((int(time.time()), headers["X-Cache-Status"]))
        time.sleep(0.02)
    for second in {s for s, _ in statuses}:
        refreshes = [c for s, c in statuses if s == second and c not in {"HIT", "UPDATING"}]
        assert len(refreshes) <= 1, (second, statuses)
    assert sum(c == "HIT" for _, c in statuses) > len(statuses) / 2, statuses


@pytest.mark.slow
def test_a_signed_in_editor_never_gets_a_cached_page_nor_leaves_one(site):
    """A request with a session cookie bypasses the micro-cache in both
    directions: the editor gets the page as rendered now, and what was
    rendered for the editor is never served to anyone else."""
    proxy, (a, _) = site
    _keep_warm(proxy, [ARTICLE])
    cookie = _session_cookie(a.env, "nginx-signed-in")

    # A change that skips every invalidation: the editor still sees it,
    # because nothing cached (nginx or Django) answers a signed-in request.
    _change_body_without_invalidating(a.env, "<p>Seen only by a signed-in editor</p>")
    status, headers, body = proxy.request(ARTICLE, headers={"Cookie": cookie})
    assert status == 200
    assert headers["X-Cache-Status"] == "BYPASS"
    assert "Seen only by a signed-in editor" in body
    # The anonymous copy is still the cached one, not the editor's.
    status, headers, body = proxy.request(ARTICLE)
    assert headers["X-Cache-Status"] in FROM_CACHE
    assert "Seen only by a signed-in editor" not in body

    # A page rendered for one signed-in user is never served to another,
    # nor to an anonymous reader.
    other = _session_cookie(a.env, "nginx-other-editor")
    admin_status, _, admin_page = proxy.request("/admin/", headers={"Cookie": cookie})
    assert admin_status == 200
    assert "nginx-signed-in" in admin_page
    _, headers, other_page = proxy.request("/admin/", headers={"Cookie": other})
    assert headers["X-Cache-Status"] == "BYPASS"
    assert "nginx-other-editor" in other_page
    assert "nginx-signed-in" not in other_page
    status, headers, _ = proxy.request("/admin/")
    assert status == 302
    assert headers["Location"].startswith("/admin/login/")


@pytest.mark.slow
def test_only_anonymous_get_and_head_without_cookies_set_are_ever_cached(site):
    """Any method but GET and HEAD goes to the app every time and its
    answer is never stored (a GET afterwards still gets the cached page);
    a CSRF cookie (someone who has seen a form) bypasses the cache; and a
    response that sets a cookie, such as the login form's CSRF cookie, is
    never stored, or every reader would share one token."""
    proxy, _ = site
    _keep_warm(proxy, [ARTICLE])
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        for _ in range(2):
            status, headers, body = proxy.request(ARTICLE, method=method, body=b"x=1")
            # nginx does not even look these up in the cache (empty status);
            # the app answers them itself (a CSRF refusal, or OPTIONS' Allow).
            assert headers["X-Cache-Status"] in {None, "", "BYPASS"}, (method, status)
            assert status != 200 or method == "OPTIONS", (method, status)
            assert "Valium" not in body, method
        status, headers, body = proxy.request(ARTICLE)
        assert status == 200
        assert headers["X-Cache-Status"] in FROM_CACHE
        assert "Valium" in body

    _, headers, _ = proxy.request(ARTICLE, headers={"Cookie": "csrftoken=abc"})
    assert headers["X-Cache-Status"] == "BYPASS"

    for _ in range(3):
        status, headers, _ = proxy.request("/admin/login/")
        assert status == 200
        assert "csrftoken=" in headers["Set-Cookie"]
        assert headers["X-Cache-Status"] in {"MISS", "EXPIRED"}


@pytest.mark.slow
def test_plain_http_is_redirected_to_https_and_security_headers_pass_unchanged(site, tmp_path):
    """Every plain-HTTP URL answers 301 to the same path and query over
    HTTPS. Every security header the app sends on a page, a redirect and
    an error reaches the reader through nginx with the same value, none
    added twice. The app sees the reader's scheme (secure cookies, no
    redirect loop) and nginx replaces any X-Forwarded-For a client made up."""
    proxy, (a, _) = site
    for path in (ARTICLE, "/search/?q=sleep", "/admin/", "/static/css/site.css"):
        status, headers, _ = proxy.request(path, https=False)
        assert status == 301
        assert headers["Location"] == f"https://localhost{path}"

    for path in (ARTICLE, "/", "/topics/", "/no-such-page/", "/admin/login/"):
        try:
            _, direct, _ = _direct(a, path)
        except urllib.error.HTTPError as error:
            direct = error.headers
        _, through, _ = proxy.request(path)
        for name in SECURITY_HEADERS:
            assert _values(through, name) == _values(direct, name), (path, name)
    assert direct["Strict-Transport-Security"], "the app did not see HTTPS"

    status, headers, _ = proxy.request(
        "/admin/login/", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Ssl": "off"}
    )
    assert status == 200
    assert "Secure" in headers["Set-Cookie"]
    logs = "".join((tmp_path / f"instance-{n}.log").read_text() for n in range(2))
    assert "203.0.113.9" not in logs


@pytest.mark.slow
def test_each_client_gets_the_encoding_it_accepts_through_the_micro_cache(site):
    """The app compresses pages (brotli or gzip) and says Vary:
    Accept-Encoding, so nginx keeps one cached copy per encoding: a gzip or
    plain client never gets the brotli copy another reader's request left
    in the micro-cache, and nginx does not compress them again."""
    proxy, _ = site
    cases = (("br, gzip", "br"), ("gzip", "gzip"), ("identity", None))
    for _ in range(2):  # the second round finds the first round's copies
        for accept, encoding in cases:
            status, headers, body = proxy.request(ARTICLE, headers={"Accept-Encoding": accept})
            assert status == 200
            assert headers.get_all("Content-Encoding", []) == ([encoding] if encoding else [])
            assert "accept-encoding" in headers.get("Vary", "").lower()
            if encoding is None:
                assert "<h1>" in body
                assert headers["ETag"].startswith('"')
            else:
                assert headers["ETag"].startswith('W/"')


@pytest.mark.slow
def test_files_from_disk_carry_the_headers_the_app_sends(site):
    """Static files and uploads served by nginx from disk have the same
    caching and security headers as when the app serves them, and
    compressible static files are sent gzipped."""
    proxy, (a, _) = site
    css = Path(a.env["DJANGO_STATIC_ROOT"]) / "css"
    hashed = next(p.name for p in css.glob("site.*.css") if p.suffixes != [".css", ".gz"])
    paths = {
        "hashed static": f"/static/css/{hashed}",
        "plain static": "/static/css/site.css",
        "media": "/media/uploads/dot.png",
    }
    for kind, path in paths.items():
        _, direct, _ = _direct(a, path)
        status, through, _ = proxy.request(path)
        assert status == 200
        for name in FILE_HEADERS:
            assert _values(through, name) == _values(direct, name), (kind, name)
        assert through["Content-Type"].split(";")[0] == direct["Content-Type"].split(";")[0]
        if kind != "media":
            _, gzipped, _ = proxy.request(path, headers={"Accept-Encoding": "gzip"})
            assert gzipped["Content-Encoding"] == "gzip", kind


@pytest.mark.parametrize(
    ("method", "status", "headers"),
    [
        ("POST", "200 OK", []),
        ("GET", "302 Found", []),
        ("GET", "500 Internal Server Error", []),
        ("GET", "200 OK", [("Set-Cookie", "csrftoken=x")]),
        ("GET", "200 OK", [("Cache-Control", "private")]),
        ("GET", "200 OK", [("Cache-Control", "max-age=0, no-cache, no-store, must-revalidate")]),
        ("GET", "200 OK", [("cache-control", "No-Cache")]),
        ("GET", "200 OK", [("Cache-Control", "public, max-age=0, s-maxage=300")]),
        ("GET", "200 OK", [("X-Accel-Expires", "0")]),
    ],
)
def test_no_expiry_is_sent_where_a_shared_cache_may_not_keep_the_response(method, status, headers):
    """X-Accel-Expires overrides Cache-Control inside nginx, so it is never
    added to a response that HTTP forbids a shared cache to keep, to one
    that sets a cookie, to one nginx's sample would not keep, or where the
    app chose its own shared lifetime (s-maxage) or expiry."""
    from healthsite.proxy import shared_expiry

    assert shared_expiry(method, status, headers) is None


@pytest.mark.parametrize(
    "status", ["200 OK", "301 Moved Permanently", "304 Not Modified", "404 Not Found"]
)
def test_a_public_response_expires_at_the_end_of_its_second(status):
    """A public page (no Cache-Control, or public with max-age=0 for
    browsers) gets the current Unix second as its absolute nginx expiry."""
    from healthsite.proxy import shared_expiry

    before = int(time.time())
    for headers in ([], [("Cache-Control", "public, max-age=0, must-revalidate")]):
        value = shared_expiry("HEAD", status, headers)
        assert value is not None
        assert value.startswith("@")
        assert before <= int(value[1:]) <= int(time.time())
