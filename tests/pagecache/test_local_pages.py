"""pagecache.store._LocalPages: each process's copy of the pages it served
last. A hit within PAGE_CACHE_LOCAL_SECONDS costs no shared-cache call;
another instance's publish arrives within that interval; this process's own
publish at once; never older than PAGE_CACHE_SECONDS; bounded in size."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import caches
from django.http import HttpResponse
from django.test import RequestFactory

from pagecache import store

pytestmark = pytest.mark.django_db


class Clock:
    """Stands in for time.monotonic and time.time in pagecache.store."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _local_copy_on(settings):
    """On as in production (tests/settings.py turns it off elsewhere)."""
    settings.PAGE_CACHE_LOCAL_ENTRIES = 200


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(store.time, "monotonic", fake)
    monkeypatch.setattr(store.time, "time", fake)
    return fake


def _request(path: str = "/articles/calm/"):
    return RequestFactory().get(path)


def _stored(path: str, text: str) -> int:
    generation, page = store.lookup_page(_request(path))
    assert page is None
    store.store_page(_request(path), generation, HttpResponse(text))
    return generation


def _shared_calls():
    cache = caches["default"]
    return mock.patch.object(cache, "get_many", wraps=cache.get_many)


def test_a_hit_within_the_interval_makes_no_shared_cache_call(clock, settings):
    _stored("/articles/calm/", "Calm.")
    with _shared_calls() as get_many:
        _, page = store.lookup_page(_request())
    assert page.content == b"Calm."
    assert get_many.call_count == 0
    clock.now += settings.PAGE_CACHE_LOCAL_SECONDS
    with _shared_calls() as get_many:
        _, page = store.lookup_page(_request())
    assert page.content == b"Calm."
    assert get_many.call_count == 1  # the generation is read again, once an interval


def test_another_instances_publish_arrives_within_the_interval(clock, settings):
    generation = _stored("/articles/calm/", "Old text.")
    # Another instance publishes: a new generation in the shared cache, and
    # no signal in this process.
    caches["default"].set(store.GENERATION_KEY, generation + 1, timeout=None)
    _, page = store.lookup_page(_request())
    assert page is not None  # within the interval: this process's copy
    clock.now += settings.PAGE_CACHE_LOCAL_SECONDS
    new_generation, page = store.lookup_page(_request())
    assert page is None
    assert new_generation == generation + 1


def test_this_processs_own_publish_is_seen_at_once(clock):
    _stored("/articles/calm/", "Old text.")
    store.invalidate_after_public_change(pages_validated=True)
    _, page = store.lookup_page(_request())
    assert page is None


def test_no_copy_outlives_the_page_cache_lifetime(clock, settings):
    _stored("/articles/calm/", "Old text.")
    clock.now += settings.PAGE_CACHE_SECONDS
    with _shared_calls():
        caches["default"].clear()  # the shared entry has expired as well
        _, page = store.lookup_page(_request())
    assert page is None


@pytest.mark.parametrize("entries", [0, 2])
def test_the_copy_holds_at_most_the_configured_number_of_pages(clock, settings, entries):
    settings.PAGE_CACHE_LOCAL_ENTRIES = entries
    for path in ("/a/", "/b/", "/c/"):
        _stored(path, path)
    kept = [path for path in ("/a/", "/b/", "/c/")
            if store._local.page(store._key("page", _request(path)),
                                 store._local.generation() or 0) is not None]  # fmt: skip
    assert kept == (["/b/", "/c/"] if entries else [])
