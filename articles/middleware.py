"""The anonymous page cache as middleware; the rules live in articles/cache.py."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

from articles.cache import (
    CACHEABLE_QUERY_PARAMETERS,
    LOCAL_STORE_FLAG,
    StoredPage,
    excluded_prefixes,
    is_cacheable_response,
    lookup_page,
    page_url,
    store_page,
)

logger = logging.getLogger(__name__)


class PublicPageCacheMiddleware:
    """Serves public pages to anonymous readers from the shared cache.

    A request bypasses the cache entirely when it is not GET or HEAD, carries
    a session cookie or an Authorization header, has an unknown query
    parameter, or is for a non-public path (admin, markdownx, health check,
    static and media files). Signed-in staff therefore never see a cached
    page, and their pages are never stored.

    If the cache itself fails (Redis down), pages are rendered as if there
    were no cache: readers still get the guides.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.timeout = settings.PAGE_CACHE_SECONDS
        # Either cookie can make a page personal (a signed-in user, a flash
        # message); readers without them all get the same page.
        self.personal_cookies = (settings.SESSION_COOKIE_NAME, "messages")
        self.excluded = excluded_prefixes()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not self.is_cacheable_request(request):
            return self.get_response(request)
        url = page_url(request)
        try:
            generation, stored = lookup_page(url)
        except Exception:
            logger.warning("Page cache unavailable; serving uncached", exc_info=True)
            return self.get_response(request)
        if stored is not None:
            # The WSGI layer (articles.wsgi) may keep the final bytes in memory.
            request.META[LOCAL_STORE_FLAG] = generation
            hit = stored.to_response(head=request.method == "HEAD")
            # A reader revalidating a page they have gets 304 from the cache too.
            return get_conditional_response(
                request,
                etag=hit.get("ETag"),
                last_modified=parse_http_date_safe(hit.get("Last-Modified", "")),
                response=hit,
            )
        response = self.get_response(request)
        if is_cacheable_response(request, response):
            request.META[LOCAL_STORE_FLAG] = generation
            try:
                store_page(url, generation, StoredPage.from_response(response), self.timeout)
            except Exception:
                logger.warning("Page cache unavailable; page not stored", exc_info=True)
        return response

    def is_cacheable_request(self, request: HttpRequest) -> bool:
        return (
            self.timeout > 0
            and request.method in ("GET", "HEAD")
            and not any(name in request.COOKIES for name in self.personal_cookies)
            and "HTTP_AUTHORIZATION" not in request.META
            and not request.path.startswith(self.excluded)
            and CACHEABLE_QUERY_PARAMETERS.issuperset(request.GET.keys())
        )
