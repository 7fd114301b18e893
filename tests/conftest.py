from __future__ import annotations

import re
from html import unescape
from io import StringIO

import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def roles(request: pytest.FixtureRequest) -> None:
    """Transactional tests (browser, backup) flush the database, and with it
    the groups made by the roles migration; put them back for every test."""
    if not ({"db", "transactional_db", "live_server"} & set(request.fixturenames)) and not (
        request.node.get_closest_marker("django_db")
    ):
        return
    from django.contrib.auth.models import Group

    from articles.roles import ROLES, ensure_roles

    request.getfixturevalue("_django_db_helper")
    if Group.objects.filter(name__in=ROLES).count() != len(ROLES):
        ensure_roles()


@pytest.fixture
def guides(db):
    """The seed guides, live, as ``make run`` makes them: loaded as content,
    then approved in the workflow by the demonstration reviewer."""
    call_command("seed_demo", stdout=StringIO())


def visible_text(html: str) -> str:
    """Page text with tags removed and whitespace collapsed, as a reader sees it."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\s+", " ", unescape(text))
    return re.sub(r" ([.,:;?!])", r"\1", text)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the page cache must never carry
    a page from one test's database into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _healthy_page_cache():
    """Each test starts with the page cache's circuit closed and no
    invalidation waiting (both are per-process state)."""
    from pagecache import store

    def reset():
        store.breaker().reset()
        with store._pending_lock:
            store._pending.clear()
            if store._retry_timer is not None:
                store._retry_timer.cancel()

    reset()
    yield
    reset()
