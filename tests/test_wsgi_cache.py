"""The in-process tier of the page cache, in front of Django (articles/wsgi.py)."""

from __future__ import annotations

import io
import sys

import pytest

from articles.cache import LOCAL_STORE_FLAG, invalidate_public_pages, publication_generation
from articles.wsgi import PublicPageCacheApp
from tests.factories import make_article


class FakeDjango:
    """Stands in for Django: counts calls and marks responses as the page
    cache middleware would."""

    def __init__(self, status: str = "200 OK", storable: bool = True) -> None:
        self.calls = 0
        self.status = status
        self.storable = storable

    def __call__(self, environ, start_response):
        self.calls += 1
        if self.storable:
            environ[LOCAL_STORE_FLAG] = publication_generation()
        start_response(self.status, [("Content-Type", "text/html"), ("ETag", '"v1"')])
        return [f"page {self.calls}".encode()]


def request(app, path="/", query="", method="GET", **headers):
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
        "SERVER_PROTOCOL": "HTTP/1.1", **headers,
    }  # fmt: skip
    seen = {}

    def start_response(status, response_headers, exc_info=None):
        seen["status"] = status

    body = b"".join(app(environ, start_response))
    return seen["status"], body


def test_a_page_the_middleware_marked_is_served_again_without_django():
    django = FakeDjango()
    app = PublicPageCacheApp(django)
    assert request(app, "/articles/a/") == ("200 OK", b"page 1")
    assert request(app, "/articles/a/") == ("200 OK", b"page 1")
    assert django.calls == 1


def test_a_publish_anywhere_is_seen_on_the_next_request():
    """The generation is read from the shared cache on every request."""
    django = FakeDjango()
    app = PublicPageCacheApp(django)
    request(app, "/articles/a/")
    invalidate_public_pages()
    assert request(app, "/articles/a/") == ("200 OK", b"page 2")


def test_pages_django_did_not_mark_are_never_kept():
    django = FakeDjango(storable=False)
    app = PublicPageCacheApp(django)
    request(app, "/articles/a/")
    request(app, "/articles/a/")
    assert django.calls == 2


def test_errors_are_never_kept():
    django = FakeDjango(status="404 Not Found")
    app = PublicPageCacheApp(django)
    request(app, "/nope/")
    request(app, "/nope/")
    assert django.calls == 2


@pytest.mark.parametrize(
    ("path", "query", "method", "headers"),
    [
        ("/articles/a/", "", "POST", {}),
        ("/articles/a/", "", "GET", {"HTTP_COOKIE": "sessionid=abc"}),
        ("/articles/a/", "", "GET", {"HTTP_COOKIE": "messages=abc"}),
        ("/articles/a/", "", "GET", {"HTTP_AUTHORIZATION": "Basic x"}),
        ("/articles/a/", "utm_source=x", "GET", {}),
        ("/admin/", "", "GET", {}),
    ],
)
def test_personal_or_unknown_requests_always_reach_django(path, query, method, headers):
    """Signed-in staff, flash messages, other query strings and non-public
    paths bypass this tier."""
    django = FakeDjango()
    app = PublicPageCacheApp(django)
    for _ in range(2):
        request(app, path, query, method, **headers)
    assert django.calls == 2


def test_a_revalidating_reader_gets_304_from_memory():
    django = FakeDjango()
    app = PublicPageCacheApp(django)
    request(app, "/articles/a/")
    status, body = request(app, "/articles/a/", HTTP_IF_NONE_MATCH='"v1"')
    assert status == "304 Not Modified"
    assert body == b""
    assert django.calls == 1


def test_head_gets_no_body():
    django = FakeDjango()
    app = PublicPageCacheApp(django)
    request(app, "/articles/a/")
    assert request(app, "/articles/a/", method="HEAD") == ("200 OK", b"")


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


@pytest.mark.django_db
def test_the_real_stack_serves_a_guide_twice_with_one_render(
    django_assert_num_queries, keep_test_connection
):
    from healthsite.wsgi import application

    article = make_article(body="Served from memory.")
    status, body = request(application, article.get_absolute_url())
    assert status == "200 OK"
    assert b"Served from memory." in body
    with django_assert_num_queries(0):
        assert request(application, article.get_absolute_url())[1] == body
