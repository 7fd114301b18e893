"""The page cache's two tiers, both in the shared cache (Redis, or a
directory on one machine), each process's copy of the pages it served last
(:class:`_LocalPages`), and their invalidation.

1. *Pages* (:func:`lookup_page`, :func:`store_page`, used by the
   middleware): the final response for a URL, tagged with the *generation*
   it was stored under. Every public change stores a new generation, so
   every page on every instance misses at once.
2. *Rendered pages* (:func:`conditional_page`, used by the public views):
   under the page's own validators (its ``ETag``), so after a publish only
   the pages whose data changed are built again; the others cost the view's
   one validator query. Tagged with the *render epoch*, which moves only for
   changes that pages show outside their validators.

Both key on the URL as Django sees it (scheme, host, path and query) and
the release (templates, static manifest, settings shown on pages), and
expire after ``PAGE_CACHE_SECONDS``. Generations and epochs are
``time.time_ns()`` values: one recreated after eviction is later than every
earlier one, so an old page can never match again.

Every cache call goes through one circuit breaker (short timeouts are set
in settings), and a failed invalidation is retried until it succeeds, with
:func:`health_problems` reporting it meanwhile.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag

from pagecache import rules
from pagecache.breaker import CacheUnavailableError, CircuitBreaker

logger = logging.getLogger(__name__)
T = TypeVar("T")

GENERATION_KEY = "pagecache:generation"
EPOCH_KEY = "pagecache:render-epoch"


# The shared cache, behind the breaker ------------------------------------------


@functools.cache
def breaker() -> CircuitBreaker:
    return CircuitBreaker(
        threshold=settings.CACHE_BREAKER_FAILURES, open_seconds=settings.CACHE_BREAKER_SECONDS
    )


def guarded_cache(operation: Callable[[Any], T]) -> T:
    """``operation(cache)`` on the page cache's cache, through the breaker.
    Raises :class:`CacheUnavailableError` when the cache fails or failed just now."""
    cache = caches[settings.PAGE_CACHE_ALIAS]
    return breaker().call(lambda: operation(cache))


def _current(key: str) -> int:
    """The value of a generation key, created if it is missing. add() does
    nothing if another instance got there first; read back whichever value
    won, so every instance agrees."""

    def read(cache: Any) -> int:
        value = cache.get(key)
        if value is None:
            cache.add(key, time.time_ns(), timeout=None)
            value = cache.get(key)
        return int(value)

    return guarded_cache(read)


def publication_generation() -> int:
    """The current generation of tier 1 (created if missing)."""
    return _current(GENERATION_KEY)


# Invalidation, retried until it succeeds -----------------------------------------

_pending: set[str] = set()
_pending_lock = threading.Lock()
_retry_timer: threading.Timer | None = None
_RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 5.0)


def invalidate_after_public_change(sender: object = None, *, pages_validated: bool = False,
                                   **kwargs: object) -> None:  # fmt: skip
    """Receiver of the public-change signal: every cached page goes; rendered
    pages go too unless ``pages_validated`` (the change moved the validators
    of every page that shows it, so tier 2 misses for those pages alone)."""
    _local.forget_generation()  # this process sees its own change at once
    keys = {GENERATION_KEY} if pages_validated else {GENERATION_KEY, EPOCH_KEY}
    with _pending_lock:
        _pending.update(keys)
    retry_pending_invalidation()


def retry_pending_invalidation(attempt: int = 0) -> bool:
    """Store new generations for every pending key. True when nothing is
    left pending; otherwise a retry is scheduled (and /healthz fails)."""
    global _retry_timer
    with _pending_lock:
        keys = set(_pending)
    if not keys:
        return True
    now = time.time_ns()
    try:
        guarded_cache(lambda cache: cache.set_many(dict.fromkeys(keys, now), timeout=None))
    except CacheUnavailableError as error:
        logger.warning("Page cache invalidation failed (%s); will retry", error)
        delay = _RETRY_DELAYS[min(attempt, len(_RETRY_DELAYS) - 1)]
        with _pending_lock:
            if _retry_timer is None or not _retry_timer.is_alive():
                _retry_timer = threading.Timer(delay, _retry_later, args=(attempt + 1,))
                _retry_timer.daemon = True
                _retry_timer.start()
        return False
    with _pending_lock:
        _pending.difference_update(keys)
        done = not _pending
    if attempt:
        logger.info("Page cache invalidation succeeded after %d retries", attempt)
    return done


def _retry_later(attempt: int) -> None:
    global _retry_timer
    with _pending_lock:
        _retry_timer = None
    retry_pending_invalidation(attempt)


def has_pending_invalidation() -> bool:
    return bool(_pending)


@atexit.register
def _last_try() -> None:
    # A command (loaddata, a workflow step from the shell) may exit before
    # its timer fires; try once more on the way out.
    if _pending:
        retry_pending_invalidation(attempt=len(_RETRY_DELAYS))


def health_problems() -> list[str]:
    """What /healthz must report about the page cache, without any I/O."""
    problems = []
    if breaker().is_open:
        problems.append("cache circuit open: the cache failed recently")
    if _pending:
        problems.append("a page cache invalidation has not reached the cache yet")
    return problems


# Release ----------------------------------------------------------------------


@functools.cache
def release() -> str:
    """What, besides the data, decides a page's HTML: the templates, the
    static manifest and the settings that templates show. A deploy that
    changes any of them starts a fresh set of cached pages."""
    digest = hashlib.sha256()
    for directory in (Path(d) for t in settings.TEMPLATES for d in t["DIRS"]):
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                digest.update(path.read_bytes())
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file():
        digest.update(manifest.read_bytes())
    for name in ("URGENT_HELP", "SITE_NAME", "LANGUAGE_CODE", "TIME_ZONE"):
        digest.update(repr(getattr(settings, name, None)).encode())
    return digest.hexdigest()[:16]


def _key(kind: str, request: HttpRequest, *extra: str, query: str | None = None) -> str:
    """The URL as Django sees it: request.scheme honours
    SECURE_PROXY_SSL_HEADER, and get_host() validates the Host header against
    ALLOWED_HOSTS, so a hit is refused exactly like a miss would be. The
    query is the request's own unless ``query`` is given."""
    path = request.get_full_path() if query is None else f"{request.path}?{query}"
    url = f"{request.scheme}://{request.get_host()}{path}"
    material = "|".join([release(), url, *extra])
    return f"pagecache:{kind}:" + hashlib.sha256(material.encode()).hexdigest()


@dataclass(frozen=True)
class StoredPage:
    status: int
    content: bytes
    headers: tuple[tuple[str, str], ...]

    @classmethod
    def from_response(cls, response: HttpResponse) -> StoredPage:
        return cls(response.status_code, response.content, tuple(response.headers.items()))

    def to_response(self, *, head: bool) -> HttpResponse:
        response = HttpResponse(b"" if head else self.content, status=self.status)
        for name, value in self.headers:
            response.headers[name] = value
        return response


# Tier 1: pages ----------------------------------------------------------------


class _LocalPages:
    """This process's copy of the pages it served last, and of the
    generation, read from the shared cache at most every
    ``PAGE_CACHE_LOCAL_SECONDS`` (default 0.1 s).

    Measured (bench/RESULTS.md, 2026-11-30): a hit read two entries from the
    shared cache (the generation and the page), which held the app alone at
    0.65-0.71x the whitenoise ceiling. With this copy a hit within the
    interval costs no cache I/O. Another instance's publish reaches this one
    within the interval (well inside the 1 s the site promises); this
    process's own publish reaches it at once (``forget_generation``). At most
    ``PAGE_CACHE_LOCAL_ENTRIES`` pages (default 200, about 3 MB) are kept;
    0 turns the copy off."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # key -> (generation, page, when it expires: time.time(), as the cache's timeouts)
        self._pages: OrderedDict[str, tuple[int, StoredPage, float]] = OrderedDict()
        self._generation: tuple[int, float] | None = None

    def generation(self) -> int | None:
        """The generation read less than the interval ago, or None."""
        seen = self._generation
        if seen is None or time.monotonic() - seen[1] >= settings.PAGE_CACHE_LOCAL_SECONDS:
            return None
        return seen[0]

    def remember_generation(self, generation: int) -> None:
        self._generation = (generation, time.monotonic())

    def forget_generation(self) -> None:
        self._generation = None

    def page(self, key: str, generation: int) -> StoredPage | None:
        with self._lock:
            entry = self._pages.get(key)
            if entry is None or entry[0] != generation:
                return None
            if time.time() >= entry[2]:  # never older than PAGE_CACHE_SECONDS, as in the cache
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return entry[1]

    def keep(self, key: str, generation: int, page: StoredPage, *, expires: float) -> None:
        """Keep ``page`` under ``generation`` until ``expires`` (time.time())."""
        limit = settings.PAGE_CACHE_LOCAL_ENTRIES
        if limit <= 0:
            return
        with self._lock:
            self._pages[key] = (generation, page, expires)
            self._pages.move_to_end(key)
            while len(self._pages) > limit:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._generation = None


_local = _LocalPages()


def lookup_page(request: HttpRequest) -> tuple[int, StoredPage | None]:
    """The current generation and, if one was stored under it, the page:
    from this process's copy when its generation is fresh (no I/O), else
    one cache round trip (MGET on Redis). Raises CacheUnavailableError."""
    key = _key("page", request)
    generation = _local.generation()
    if generation is not None:
        page = _local.page(key, generation)
        if page is not None:
            return generation, page
    found = guarded_cache(lambda cache: cache.get_many([GENERATION_KEY, key]))
    generation = found.get(GENERATION_KEY)
    if generation is None:
        generation = publication_generation()
    _local.remember_generation(generation)
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        # Kept here only until the shared entry itself expires (its third
        # item), so no copy outlives PAGE_CACHE_SECONDS.
        if len(entry) > 2:
            _local.keep(key, generation, entry[1], expires=entry[2])
        return generation, entry[1]
    return generation, None


def store_page(request: HttpRequest, generation: int, response: HttpResponse) -> None:
    """Keep a storable response for ``PAGE_CACHE_SECONDS``. Raises CacheUnavailableError."""
    expires = time.time() + settings.PAGE_CACHE_SECONDS
    entry = (generation, StoredPage.from_response(response), expires)
    key = _key("page", request)
    guarded_cache(lambda cache: cache.set(key, entry, settings.PAGE_CACHE_SECONDS))
    _local.keep(key, generation, entry[1], expires=expires)


# Tier 2: rendered pages under their validators -------------------------------------


def conditional_page(
    request: HttpRequest, *, tag: str, last_modified: datetime | None,
    build: Callable[[], HttpResponse],
) -> HttpResponse:  # fmt: skip
    """A public page with ``ETag`` and ``Last-Modified``, answered with 304
    when the reader's copy is current, else reused from tier 2 or built.

    ``tag`` describes the page's public data (the view's one validator
    query) and ``last_modified`` is when that data last changed: validators
    come from public data alone, so they move when it does and never with a
    draft or the state of the cache. If the cache is unavailable the page is
    built.
    """
    # A query string with other parameters is not kept in tier 1, but its
    # page is the one rendered for the parameters that matter.
    shared = (
        settings.PAGE_CACHE_SECONDS > 0
        and rules.is_shareable_request(request)
        and not request.user.is_authenticated
    )
    etag = quote_etag(hashlib.sha256(tag.encode()).hexdigest()[:32])
    timestamp = int(last_modified.timestamp()) if last_modified else None
    response = get_conditional_response(request, etag=etag, last_modified=timestamp)
    if response is None:
        key = _key("render", request, tag, query=rules.page_query(request))
        found, epoch = {}, None
        if shared:
            try:
                found = guarded_cache(lambda cache: cache.get_many([EPOCH_KEY, key]))
                epoch = found.get(EPOCH_KEY) or _current(EPOCH_KEY)
            except CacheUnavailableError:
                found, epoch = {}, None
        entry = found.get(key)
        if entry is not None and entry[0] == epoch:
            response = entry[1].to_response(head=False)
        else:
            response = build()
            if hasattr(response, "render"):
                response.render()
            if epoch is not None and rules.is_storable_response(request, response):
                stored = (epoch, StoredPage.from_response(response))
                try:
                    guarded_cache(lambda cache: cache.set(key, stored,
                                                          settings.PAGE_CACHE_SECONDS))  # fmt: skip
                except CacheUnavailableError:
                    logger.warning("Page cache unavailable; rendered page not stored")
    response.headers.setdefault("ETag", etag)
    if timestamp is not None:
        response.headers.setdefault("Last-Modified", http_date(timestamp))
    return response
