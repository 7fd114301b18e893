"""The anonymous page cache (pagecache/: rules, store, middleware)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from articles import workflow
from articles.models import Article
from pagecache.middleware import PageCacheMiddleware as PublicPageCacheMiddleware
from pagecache.rules import is_cacheable_request
from pagecache.store import GENERATION_KEY, publication_generation
from tests.factories import (
    approve,
    edit,
    make_article,
    make_clinician,
    make_editor,
    make_staff,
    publish,
    publish_elsewhere,
)

pytestmark = pytest.mark.django_db


def _sneak_in(article: Article, text: str) -> None:
    """Change the stored HTML without saving, so nothing invalidates the page
    cache (the page's validators do change, as with any real change)."""
    Article.objects.filter(pk=article.pk).update(
        live_body_html=f"<p>{text}</p>", live_updated_at=timezone.now()
    )


def test_a_repeated_anonymous_request_is_served_from_the_cache_without_queries(
    client, django_assert_num_queries
):
    """The second anonymous GET of a public page is a cache hit: no database
    query, and the stored page is returned even if the database changed."""
    article = make_article(body="Original text.")
    first = client.get(article.get_absolute_url())
    _sneak_in(article, "Changed behind the cache")
    with django_assert_num_queries(0):
        second = client.get(article.get_absolute_url())
    assert second.status_code == 200
    assert second.content == first.content
    assert "Original text." in second.content.decode()


def test_a_cached_page_keeps_its_security_headers(client):
    """Headers set inside the stack (CSP, X-Frame-Options) are stored with the
    page; those set outside it (nosniff, Permissions-Policy) are added again."""
    article = make_article()
    client.get(article.get_absolute_url())
    hit = client.get(article.get_absolute_url())
    for header in (
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Permissions-Policy",
    ):
        assert header in hit.headers, header


def test_invalidating_public_pages_makes_the_next_request_render_afresh(client):
    """public_changed drops every cached page."""
    article = make_article(body="Original text.")
    client.get(article.get_absolute_url())
    _sneak_in(article, "New text")
    publish_elsewhere()
    assert "New text" in client.get(article.get_absolute_url()).content.decode()


def test_approving_a_new_version_invalidates_after_commit(
    client, django_capture_on_commit_callbacks
):
    """The workflow's approval drops the cached pages once it commits."""
    editor, clinician = make_editor("ed"), make_clinician("cl")
    article = make_article(body="Original text.", author=editor, reviewer=clinician)
    client.get(article.get_absolute_url())
    client.get("/")
    with django_capture_on_commit_callbacks(execute=True):
        edit(article, editor, body="Revised text.", title="Revised title")
        workflow.submit(article=article, user=editor)
        approve(article, clinician)
    assert "Revised text." in client.get(article.get_absolute_url()).content.decode()
    assert "Revised title" in client.get("/").content.decode()


def test_archiving_invalidates_after_commit(client, django_capture_on_commit_callbacks):
    article = make_article(body="Original text.")
    assert client.get(article.get_absolute_url()).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        workflow.archive(article=article, user=make_editor("ed"))
    assert client.get(article.get_absolute_url()).status_code == 404


def test_an_unapproved_edit_does_not_invalidate(client, django_capture_on_commit_callbacks):
    """Saving a working copy changes nothing public, so cached pages stay."""
    editor = make_editor("ed")
    article = make_article(body="Original text.", author=editor)
    client.get(article.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        edit(article, editor, body="Draft text.")
    assert callbacks == []


def test_signed_in_staff_never_receive_a_cached_page(client):
    """A request with a session cookie bypasses the cache."""
    article = make_article(body="Original text.")
    client.get(article.get_absolute_url())
    _sneak_in(article, "Fresh for staff")
    staff = Client()
    staff.force_login(make_staff())
    assert "Fresh for staff" in staff.get(article.get_absolute_url()).content.decode()


def test_pages_rendered_for_signed_in_staff_never_enter_the_cache(client):
    """What staff are served is never stored for the public."""
    article = make_article(body="Original text.")
    staff = Client()
    staff.force_login(make_staff())
    staff.get(article.get_absolute_url())
    staff.get(article.get_absolute_url())
    _sneak_in(article, "Rendered for the reader")
    assert "Rendered for the reader" in client.get(article.get_absolute_url()).content.decode()


def test_a_signed_in_users_response_is_not_stored_even_without_a_cookie():
    """Belt and braces: if a response was built for an authenticated user,
    it is not stored, however the request got through."""
    user = make_staff()
    request = RequestFactory().get("/")
    request.user = user
    middleware = PublicPageCacheMiddleware(lambda r: HttpResponse("personal"))
    middleware(request)
    anonymous = RequestFactory().get("/")
    fresh = PublicPageCacheMiddleware(lambda r: HttpResponse("public"))(anonymous)
    assert fresh.content == b"public"


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/login/",
        "/markdownx/markdownify/",
        "/markdownx/upload/",
        "/healthz",
        "/static/css/site.css",
        "/media/uploads/x.png",
    ],
)
def test_non_public_paths_are_never_cached(path):
    """Only public pages are cached: never the admin, markdownx, the health
    check, static or media files."""
    assert not is_cacheable_request(RequestFactory().get(path))


def test_the_health_check_is_never_served_from_the_cache(client):
    """/healthz always checks for real."""
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz")["Cache-Control"].startswith("max-age=0")
    stored = [key for key in cache._cache if ":page:" in key]
    assert stored == []


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (HttpResponse("x", status=404), "not a 200"),
        (HttpResponse("x", headers={"Cache-Control": "private"}), "private"),
        (HttpResponse("x", headers={"Cache-Control": "no-store"}), "no-store"),
        (HttpResponse("x", headers={"Cache-Control": "max-age=0, no-cache"}), "no-cache"),
    ],
)
def test_responses_that_must_not_be_shared_are_not_stored(response, reason):
    """Only plain 200 responses without private cache directives are stored."""
    calls = []

    def view(request):
        calls.append(request)
        return response

    middleware = PublicPageCacheMiddleware(view)
    middleware(RequestFactory().get("/"))
    middleware(RequestFactory().get("/"))
    assert len(calls) == 2, reason


def test_responses_that_set_a_cookie_are_not_stored():
    """A response that sets a cookie (a CSRF token, say) is personal."""
    calls = []

    def view(request):
        calls.append(request)
        response = HttpResponse("x")
        response.set_cookie("csrftoken", "abc")
        return response

    middleware = PublicPageCacheMiddleware(view)
    middleware(RequestFactory().get("/"))
    middleware(RequestFactory().get("/"))
    assert len(calls) == 2


def test_only_known_query_parameters_are_cached(client):
    """?page=, ?q= (search) and ?p= (sitemap sections) select public pages;
    any other query string is served uncached."""
    assert is_cacheable_request(RequestFactory().get("/?page=2"))
    assert is_cacheable_request(RequestFactory().get("/search/?q=sleep&page=2"))
    assert is_cacheable_request(RequestFactory().get("/sitemap-articles.xml?p=2"))
    assert not is_cacheable_request(RequestFactory().get("/?utm=1"))
    assert not is_cacheable_request(RequestFactory().get("/search/?q=a&x=1"))


def test_a_head_request_is_answered_from_the_cache_without_a_body(client):
    """HEAD gets the cached page's status and headers and no body."""
    article = make_article()
    client.get(article.get_absolute_url())
    _sneak_in(article, "Changed")
    response = client.head(article.get_absolute_url())
    assert response.status_code == 200
    assert response.content == b""
    assert response["Content-Type"].startswith("text/html")


def test_a_cache_hit_still_refuses_a_host_that_is_not_allowed(client):
    """The Host header is validated before a cached page is returned."""
    article = make_article()
    client.get(article.get_absolute_url())
    assert client.get(article.get_absolute_url(), HTTP_HOST="evil.example").status_code == 400


def test_a_missing_generation_is_recreated_later_than_every_earlier_one():
    """After eviction the new generation is a fresh time_ns(), so it can
    never collide with keys from before."""
    first = publication_generation()
    cache.delete(GENERATION_KEY)
    second = publication_generation()
    assert second > first
    assert cache.get(GENERATION_KEY) == second


def test_a_new_generation_is_later_than_the_current_one():
    """publish_elsewhere() always moves forwards."""
    before = publication_generation()
    publish_elsewhere()
    assert publication_generation() > before


def test_readers_still_get_pages_when_the_cache_is_down(client):
    """A cache outage (Redis unreachable) degrades to uncached rendering,
    never to an error page."""
    article = make_article(body="Still readable.")
    with mock.patch("django.core.cache.cache.get_many", side_effect=ConnectionError("down")):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "Still readable." in response.content.decode()


def test_readers_still_get_pages_when_storing_fails(client):
    """A failing cache write does not break the page either."""
    article = make_article(body="Still readable.")
    with mock.patch("django.core.cache.cache.set", side_effect=ConnectionError("down")):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200


def test_a_page_cache_miss_reuses_a_rendered_page_whose_data_did_not_change(
    client, django_assert_num_queries
):
    """The second tier: after a publish elsewhere clears the page cache, an
    unchanged guide costs one query and no render."""
    article = make_article(body="Original text.")
    client.get(article.get_absolute_url())
    publish_elsewhere()
    with django_assert_num_queries(1):
        response = client.get(article.get_absolute_url())
    assert "Original text." in response.content.decode()


def test_a_page_cache_lifetime_of_zero_renders_every_request_afresh(
    client, settings, django_assert_num_queries
):
    """DJANGO_PAGE_CACHE_SECONDS=0 turns off the rendered-page tier too: the
    second request runs the whole page's queries and sees a changed text."""
    settings.PAGE_CACHE_SECONDS = 0
    article = make_article(body="Original text.")
    client.get(article.get_absolute_url())
    # The page's validators stay the same, so only a render can show this.
    Article.objects.filter(pk=article.pk).update(live_body_html="<p>Changed with no cache</p>")
    # 3 since issue 11: the reviewer is read from the article's live copy
    # (recorded with the approval), no longer joined from the profile.
    with django_assert_num_queries(3):
        response = client.get(article.get_absolute_url())
    assert "Changed with no cache" in response.content.decode()


def test_a_reviewers_new_name_reaches_pages_only_with_their_next_review(
    client, django_capture_on_commit_callbacks
):
    """Changed by issue 11: "Reviewed by" is the name recorded with the
    approval, so editing a profile changes no published page; the new name
    appears with the reviewer's next approval."""
    clinician = make_clinician("cl")
    article = make_article(reviewer=clinician)
    assert "Dr Cl" in client.get(article.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        profile = clinician.reviewer_profile
        profile.display_name = "Dr Renamed"
        workflow.save_reviewer_profile(profile=profile, user=clinician)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Dr Cl" in html
    assert "Dr Renamed" not in html
    with django_capture_on_commit_callbacks(execute=True):
        publish(article, body="A corrected text.", reviewer=clinician)
    assert "Dr Renamed" in client.get(article.get_absolute_url()).content.decode()
