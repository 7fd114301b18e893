"""The page cache as middleware, right after whitenoise. The rules of what
may be cached are in pagecache.rules; the tiers in pagecache.store."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import cast

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

from pagecache import rules, store
from pagecache.breaker import CacheUnavailableError

logger = logging.getLogger(__name__)


class PageCacheMiddleware:
    """Serves public pages to anonymous readers from the shared cache, and
    says on every public response how it may be cached (``Cache-Control``).

    Runs after SecurityMiddleware, so the HTTPS redirect and the host check
    come first, hit or miss. If the cache fails (Redis down or hung), pages
    are built as if there were no cache: readers still get the guides, and
    the circuit breaker keeps the cost to a few short timeouts.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if store.has_pending_invalidation():
            store.retry_pending_invalidation()
        if not rules.is_cacheable_request(request):
            response = self.get_response(request)
            rules.add_cache_control(request, response)
            return response
        try:
            generation, stored = store.lookup_page(request)
        except CacheUnavailableError as error:
            logger.warning("Page cache unavailable (%s); serving uncached", error)
            generation, stored = None, None
        if stored is not None:
            # A HEAD gets the whole page too: the compression middleware
            # decides on it as for the GET, then drops the body.
            hit = stored.to_response(head=False)
            # A reader revalidating a page they have gets 304 from the cache too.
            conditional = get_conditional_response(
                request,
                etag=hit.get("ETag"),
                last_modified=parse_http_date_safe(hit.get("Last-Modified", "")),
                response=hit,
            )
            # Given a response, Django returns it or a 304/412, never None.
            return cast(HttpResponseBase, conditional)
        response = self.get_response(request)
        rules.add_cache_control(request, response)
        if generation is not None and rules.is_storable_response(request, response):
            try:
                # is_storable_response admits only a (non-streaming) HttpResponse.
                store.store_page(request, generation, cast(HttpResponse, response))
            except CacheUnavailableError as error:
                logger.warning("Page cache unavailable (%s); page not stored", error)
        return response
