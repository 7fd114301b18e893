"""What may be cached, and the Cache-Control that says so: the one copy of
these rules, used by the middleware, the rendered-page tier and /healthz.

A request may be answered from a shared cache only if it is GET or HEAD,
carries no session or messages cookie and no ``Authorization``, asks for a
public path, and its query string uses only the parameters that select a
public page. A response may be stored only if it is a complete 200, sets no
cookie, was not built for a signed-in user and has no ``private``,
``no-store`` or ``no-cache`` directive.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import patch_cache_control

# Only these query parameters can change a public page (list and topic
# pages, search, sitemap sections); any other query string is served
# uncached. Search terms vary without end, so the cache's own size limit
# (MAX_ENTRIES on disk, maxmemory in Redis) bounds what junk can fill.
CACHEABLE_QUERY_PARAMETERS = frozenset({"page", "q", "p"})
# A messages cookie means a flash message is waiting for this reader.
MESSAGES_COOKIE = "messages"
UNSHAREABLE_DIRECTIVES = frozenset({"private", "no-store", "no-cache"})
# Statuses that a public URL answers the same way to every reader: a page,
# a revalidation, an old address's redirect, a missing page.
PUBLIC_STATUSES = frozenset({200, 301, 304, 404, 410})


def excluded_prefixes() -> tuple[str, ...]:
    """Paths that are never public pages: the admin, markdownx, the health
    check, static and media files."""
    return (
        "/" + settings.ADMIN_PATH,
        settings.MARKDOWNX_URLS_PATH,
        settings.MARKDOWNX_UPLOAD_URLS_PATH,
        "/markdownx/",
        "/healthz",
        settings.STATIC_URL,
        settings.MEDIA_URL,
    )


def is_public_path(request: HttpRequest) -> bool:
    return not request.path.startswith(excluded_prefixes())


def is_personal_request(request: HttpRequest) -> bool:
    """The request may get a page made for one person: it carries a session
    or messages cookie, or credentials."""
    personal_cookies = (settings.SESSION_COOKIE_NAME, MESSAGES_COOKIE)
    return (
        any(name in request.COOKIES for name in personal_cookies)
        or "HTTP_AUTHORIZATION" in request.META
    )


def is_shareable_request(request: HttpRequest) -> bool:
    """Any reader sending this request gets the same public page."""
    return (
        request.method in ("GET", "HEAD")
        and is_public_path(request)
        and not is_personal_request(request)
    )


def is_cacheable_request(request: HttpRequest) -> bool:
    """The page cache may answer this request (and store its response)."""
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and is_shareable_request(request)
        and CACHEABLE_QUERY_PARAMETERS.issuperset(request.GET.keys())
    )


def page_query(request: HttpRequest) -> str:
    """The part of the query string that can change a public page: the
    cacheable parameters, in a fixed order. Views read nothing else, so
    ``/?page=2&utm_source=x`` renders exactly as ``/?page=2``."""
    pairs = [
        (name, value)
        for name, values in request.GET.lists()
        if name in CACHEABLE_QUERY_PARAMETERS
        for value in values
    ]
    return urlencode(sorted(pairs))


def _directives(response: HttpResponseBase) -> set[str]:
    return {
        part.split("=", 1)[0].strip().lower()
        for part in response.headers.get("Cache-Control", "").split(",")
        if part.strip()
    }


def is_personal_response(request: HttpRequest, response: HttpResponseBase) -> bool:
    """The response was built for one person or says it is private."""
    user = getattr(request, "user", None)
    # Without a session cookie this is AnonymousUser, found without a query.
    return (
        bool(response.cookies)
        or (user is not None and user.is_authenticated)
        or bool(_directives(response) & {"private", "no-store"})
    )


def is_storable_response(request: HttpRequest, response: HttpResponseBase) -> bool:
    """The response may be kept and served to other readers."""
    return (
        request.method == "GET"
        and response.status_code == 200
        and isinstance(response, HttpResponse)
        and not response.streaming
        and not is_personal_response(request, response)
        and not (_directives(response) & UNSHAREABLE_DIRECTIVES)
    )


def public_cache_control() -> str:
    """``public, max-age=0, must-revalidate``: browsers and proxies may keep
    the page but must check its validators before every reuse, so an
    approval is seen at once. With ``DJANGO_CACHE_S_MAXAGE`` above zero,
    ``s-maxage=N`` lets a shared cache that is purged on publish (or that
    accepts N seconds of staleness) serve it without asking (RFC 9111,
    5.2.2.10)."""
    value = "public, max-age=0, must-revalidate"
    if settings.CACHE_S_MAXAGE > 0:
        value += f", s-maxage={settings.CACHE_S_MAXAGE}"
    return value


def add_cache_control(request: HttpRequest, response: HttpResponseBase) -> None:
    """Say how a response of a public path may be cached, unless the view
    already did: public for what any reader gets, private otherwise."""
    if "Cache-Control" in response.headers or not is_public_path(request):
        return
    if is_personal_request(request) or is_personal_response(request, response):
        patch_cache_control(response, private=True, no_cache=True)
    elif request.method in ("GET", "HEAD") and response.status_code in PUBLIC_STATUSES:
        response.headers["Cache-Control"] = public_cache_control()
