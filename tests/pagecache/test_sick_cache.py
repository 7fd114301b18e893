"""A sick cache costs readers a fraction of a second, never the site (issue
18, item 3). Redis is replaced by a listener that accepts connections and
never answers (hung), or by a port nobody listens on (refused), with the
production cache settings (healthsite.settings.redis_cache)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

# Django's Redis backend imports redis-py on first use, once per process
# (gunicorn's master does it before forking, healthsite/wsgi.py); import it
# here so that one-off cost is not counted against the sick cache.
import redis  # noqa: F401
from django.test import Client

from healthsite.settings import redis_cache
from pagecache.breaker import CacheUnavailableError, CircuitBreaker
from tests.factories import make_article

pytestmark = pytest.mark.django_db

# What "a fraction of a second" means here: a page normally takes a few ms.
PAGE_BUDGET_SECONDS = 0.5


@pytest.fixture
def hung_redis() -> Iterator[str]:
    """A TCP listener that accepts every connection and never sends a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.05)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


@pytest.fixture
def refused_redis() -> str:
    """A port that was free a moment ago: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture(params=["hung", "refused"])
def sicken(request, settings):
    """Call it to make the cache sick: Redis at a hung or refused address."""
    url = request.getfixturevalue(f"{request.param}_redis")

    def sicken() -> None:
        settings.CACHES = {"default": redis_cache(url, "sick-cache-test")}

    return sicken


def _timed_get(client: Client, url: str) -> tuple[int, float]:
    started = time.perf_counter()
    response = client.get(url)
    return response.status_code, time.perf_counter() - started


def test_every_page_answers_within_a_fraction_of_a_second_when_the_cache_is_sick(client, sicken):
    """Fault: with Redis accepting but not answering, a guide took 15 s.
    Each request is served, uncached, within the budget: the first pays at
    most a couple of 100 ms timeouts, then the circuit breaker fails fast."""
    article = make_article(body="Readable with a sick cache.")
    urls = [article.get_absolute_url(), "/", "/topics/", "/feed/", "/search/?q=readable"]
    for url in urls:  # the process's first requests load templates and URLs
        client.get(url)
    sicken()
    timings = []
    for url in urls * 2:
        status, seconds = _timed_get(client, url)
        assert status == 200, url
        timings.append((url, round(seconds, 3)))
    assert max(seconds for _, seconds in timings) < PAGE_BUDGET_SECONDS, timings
    assert "Readable with a sick cache." in client.get(article.get_absolute_url()).content.decode()


def test_healthz_reports_a_sick_cache_at_once(client, sicken):
    """Fault: /healthz took 5 s on a hung Redis. It answers 503 within the
    budget, and at once (no network wait) while the breaker is open."""
    assert client.get("/healthz").status_code == 200
    sicken()
    for _ in range(2):  # DJANGO_CACHE_BREAKER_FAILURES
        status, seconds = _timed_get(client, "/healthz")
        assert status == 503
        assert seconds < PAGE_BUDGET_SECONDS
    status, seconds = _timed_get(client, "/healthz")
    assert status == 503
    assert seconds < 0.05


def test_a_publish_with_a_sick_cache_commits_and_is_retried(
    client, sicken, django_capture_on_commit_callbacks
):
    """The approval is committed and shown (pages are built uncached); the
    invalidation waits for the cache and /healthz says so."""
    from pagecache.store import has_pending_invalidation

    sicken()
    with django_capture_on_commit_callbacks(execute=True):
        article = make_article(body="Published while the cache was sick.")
    assert has_pending_invalidation()
    assert (
        "Published while the cache was sick."
        in client.get(article.get_absolute_url()).content.decode()
    )
    assert client.get("/healthz").status_code == 503


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _fail() -> None:
    raise ConnectionError("down")


def test_the_breaker_opens_after_the_threshold_and_fails_fast():
    clock = _Clock()
    breaker = CircuitBreaker(threshold=2, open_seconds=5, clock=clock)
    calls = []

    def failing() -> None:
        calls.append(1)
        _fail()

    for _ in range(2):
        with pytest.raises(CacheUnavailableError):
            breaker.call(failing)
    assert breaker.is_open
    with pytest.raises(CacheUnavailableError):
        breaker.call(failing)
    assert len(calls) == 2  # the third call never reached the cache


def test_the_breaker_tries_again_after_its_wait_and_closes_on_success():
    clock = _Clock()
    breaker = CircuitBreaker(threshold=1, open_seconds=5, clock=clock)
    with pytest.raises(CacheUnavailableError):
        breaker.call(_fail)
    clock.now = 4.9
    assert breaker.is_open
    clock.now = 5.0
    assert not breaker.is_open
    assert breaker.call(lambda: "ok") == "ok"
    assert breaker.failures == 0


def test_a_failed_retry_opens_the_breaker_again():
    clock = _Clock()
    breaker = CircuitBreaker(threshold=1, open_seconds=5, clock=clock)
    with pytest.raises(CacheUnavailableError):
        breaker.call(_fail)
    clock.now = 5.0
    with pytest.raises(CacheUnavailableError):
        breaker.call(_fail)
    assert breaker.is_open
