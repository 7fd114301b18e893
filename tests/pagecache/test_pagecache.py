"""Readers see an approval at once (issue 11, fault 8 and Deliver 8; issue 18,
the public validators of item 8). Each example of the fault is a test here,
through the test client or through the WSGI application gunicorn runs."""

from __future__ import annotations

import importlib
import io
import json
import re
import sys
import time
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client
from django.utils import timezone

from articles import workflow
from articles.models import Article, Topic
from tests.factories import (
    approve_topic,
    edit,
    make_article,
    make_clinician,
    make_editor,
    make_staff,
    make_topic,
    publish,
)

pytestmark = pytest.mark.django_db

PUBLIC_CACHE_CONTROL = "public, max-age=0, must-revalidate"


@pytest.fixture
def site(db):
    topic = make_topic(name="Anxiety", slug="anxiety")
    article = make_article(title="Calm", slug="calm", body="## Rest\n\nOriginal advice.")
    return publish(article, topics=[topic])


# Every public URL of the site fixture, and what identifies the guide on it.
PUBLIC_URLS = [
    "/",
    "/topics/",
    "/topics/anxiety/",
    "/articles/calm/",
    "/feed/",
    "/sitemap.xml",
    "/sitemap-articles.xml",
    "/search/?q=calm",
]
VALIDATED_PAGES = ["/", "/topics/", "/topics/anxiety/", "/articles/calm/"]


def _approve(article: Article, reviewer) -> None:
    """Approve the latest version the way the review screen does. One place
    to adapt when approve() asks for more of what the reviewer read."""
    article = Article.objects.get(pk=article.pk)
    latest = workflow.latest_revision(article)
    workflow.approve(article=article, reviewer=reviewer, version=latest.number,
                     content_hash=latest.content_hash,
                     smog_reason="Seed guide above the SMOG target.")  # fmt: skip


def _publish(article: Article, **changes) -> None:
    publish(article, make_editor("pub-editor"), make_clinician("pub-clinician"), **changes)


# Cache-Control ---------------------------------------------------------------


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_public_pages_tell_browsers_to_revalidate_before_reuse(client, site, url):
    """Without Cache-Control a browser reuses a page by heuristic freshness
    (a tenth of its age: days for an old guide). Every public response, miss
    and hit, says public, max-age=0, must-revalidate."""
    first = client.get(url)
    second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert first["Cache-Control"] == PUBLIC_CACHE_CONTROL
    assert second["Cache-Control"] == PUBLIC_CACHE_CONTROL


@pytest.mark.parametrize("url", VALIDATED_PAGES)
def test_a_revalidation_answer_carries_the_same_cache_control(client, site, url):
    """A 304 repeats the 200's Cache-Control (RFC 9110, 15.4.5)."""
    etag = client.get(url)["ETag"]
    response = client.get(url, headers={"if-none-match": etag})
    assert response.status_code == 304
    assert response["Cache-Control"] == PUBLIC_CACHE_CONTROL


def test_a_purging_proxy_gets_its_own_lifetime_through_s_maxage(client, site, settings):
    """DJANGO_CACHE_S_MAXAGE lets a shared cache that is purged on publish
    keep pages; browsers still revalidate every time."""
    settings.CACHE_S_MAXAGE = 30
    response = client.get("/articles/calm/")
    assert response["Cache-Control"] == PUBLIC_CACHE_CONTROL + ", s-maxage=30"


def test_signed_in_staff_get_pages_marked_private(site):
    """A page built for a signed-in user must not be kept by any shared cache."""
    staff = Client()
    staff.force_login(make_staff())
    cache_control = staff.get("/articles/calm/")["Cache-Control"]
    assert "private" in cache_control
    assert "public" not in cache_control


def test_an_old_address_redirect_also_revalidates(client, site, django_capture_on_commit_callbacks):
    """Browsers keep a bare 301 for ever; an old slug's redirect must be
    re-checked, because the slug can move again."""
    with django_capture_on_commit_callbacks(execute=True):
        _publish(site, slug="calm-and-rest")
    response = client.get("/articles/calm/")
    assert response.status_code == 301
    assert response["Cache-Control"] == PUBLIC_CACHE_CONTROL


# Slug changes ----------------------------------------------------------------


def test_after_a_slug_change_the_old_address_redirects_and_every_list_links_the_new_one(
    client, site, django_capture_on_commit_callbacks
):
    """Fault 8: the old URL answered 200 from the page cache for over 600 s,
    and the list, feed and sitemap kept the old link."""
    for url in PUBLIC_URLS:
        assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        _publish(site, slug="calm-and-rest")
    old = client.get("/articles/calm/")
    assert old.status_code == 301
    assert old["Location"] == "/articles/calm-and-rest/"
    for url in ("/", "/topics/anxiety/", "/feed/", "/sitemap-articles.xml", "/search/?q=calm"):
        html = client.get(url).content.decode()
        assert "/articles/calm-and-rest/" in html, url
        assert "/articles/calm/" not in html, url


# Expiry, failed invalidation -------------------------------------------------


class _Request:
    """A request through the WSGI application that gunicorn serves."""

    def __init__(self, application) -> None:
        self.application = application

    def __call__(self, path: str, *, host: str = "testserver", **environ: str):
        path, _, query = path.partition("?")
        base = {
            "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
            "SERVER_NAME": host, "SERVER_PORT": "80", "HTTP_HOST": host,
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
            "SERVER_PROTOCOL": "HTTP/1.1",
        }  # fmt: skip
        seen: dict = {}

        def start_response(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, dict(headers)

        body = b"".join(self.application(base | environ, start_response))
        return int(seen["status"].split()[0]), seen["headers"], body.decode()


@pytest.fixture
def keep_test_connection():
    """The real WSGI handler closes database connections after each request;
    the test's connection holds its transaction, so keep it open, as
    Django's own test client does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def wsgi(keep_test_connection):
    """healthsite.wsgi.application, built under this test's settings (the
    middleware reads them when the application is built). Not to be mixed
    with Django's test client in one test: it reconnects the handler that
    closes the test's connection (on PostgreSQL) after each request."""
    import healthsite.wsgi

    yield lambda: _Request(importlib.reload(healthsite.wsgi).application)
    importlib.reload(healthsite.wsgi)


def _sneak_in(article: Article, text: str) -> None:
    """Change the live HTML with a raw UPDATE: no signal, no validator moves."""
    Article.objects.filter(pk=article.pk).update(live_body_html=f"<p>{text}</p>")


def test_every_cache_tier_expires_within_the_page_cache_lifetime(site, settings, wsgi):
    """Whatever an invalidation misses is gone after DJANGO_PAGE_CACHE_SECONDS
    in every tier: a page is never served older than that."""
    get = wsgi()
    assert "Original advice." in get("/articles/calm/")[2]
    assert "Original advice." in get("/articles/calm/")[2]
    _sneak_in(site, "Changed behind every cache")
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.PAGE_CACHE_SECONDS + 1)):
        assert "Changed behind every cache" in get("/articles/calm/")[2]


def _cache_outage():
    """Every cache operation fails, as when Redis cannot be reached."""
    down = ConnectionError("cache server unreachable")
    return mock.patch.multiple(
        LocMemCache, **{name: mock.Mock(side_effect=down) for name in (
            "get", "get_many", "set", "set_many", "add", "delete", "touch", "incr")}
    )  # fmt: skip


def test_a_publish_during_a_cache_outage_is_retried_and_reported_by_healthz(
    site, wsgi, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """Fault 8: if the cache server cannot be reached during a publish,
    workers served the old page indefinitely. The invalidation is retried,
    /healthz reports it until it succeeds, and readers get the new text."""
    get = wsgi()
    assert "Original advice." in get("/articles/calm/")[2]
    assert "Original advice." in get("/articles/calm/")[2]
    with _cache_outage():
        with django_capture_on_commit_callbacks(execute=True):
            _publish(site, body="## Rest\n\nApproved while the cache was down.")
        status, _, body = get("/articles/calm/")
        assert status == 200
        assert "Approved while the cache was down." in body
        assert get("/healthz")[0] == 503
    # The cache is back, and the circuit breaker's wait is over: the next
    # request retries the invalidation.
    from pagecache.store import breaker

    later = time.monotonic() + settings.CACHE_BREAKER_SECONDS
    monkeypatch.setattr(breaker(), "clock", lambda: later)
    assert "Approved while the cache was down." in get("/articles/calm/")[2]
    assert get("/healthz")[0] == 200


# Scheme and host --------------------------------------------------------------


def test_a_plain_http_request_is_redirected_even_after_an_https_one_was_cached(
    site, settings, wsgi
):
    """Fault 8: behind a TLS proxy (X-Forwarded-Proto), a page cached for
    https was served to a plain-HTTP request instead of the HTTPS redirect,
    because a tier keyed on the WSGI scheme rather than the one Django sees."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    get = wsgi()
    for _ in range(2):
        status, _, _ = get("/articles/calm/", HTTP_X_FORWARDED_PROTO="https")
        assert status == 200
    status, headers, _ = get("/articles/calm/")
    assert status == 301
    assert headers["Location"] == "https://testserver/articles/calm/"


@pytest.mark.parametrize("url", ["/", "/topics/", "/topics/anxiety/", "/articles/calm/"])
def test_a_page_rendered_for_one_host_is_never_served_to_another(site, settings, wsgi, url):
    """Fault 8: the rendered-page tier ignored the host, so another host got
    a page whose canonical URL named the first."""
    settings.ALLOWED_HOSTS = ["testserver", "health.example.org"]
    get = wsgi()
    for _ in range(2):
        assert 'href="http://testserver/' in get(url)[2]
    body = get(url, host="health.example.org")[2]
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', body).group(1)
    assert canonical.startswith("http://health.example.org/")
    assert "testserver" not in body


# Public validators --------------------------------------------------------------


@pytest.mark.parametrize("url", VALIDATED_PAGES)
def test_saving_a_draft_does_not_move_the_public_validators(client, site, url):
    """Issue 18, item 8: ETag and Last-Modified move only when public content
    does. Saving a draft (a new guide, or a working copy of a live one)
    changes nothing public."""
    before = client.get(url)
    editor = make_editor()
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        make_article(title="Unpublished", slug="unpublished", live=False).topics.add(
            Topic.objects.get(slug="anxiety")
        )
        edit(site, editor, body="## Rest\n\nA draft nobody approved.")
        # As on an instance that has not cached the page: validators afresh.
        cache.clear()
        after = client.get(url, headers={"if-none-match": before["ETag"]})
    assert after.status_code == 304
    assert after["ETag"] == before["ETag"]
    assert after["Last-Modified"] == before["Last-Modified"]


@pytest.mark.parametrize("url", VALIDATED_PAGES)
def test_a_publish_moves_the_public_validators(
    client, site, url, django_capture_on_commit_callbacks
):
    """...and they do move when the public text changes."""
    before = client.get(url)
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        with django_capture_on_commit_callbacks(execute=True):
            _publish(site, title="Calm and rest")
        after = client.get(url, headers={"if-none-match": before["ETag"]})
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert after["Last-Modified"] != before["Last-Modified"]


# The one trigger ------------------------------------------------------------


def _edit_topic(editor, **changes) -> Topic:
    topic = Topic.objects.get(slug="anxiety")
    for name, value in changes.items():
        setattr(topic, name, value)
    workflow.save_topic(topic=topic, user=editor, expected_version=topic.lock_version)
    return topic


def _public_changes(site):
    editor, clinician = make_editor("kinds-editor"), make_clinician("kinds-clinician")
    anxiety = Topic.objects.get(slug="anxiety")
    return {
        "approve": lambda: _publish(site, body="## Rest\n\nNew advice."),
        "correction": lambda: _publish(site, body="## Rest\n\nFixed.", correction_note="Fixed."),
        "archive": lambda: workflow.archive(article=site, user=make_staff(superuser=True)),
        "slug change": lambda: _publish(site, slug="calm-and-rest"),
        "topic approved": lambda: approve_topic(
            _edit_topic(editor, description="New words."), clinician
        ),
        "topic added": lambda: _publish(site, topics=[anxiety, make_topic(name="Sleep")]),
        "source added": lambda: _publish(site, sources=[{"title": "NICE"}]),
    }


@pytest.mark.parametrize(
    "kind", ["approve", "correction", "archive", "slug change", "topic approved",
             "topic added", "source added"],
)  # fmt: skip
def test_every_kind_of_public_change_sends_public_changed_after_commit(
    site, kind, django_capture_on_commit_callbacks
):
    """The one signal is sent once the change is committed, never before."""
    from articles.signals import public_changed

    sent = []
    public_changed.connect(receiver := lambda **kwargs: sent.append(kwargs), weak=False)
    try:
        change = _public_changes(site)[kind]
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            change()
        assert sent == []
        for callback in callbacks:
            callback()
    finally:
        public_changed.disconnect(receiver)
    assert sent, kind


@pytest.mark.parametrize("step", ["save a draft", "submit", "request changes", "restore",
                                  "topic edited", "source added to a draft",
                                  "reviewer renamed"])  # fmt: skip
def test_changes_readers_cannot_see_send_nothing(site, step, django_capture_on_commit_callbacks):
    """Work on a working copy leaves every cached page alone."""
    from articles.signals import public_changed

    editor, clinician = make_editor(), make_clinician()
    draft = make_article(live=False, author=editor)
    archived = make_article()
    workflow.archive(article=archived, user=make_staff(superuser=True))
    steps = {
        "save a draft": lambda: edit(site, editor, body="## Rest\n\nDraft."),
        "submit": lambda: workflow.submit(article=draft, user=editor),
        "request changes": lambda: (
            workflow.submit(article=draft, user=editor),
            workflow.request_changes(article=draft, reviewer=clinician, comment="Shorter."),
        ),
        "restore": lambda: workflow.restore(article=archived, user=make_staff(superuser=True)),
        # Since ADR 0001 these reach readers only through an approval.
        "topic edited": lambda: _edit_topic(editor, description="Unapproved words."),
        "source added to a draft": lambda: workflow.save_working_copy(
            article=Article.objects.get(pk=site.pk),
            user=editor,
            expected_version=Article.objects.get(pk=site.pk).lock_version,
            sources=[{"title": "NICE"}],
        ),
        "reviewer renamed": lambda: workflow.save_reviewer_profile(
            profile=clinician.reviewer_profile, user=clinician
        ),
    }
    sent = []
    public_changed.connect(receiver := lambda **kwargs: sent.append(kwargs), weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            steps[step]()
    finally:
        public_changed.disconnect(receiver)
    assert sent == []


def test_nothing_but_the_signal_invalidates_the_page_cache():
    """The page cache exposes no invalidation to other apps: its receiver of
    public_changed is the only caller. Enumerates every module that imports
    pagecache and what it imports."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent.parent
    allowed = {
        "conditional_page",
        "health_problems",
        "release",
        "guarded_cache",
        "CacheUnavailableError",
    }
    for path in [*root.glob("articles/**/*.py"), *root.glob("public/**/*.py"),
                 *root.glob("healthsite/**/*.py"),
                 *root.glob("bench/**/*.py")]:  # fmt: skip
        for match in re.finditer(r"from pagecache\.\w+ import \(?([^)\n]+)", path.read_text()):
            names = {name.strip() for name in match.group(1).split(",") if name.strip()}
            assert names <= allowed, (path, names - allowed)


def test_healthz_reports_ok_as_plain_json(client):
    assert json.loads(client.get("/healthz").content) == {"status": "ok"}


def test_other_query_parameters_reuse_the_page_rendered_for_the_ones_that_matter(
    client, site, django_assert_num_queries
):
    """Tier 1 never keeps ?utm_source=... (the key space would be endless),
    but views read only page, q and p, so tier 2 reuses the rendered page:
    one validator query. This is the benchmark's "page-cache miss"."""
    client.get("/articles/calm/")
    with django_assert_num_queries(1):
        response = client.get("/articles/calm/?utm_source=newsletter")
    assert "Original advice." in response.content.decode()
    assert response["Cache-Control"] == PUBLIC_CACHE_CONTROL
