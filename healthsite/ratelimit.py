"""Fixed-window rate limits per client address, counted in the shared cache
(so every app server counts together). Used by the public endpoints that
take input from anyone: reader feedback and outside review links."""

from __future__ import annotations

import hashlib
import ipaddress
import logging

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest

from healthsite.client_ip import client_ip_address

logger = logging.getLogger(__name__)


def allow(request: HttpRequest, *, scope: str, limit: int, window_seconds: int) -> bool:
    """Count one request from this request's client (by
    :func:`healthsite.client_ip.client_ip_address`) in ``scope`` and say
    whether it is within ``limit`` per ``window_seconds`` seconds. The window
    opens at the client's first request. A ``limit`` of 0 or less turns
    limiting off. If the cache fails the request is allowed, and the failure
    logged: these endpoints write one small row at most, and a cache outage
    must not break them."""
    if limit <= 0:
        return True
    # Hashed so the cache never holds visitors' addresses in the clear.
    address = client_bucket(client_ip_address(request))
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]
    try:
        count = _count(caches[settings.PAGE_CACHE_ALIAS], f"{scope}:rate:{digest}", window_seconds)
    except Exception as error:  # any cache failure: allow, and say so
        logger.warning("Rate limit for %s unavailable (%s); request allowed", scope, error)
        return True
    return count <= limit


def client_bucket(address: str) -> str:
    """What one client is counted as: an IPv4 address itself; an IPv6
    address's /64 network (one subnet: ISPs give each subscriber at least
    one, RFC 6177, and a client may use any address in it, so counting
    addresses would give it 2**64 allowances); an IPv4-mapped IPv6 address
    as its IPv4 address.
    Anything that is not an address (a UNIX socket) is returned unchanged."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        # From the integer, so a zone ("fe80::1%eth0") cannot make a new network.
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))
    return str(ip)


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
