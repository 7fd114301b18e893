"""The client's address, as django-axes and the logs should see it.

Behind the TLS proxy every request arrives from the proxy (``REMOTE_ADDR``
is 127.0.0.1), so the address of the person must come from
``X-Forwarded-For``. Only the entries our own proxies appended can be
trusted: a client may send the header itself, and each proxy appends the
address it received the request from (nginx's ``$proxy_add_x_forwarded_for``).
With ``N`` proxies the client is therefore the ``N``-th entry from the
right; anything to its left was written by the client (MDN, "X-Forwarded-For:
Selecting an IP address"; RFC 7239 section 8.3).
"""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_ip_address(request: HttpRequest) -> str:
    """The address of the client that sent ``request``, canonically written.

    ``settings.TRUSTED_PROXY_COUNT`` is the number of proxies in front of the
    site (0: clients connect directly). The header is read only when
    ``REMOTE_ADDR`` is one of ``settings.TRUSTED_PROXY_ADDRESSES`` (addresses
    or networks, or ``"*"``), so a client that reaches the server directly
    cannot choose its address. A request with fewer entries than proxies, or
    whose trusted entry is not an IP address, did not come through the
    proxies as configured: its ``REMOTE_ADDR`` is used. Used as django-axes'
    ``AXES_CLIENT_IP_CALLABLE``; returns ``REMOTE_ADDR`` unchanged if even
    that is not an address (a UNIX socket).
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0 or not _is_trusted_proxy(remote):
        return _canonical(remote) or remote
    entries = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if len(entries) < count:
        return _canonical(remote) or remote
    client = _canonical(entries[-count])
    if client is None:
        logger.warning(
            "X-Forwarded-For entry %d from the right is not an IP address; using REMOTE_ADDR. "
            "Check DJANGO_PROXY_COUNT and the proxy's X-Forwarded-For header.",
            count,
        )
        return _canonical(remote) or remote
    return client


def _canonical(value: str) -> str | None:
    """``value`` as ipaddress writes it (so one IPv6 address has one spelling),
    or None if it is not an address. Brackets around IPv6 are accepted."""
    try:
        return str(ipaddress.ip_address(value.strip().removeprefix("[").removesuffix("]")))
    except ValueError:
        return None


def _is_trusted_proxy(remote: str) -> bool:
    trusted = _trusted_networks(tuple(settings.TRUSTED_PROXY_ADDRESSES))
    if trusted is None:
        return True
    address = _canonical(remote)
    return address is not None and any(
        ipaddress.ip_address(address) in network for network in trusted
    )


@lru_cache(maxsize=8)
def _trusted_networks(addresses: tuple[str, ...]) -> tuple[Network, ...] | None:
    """The trusted proxies as networks; None when every address is trusted."""
    if "*" in addresses:
        return None
    return tuple(ipaddress.ip_network(address, strict=False) for address in addresses)
