"""How many requests one client may make to review-link pages: a fixed
window per client address, counted in the shared cache (so every app
server counts together). Tokens are unguessable; the limit bounds anyone
trying, and spam through a leaked link.

The same scheme as feedback/ratelimit.py, with its own key and settings
(the apps do not depend on each other)."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest

from healthsite.client_ip import client_ip_address

logger = logging.getLogger(__name__)

# Requests (page views and posts together) per window, and the window.
DEFAULT_LIMIT = 30
DEFAULT_WINDOW_SECONDS = 600


def limit() -> int:
    """Requests allowed per window: ``settings.OUTSIDE_REVIEW_RATE_LIMIT``
    if set, else 30; 0 or less turns limiting off."""
    return getattr(settings, "OUTSIDE_REVIEW_RATE_LIMIT", DEFAULT_LIMIT)


def window_seconds() -> int:
    """The window, in seconds: ``settings.OUTSIDE_REVIEW_RATE_WINDOW_SECONDS``
    if set, else 600."""
    return getattr(settings, "OUTSIDE_REVIEW_RATE_WINDOW_SECONDS", DEFAULT_WINDOW_SECONDS)


def _key(request: HttpRequest) -> str:
    # Hashed so the cache never holds visitors' addresses in the clear.
    address = client_ip_address(request)
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]
    return f"outside_review:rate:{digest}"


def allow_request(request: HttpRequest) -> bool:
    """Count one request from this request's client and say whether it is
    within :func:`limit` per :func:`window_seconds`. If the cache fails, the
    request is allowed (and the failure logged): the token still has to be
    right, and every response is one small row at most."""
    allowed = limit()
    if allowed <= 0:
        return True
    cache = caches[settings.PAGE_CACHE_ALIAS]
    try:
        count = _count(cache, _key(request), window_seconds())
    except Exception as error:  # a cache outage must not break the page
        logger.warning("Outside review rate limit unavailable (%s); request allowed", error)
        return True
    return count <= allowed


def _count(cache: BaseCache, key: str, window: int) -> int:
    """Add one to ``key``'s count, opening a window of ``window`` seconds
    if none is open; the count after adding."""
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # the window closed between add() and incr()
        cache.set(key, 1, timeout=window)
        return 1
