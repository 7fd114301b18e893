from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from articles import workflow
from articles.models import Topic
from tests.factories import (
    approve,
    approve_topic,
    edit,
    make_article,
    make_clinician,
    make_editor,
    make_staff,
    make_topic,
    publish,
    publish_elsewhere,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    topic = make_topic(name="Anxiety", slug="anxiety")
    return publish(make_article(title="Calm", slug="calm"), topics=[topic])


PAGES = ["/", "/topics/", "/topics/anxiety/", "/articles/calm/"]


@pytest.mark.parametrize("url", PAGES)
def test_pages_send_etag_and_last_modified(client, site, url):
    """Article, list and topic pages carry both validators."""
    response = client.get(url)
    assert response.status_code == 200
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"].endswith("GMT")


@pytest.mark.parametrize("url", PAGES)
def test_a_conditional_get_with_the_etag_returns_304(client, site, url):
    """A reader's browser or a CDN revalidates without downloading the page."""
    etag = client.get(url)["ETag"]
    response = client.get(url, headers={"if-none-match": etag})
    assert response.status_code == 304
    assert response.content == b""


@pytest.mark.parametrize("url", PAGES)
def test_a_conditional_get_with_the_date_returns_304(client, site, url):
    """If-Modified-Since works as well as If-None-Match."""
    last_modified = client.get(url)["Last-Modified"]
    assert client.get(url, headers={"if-modified-since": last_modified}).status_code == 304


def test_a_304_costs_one_query_on_a_page_cache_miss(client, site, django_assert_num_queries):
    """The validators come from one cheap query before the page is built."""
    etag = client.get("/articles/calm/")["ETag"]
    publish_elsewhere()
    with django_assert_num_queries(1):
        assert client.get("/articles/calm/", headers={"if-none-match": etag}).status_code == 304


def test_a_304_from_the_page_cache_costs_no_query(client, site, django_assert_num_queries):
    etag = client.get("/articles/calm/")["ETag"]
    with django_assert_num_queries(0):
        response = client.get("/articles/calm/", headers={"if-none-match": etag})
    assert response.status_code == 304
    assert response["ETag"] == etag


@pytest.mark.parametrize("url", PAGES)
def test_headers_change_as_soon_as_a_new_version_is_published(
    client, site, url, django_capture_on_commit_callbacks
):
    """Approving a new version changes the ETag, so the old one gets the new page."""
    before = client.get(url)["ETag"]
    editor = make_editor()
    with django_capture_on_commit_callbacks(execute=True):
        edit(site, editor, title="Calm and rest")
        workflow.submit(article=site, user=editor)
        approve(site, make_clinician())
    response = client.get(url, headers={"if-none-match": before})
    assert response.status_code == 200
    assert response["ETag"] != before
    if url != "/topics/":  # the topic list shows topics, not guide titles
        assert "Calm and rest" in response.content.decode()


def test_the_list_changes_when_a_guide_is_archived(
    client, site, django_capture_on_commit_callbacks
):
    """Removing a guide from the public site changes the list's ETag."""
    make_article(title="Another")
    before = client.get("/")["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        workflow.archive(article=site, user=make_staff(superuser=True))
    response = client.get("/", headers={"if-none-match": before})
    assert response.status_code == 200
    assert "Calm" not in response.content.decode()


def test_renaming_a_topic_changes_the_article_etag(
    client, site, django_capture_on_commit_callbacks
):
    """The topic links on a guide come from the topic, so they count too."""
    before = client.get("/articles/calm/")["ETag"]
    editor = make_editor()
    with django_capture_on_commit_callbacks(execute=True):
        topic = Topic.objects.get(slug="anxiety")
        topic.name = "Worry"
        workflow.save_topic(topic=topic, user=editor, expected_version=topic.lock_version)
    # Changed by issue 11: a topic's new name is public only once approved.
    assert client.get("/articles/calm/", headers={"if-none-match": before}).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        approve_topic(topic, make_clinician())
    assert client.get("/articles/calm/", headers={"if-none-match": before}).status_code == 200


def test_an_archived_guide_is_gone_even_for_a_cached_etag(
    client, site, django_capture_on_commit_callbacks
):
    """A conditional GET never resurrects a page that is no longer public."""
    etag = client.get("/articles/calm/")["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        workflow.archive(article=site, user=make_staff(superuser=True))
    assert client.get("/articles/calm/", headers={"if-none-match": etag}).status_code == 404


@pytest.mark.parametrize("url", ["/", "/topics/", "/topics/anxiety/"])
def test_if_modified_since_alone_notices_an_archived_guide(
    client, site, url, django_capture_on_commit_callbacks
):
    """Last-Modified only moves forward, so archiving an older guide is not a 304."""
    publish(make_article(title="Newer"), topics=[Topic.objects.get(slug="anxiety")])
    last_modified = client.get(url)["Last-Modified"]
    with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            workflow.archive(article=site, user=make_staff(superuser=True))
        response = client.get(url, headers={"if-modified-since": last_modified})
    assert response.status_code == 200
    assert response["Last-Modified"] != last_modified
