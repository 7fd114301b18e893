from __future__ import annotations

import re
import subprocess
from html import unescape
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/browser/ is a browser test (``make check`` leaves
    them out); marking by folder means a new browser test cannot be missed."""
    for item in items:
        if item.path.is_relative_to(BROWSER_TESTS):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _processes_need_the_slow_marker(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A test that starts a process (a server, a fresh interpreter, Java) must
    be marked ``slow`` (or ``browser``), so ``make check`` stays fast and
    in-process. Any other test that starts one fails here, naming the marker."""
    if request.node.get_closest_marker("slow") or request.node.get_closest_marker("browser"):
        return

    def refuse(self: subprocess.Popen, args: object, *rest: object, **kwargs: object) -> None:
        pytest.fail(
            f"{request.node.nodeid} starts a process ({args!r}): mark it @pytest.mark.slow",
            pytrace=False,
        )

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)


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


_ARTICLE_LIST = re.compile(r'<ul class="article-list">(.*?)</ul>', re.S)
_ITEM_LINK = re.compile(r'<li>\s*<h2><a href="([^"]+)">')


def listed_article_urls(html: str) -> list[str]:
    """The guide URLs of a page's article list, in order (one per ``<li>``).

    Drafts have an empty ``live_title``, so "title not in the page" passes even
    when a draft is listed; the list's links show what was really listed."""
    lists = _ARTICLE_LIST.findall(html)
    assert len(lists) == 1, "expected exactly one article list on the page"
    return _ITEM_LINK.findall(lists[0])


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the page cache must never carry
    a page from one test's database into the next."""
    from django.core.cache import cache

    from pagecache import store

    cache.clear()
    store._local.clear()  # the process's own copy of pages (pagecache.store._LocalPages)
    yield
    cache.clear()
    store._local.clear()


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
