"""Tell nginx's micro-cache (deploy/nginx/healthsite.conf) when a page
expires: at the end of the second in which the app sent it.

nginx keeps cache lifetimes in whole seconds and treats an entry as fresh
while the current second is not past its expiry second, so ``s-maxage=1``
or ``proxy_cache_valid 1s`` keeps a page for up to two seconds (measured
through nginx by tests/operations/test_nginx.py: 1.1-2 s). nginx's own
``X-Accel-Expires: @<unix time>`` sets the expiry second itself; the
current second gives every cached page less than a second of life, so a
publish reaches readers within a second of its commit. nginx removes the
header before the response reaches the reader; CDNs ignore it.

This sits outside every Django tier (the page caches replay stored
headers, which would carry an expiry already past) and only shortens what
nginx would keep anyway: it never marks a response storable that HTTP's
rules forbid a shared cache to store. ADR: docs/decisions/0006-reverse-proxy.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

StartResponse = Callable[..., object]
WSGIApplication = Callable[[dict, StartResponse], Iterable[bytes]]

HEADER = "X-Accel-Expires"
# Statuses nginx's sample configuration may keep (its proxy_cache_valid),
# and 304: nginx revalidates an expired page with a conditional request and
# takes the new expiry from the 304. Without one there, the page would stay
# expired and every later request would revalidate it again.
_STORABLE_STATUSES = {"200", "301", "304", "404"}
# Cache-Control directives that forbid a shared cache to reuse a response
# without asking (RFC 9111, 5.2.2); nginx itself treats the first three so.
_NOT_SHARED = ("private", "no-store", "no-cache")


def shared_expiry(method: str, status: str, headers: list[tuple[str, str]]) -> str | None:
    """The X-Accel-Expires value for one response, or None to add nothing.

    ``status`` is the WSGI status line ("200 OK"); ``headers`` the response
    headers as (name, value) pairs. None when the method is not GET or
    HEAD, the status is not one nginx keeps, the response sets a cookie,
    its Cache-Control forbids shared reuse, or it sets its own ``s-maxage``
    (a purging proxy's lifetime, which nginx then honours as sent)."""
    if method not in {"GET", "HEAD"} or status[:3] not in _STORABLE_STATUSES:
        return None
    cache_control = ""
    for name, value in headers:
        lowered = name.lower()
        if lowered in {"set-cookie", HEADER.lower()}:
            return None
        if lowered == "cache-control":
            cache_control += "," + value.lower()
    directives = {part.strip().split("=")[0] for part in cache_control.split(",")}
    if directives & {*_NOT_SHARED, "s-maxage"}:
        return None
    return f"@{int(time.time())}"


class MicroCacheExpiry:
    """WSGI middleware adding ``X-Accel-Expires`` (see the module docstring)."""

    def __init__(self, application: WSGIApplication) -> None:
        self.application = application

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "")

        def expiring_start_response(status: str, headers: list, exc_info=None) -> object:
            value = shared_expiry(method, status, headers)
            if value is not None:
                headers = [*headers, (HEADER, value)]
            return start_response(status, headers, exc_info)

        return self.application(environ, expiring_start_response)
