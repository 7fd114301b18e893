"""
The anonymous full-page cache, shared by every instance through the cache
backend (Redis in production).

Every stored page is tagged with the site-wide *publication generation* it
was rendered under. Publishing, archiving or unpublishing a version calls
:func:`invalidate_public_pages`, which stores a new generation; from then on
a page tagged with an older one is a miss on every instance, is rendered
afresh and overwrites the stale entry. Any fragment cache for public
content should put :func:`publication_generation` into its key.

The generation is a tag inside the entry rather than part of its key so a
hit costs one cache round trip (``get_many`` of the generation and the
page, a single MGET on Redis) instead of two.

Generations are ``time.time_ns()`` values. If the token is evicted or the
cache is flushed, the next reader creates a fresh one, which is later than
every earlier one and so can never bring an old page back.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase

logger = logging.getLogger(__name__)

GENERATION_KEY = "public:generation"
# Set in the WSGI environ by the page-cache middleware when a response may
# be kept by the in-process tier (articles.wsgi), with the generation it
# belongs to.
LOCAL_STORE_FLAG = "healthsite.page_cache.generation"
RENDER_EPOCH_KEY = "public:render-epoch"
# Only these query parameters can change a public page (list and topic
# pages, search, sitemap sections); any other query string is served
# uncached. Search terms can vary without end, so the cache's own size limit
# (MAX_ENTRIES on disk, maxmemory in Redis) bounds what junk queries can fill.
CACHEABLE_QUERY_PARAMETERS = frozenset({"page", "q", "p"})
_UNCACHEABLE_DIRECTIVES = frozenset({"private", "no-store", "no-cache"})


def publication_generation() -> int:
    """The current generation, created if it is missing."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # add() does nothing if another instance got there first; read back
        # whichever value won so that every instance agrees.
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        generation = cache.get(GENERATION_KEY)
    return int(generation)


def invalidate_public_pages() -> None:
    """Drop every cached public page on every instance. Call it through
    ``transaction.on_commit(invalidate_public_pages, robust=True)`` whenever
    a version is published, archived or unpublished, so no instance can
    cache the old text again, and a cache outage cannot turn an already
    committed publish into an error page."""
    cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def invalidate_rendered_pages() -> None:
    """Drop both tiers: cached pages and rendered pages. For changes that a
    page's validators do not capture (a reviewer's public name, a topic or
    source edited on its own)."""
    cache.set(RENDER_EPOCH_KEY, time.time_ns(), timeout=None)
    invalidate_public_pages()


@functools.cache
def release() -> str:
    """What, besides the data, decides a page's HTML: the templates, the
    static manifest and the settings that templates show. A deploy that
    changes any of them starts a fresh set of rendered pages."""
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


# Rendered pages this process served recently: key -> (epoch, page). Entries
# are immutable (the key holds the page's validators), so only the epoch
# needs checking against the shared cache.
_rendered_here: OrderedDict[str, tuple[int, StoredPage]] = OrderedDict()
_rendered_here_lock = threading.Lock()
_RENDERED_HERE_MAX = 500


def rendered_page(validator: str, build: Callable[[], HttpResponse]) -> HttpResponse:
    """The second tier, under the page cache: a page rendered for anonymous
    readers, stored under its own validator (the ETag, which changes with the
    page's live data). A publish clears the first tier for every page, but
    here only the pages whose data changed miss, so the rest come back after
    one cheap query instead of a full render."""
    if settings.PAGE_CACHE_SECONDS <= 0:
        # DJANGO_PAGE_CACHE_SECONDS=0 promises no cached pages at all.
        return build()
    key = "render:" + hashlib.sha256(f"{release()}|{validator}".encode()).hexdigest()
    try:
        epoch = cache.get(RENDER_EPOCH_KEY)
        if epoch is None:
            cache.add(RENDER_EPOCH_KEY, time.time_ns(), timeout=None)
            epoch = cache.get(RENDER_EPOCH_KEY)
        with _rendered_here_lock:
            entry = _rendered_here.get(key)
        entry = entry or cache.get(key)
    except Exception:
        logger.warning("Render cache unavailable; rendering", exc_info=True)
        return build()
    if entry is not None and entry[0] == epoch:
        _remember(key, entry)
        return entry[1].to_response(head=False)
    response = build()
    if hasattr(response, "render"):
        response.render()
    if response.status_code == 200 and not response.cookies:
        entry = (epoch, StoredPage.from_response(response))
        _remember(key, entry)
        try:
            cache.set(key, entry, settings.PAGE_CACHE_SECONDS)
        except Exception:
            logger.warning("Render cache unavailable; page not stored", exc_info=True)
    return response


def _remember(key: str, entry: tuple[int, StoredPage]) -> None:
    with _rendered_here_lock:
        _rendered_here[key] = entry
        _rendered_here.move_to_end(key)
        while len(_rendered_here) > _RENDERED_HERE_MAX:
            _rendered_here.popitem(last=False)


def excluded_prefixes() -> tuple[str, ...]:
    """Paths that are never public pages."""
    return (
        "/" + settings.ADMIN_PATH,
        settings.MARKDOWNX_URLS_PATH,
        settings.MARKDOWNX_UPLOAD_URLS_PATH,
        "/markdownx/",
        "/healthz",
        settings.STATIC_URL,
        settings.MEDIA_URL,
    )


def page_url(request: HttpRequest) -> str:
    """What a cached page is stored under (with the generation). get_host()
    validates the Host header against ALLOWED_HOSTS, so a hit is refused
    exactly like a miss would be, and hosts never share entries."""
    return f"{request.scheme}://{request.get_host()}{request.get_full_path()}"


def page_key(url: str) -> str:
    return "page:" + hashlib.sha256(url.encode()).hexdigest()


def lookup_page(url: str) -> tuple[int, StoredPage | None]:
    """The current generation and, if one was stored under it, the page."""
    key = page_key(url)
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY)
    if generation is None:
        generation = publication_generation()
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return generation, entry[1]
    return generation, None


def store_page(url: str, generation: int, page: StoredPage, timeout: int) -> None:
    cache.set(page_key(url), (generation, page), timeout)


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


def is_cacheable_response(request: HttpRequest, response: HttpResponseBase) -> bool:
    if request.method != "GET" or response.status_code != 200:
        return False
    if response.streaming or not isinstance(response, HttpResponse):
        return False
    if response.cookies:
        return False
    cache_control = {
        part.split("=", 1)[0].strip().lower()
        for part in response.headers.get("Cache-Control", "").split(",")
    }
    if cache_control & _UNCACHEABLE_DIRECTIVES:
        return False
    # A response built for a signed-in user never goes in. Without a session
    # cookie this is AnonymousUser, found without touching the database.
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)
