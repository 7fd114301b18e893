"""
The fastest tier of the page cache, in front of Django itself.

Each worker process keeps the final bytes of recently served public pages
(status, every header, body) in memory. A request that the page-cache
middleware would serve from the shared cache is answered here instead,
without building a Django request, running middleware or reading the page
from Redis or disk. Only the publication generation is read from the shared
cache, so a publish on any instance is seen on the next request; with
``DJANGO_PAGE_CACHE_RECHECK_MS`` above zero the generation is re-read at
most that often, trading that much staleness for one read fewer per request.

What may be kept is decided by the middleware (articles.middleware), which
marks the WSGI environ; this layer never decides that a page is public.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

from django.conf import settings

from articles.cache import (
    CACHEABLE_QUERY_PARAMETERS,
    LOCAL_STORE_FLAG,
    excluded_prefixes,
    publication_generation,
)

StartResponse = Callable[..., object]
Entry = tuple[int, str, list[tuple[str, str]], bytes]


class LocalPages:
    """A small LRU of final responses, per process."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


class PublicPageCacheApp:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.pages = LocalPages(settings.PAGE_CACHE_LOCAL_ENTRIES)
        self.recheck = settings.PAGE_CACHE_RECHECK_MS / 1000
        self.enabled = settings.PAGE_CACHE_SECONDS > 0 and settings.PAGE_CACHE_LOCAL_ENTRIES > 0
        self.excluded = excluded_prefixes()
        self.personal_cookies = {settings.SESSION_COOKIE_NAME, "messages"}
        self._generation = (0, -1.0)

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        if not (self.enabled and self.is_public_request(environ)):
            return self.app(environ, start_response)
        key = "{}://{}{}?{}".format(
            environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST", ""),
            environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
        )  # fmt: skip
        try:
            generation = self.generation()
        except Exception:
            return self.app(environ, start_response)  # the middleware logs and fails open
        entry = self.pages.get(key)
        if entry is not None and entry[0] == generation:
            return self.serve(entry, environ, start_response)
        return self.pass_through(key, environ, start_response)

    def is_public_request(self, environ: dict) -> bool:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return False
        if "HTTP_AUTHORIZATION" in environ:
            return False
        if environ.get("PATH_INFO", "").startswith(self.excluded):
            return False
        if cookies := environ.get("HTTP_COOKIE"):
            try:
                names = SimpleCookie(cookies).keys()
            except Exception:
                return False
            if self.personal_cookies & set(names):
                return False
        query = environ.get("QUERY_STRING", "")
        keys = {name for name, _ in parse_qsl(query, keep_blank_values=True)} if query else set()
        return keys <= CACHEABLE_QUERY_PARAMETERS

    def generation(self) -> int:
        value, checked = self._generation
        now = time.monotonic()
        if now - checked >= self.recheck:
            value = publication_generation()
            self._generation = (value, now)
        return value

    def serve(self, entry: Entry, environ: dict, start_response: StartResponse) -> list[bytes]:
        _, status, headers, body = entry
        found = dict((name.lower(), value) for name, value in headers)
        etag = found.get("etag")
        if etag and etag in environ.get("HTTP_IF_NONE_MATCH", ""):
            kept = [(n, v) for n, v in headers if n.lower() not in ("content-length",
                                                                     "content-type")]  # fmt: skip
            start_response("304 Not Modified", kept)
            return []
        start_response(status, headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def pass_through(self, key: str, environ: dict, start_response: StartResponse) -> Iterable:
        captured: dict[str, object] = {}

        def capture(status: str, headers: list, exc_info: object = None) -> object:
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        generation = environ.get(LOCAL_STORE_FLAG)
        if (generation is None or environ["REQUEST_METHOD"] != "GET"
                or not str(captured.get("status", "")).startswith("200")):  # fmt: skip
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        self.pages.put(key, (generation, captured["status"], list(captured["headers"]), body))
        return [body]
