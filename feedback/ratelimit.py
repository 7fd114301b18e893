"""How many feedback posts one client may send: a fixed window per client
address, counted in the shared cache (so every app server counts together)."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest

from healthsite.client_ip import client_ip_address

logger = logging.getLogger(__name__)


def _key(request: HttpRequest) -> str:
    # Hashed so the cache never holds readers' addresses in the clear.
    address = client_ip_address(request)
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]
    return f"feedback:rate:{digest}"


def allow_post(request: HttpRequest) -> bool:
    """Count one feedback post from this request's client and say whether
    it is within ``settings.FEEDBACK_RATE_LIMIT`` posts per
    ``settings.FEEDBACK_RATE_WINDOW_SECONDS``. The window starts at the
    client's first post. A limit of 0 or less turns limiting off. If the
    cache fails, the post is allowed (and the failure logged): readers keep
    their voice while Redis is down, and each post is one small row."""
    limit = settings.FEEDBACK_RATE_LIMIT
    if limit <= 0:
        return True
    cache = caches[settings.PAGE_CACHE_ALIAS]
    try:
        count = _count(cache, _key(request), settings.FEEDBACK_RATE_WINDOW_SECONDS)
    except Exception as error:  # a cache outage must not refuse or break the form
        logger.warning("Feedback rate limit unavailable (%s); post allowed", error)
        return True
    return count <= limit


def _count(cache: BaseCache, key: str, window: int) -> int:
    """Add one to ``key``'s count, opening a window of ``window`` seconds
    if none is open; the count after adding."""
    # add() opens a window only if none is open; incr() is atomic in Redis
    # and in the memory cache.
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # the window closed between add() and incr()
        cache.set(key, 1, timeout=window)
        return 1
